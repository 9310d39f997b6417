#include <catch2/catch.hpp>

#include "libstac/base/paths.hpp"
#include "libstac/db/migrations.hpp"
#include "libstac/pg/connection.hpp"
#include "tests/support/test_database.hpp"

using stacfed::pg::Connection;

TEST_CASE("migrate on a migrated database changes nothing", "[migrations][db]") {
  stacfed::testing::TestDatabase db;
  auto conn = Connection::Open(db.url());
  REQUIRE(conn.ok());
  auto report = stacfed::db::Migrate(*conn, *stacfed::ProjectRoot() / "sql");
  REQUIRE(report.ok());
  CHECK(report->applied.empty());
  CHECK(report->already_applied >= 1);
}

TEST_CASE("migrate refuses to run when an applied file changed", "[migrations][db]") {
  stacfed::testing::TestDatabase db;
  auto conn = Connection::Open(db.url());
  REQUIRE(conn.ok());
  REQUIRE(conn->Execute("UPDATE stacfed.migrations SET checksum = 'x' WHERE name = '0001_core.sql'").ok());
  auto report = stacfed::db::Migrate(*conn, *stacfed::ProjectRoot() / "sql");
  REQUIRE_FALSE(report.ok());
  CHECK(std::string(report.status().message()).find("was changed after it was applied") !=
        std::string::npos);
}

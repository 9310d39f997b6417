#include <catch2/catch.hpp>

#include <unistd.h>

#include <thread>

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

TEST_CASE("two migrate runs at once on an empty database both succeed", "[migrations][db]") {
  auto admin = Connection::Open(stacfed::testing::TestClusterAdminUrl());
  REQUIRE(admin.ok());
  const std::string name = "migrate_race_" + std::to_string(getpid());
  REQUIRE(admin->Execute("DROP DATABASE IF EXISTS " + name).ok());
  REQUIRE(admin->Execute("CREATE DATABASE " + name + " TEMPLATE template0").ok());
  std::string url = stacfed::testing::TestClusterAdminUrl();
  url.replace(url.find("/postgres?"), 10, "/" + name + "?");
  absl::StatusOr<stacfed::db::MigrationReport> reports[2];
  std::thread runners[2];
  for (int i = 0; i < 2; ++i) {
    runners[i] = std::thread([&, i] {
      auto conn = Connection::Open(url);
      if (!conn.ok()) {
        reports[i] = conn.status();
        return;
      }
      reports[i] = stacfed::db::Migrate(*conn, *stacfed::ProjectRoot() / "sql");
    });
  }
  for (auto& t : runners) t.join();
  REQUIRE(reports[0].ok());
  REQUIRE(reports[1].ok());
  // Exactly one of them applied the files; the other found them applied.
  CHECK(reports[0]->applied.size() + reports[1]->applied.size() ==
        size_t(std::max(reports[0]->already_applied, reports[1]->already_applied)));
  CHECK((reports[0]->applied.empty() || reports[1]->applied.empty()));
  REQUIRE(admin->Execute("DROP DATABASE " + name + " WITH (FORCE)").ok());
}

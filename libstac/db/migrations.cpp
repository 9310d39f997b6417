#include "libstac/db/migrations.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "libstac/base/strings.hpp"
#include "libstac/base/status_macros.hpp"

namespace stacfed::db {
namespace fs = std::filesystem;
namespace {

// Arbitrary but fixed: the advisory lock key that serialises migration runs.
constexpr std::string_view kLockSql = "SELECT pg_advisory_lock(hashtext('stacfed.migrate'))";
constexpr std::string_view kUnlockSql = "SELECT pg_advisory_unlock(hashtext('stacfed.migrate'))";

absl::StatusOr<std::vector<fs::path>> MigrationFiles(const fs::path& sql_dir) {
  static const std::regex kName(R"(^\d{4}_[a-z0-9_]+\.sql$)");
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(sql_dir, ec)) {
    if (std::regex_match(entry.path().filename().string(), kName)) files.push_back(entry.path());
  }
  if (ec) return absl::NotFoundError(StrCat("cannot read ", sql_dir.string()));
  std::sort(files.begin(), files.end());
  return files;
}

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot read ", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status ApplyPending(pg::Connection& conn, const std::vector<fs::path>& files,
                          MigrationReport& report) {
  STACFED_RETURN_IF_ERROR(conn.Execute(
      "CREATE SCHEMA IF NOT EXISTS stacfed;"
      "CREATE TABLE IF NOT EXISTS stacfed.migrations ("
      "  name text PRIMARY KEY, checksum text NOT NULL,"
      "  applied_at timestamptz NOT NULL DEFAULT now())"));
  STACFED_ASSIGN_OR_RETURN(auto applied_rows,
                           conn.Query("SELECT name, checksum FROM stacfed.migrations"));
  std::map<std::string, std::string, std::less<>> applied;
  for (int r = 0; r < applied_rows.Rows(); ++r) {
    applied.emplace(applied_rows.Get(r, 0), applied_rows.Get(r, 1));
  }
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    STACFED_ASSIGN_OR_RETURN(std::string sql, ReadFile(file));
    STACFED_ASSIGN_OR_RETURN(auto checksum_row, conn.Query("SELECT md5($1)", {sql}));
    std::string checksum(checksum_row.Scalar());
    if (auto it = applied.find(name); it != applied.end()) {
      if (it->second != checksum) {
        return absl::FailedPreconditionError(StrCat(
            "sql/", name, " was changed after it was applied (checksum ", checksum,
            ", recorded ", it->second, "); applied migrations must not change: add a new file"));
      }
      ++report.already_applied;
      continue;
    }
    STACFED_ASSIGN_OR_RETURN(auto txn, pg::Transaction::Begin(conn));
    auto status = conn.Execute(sql);
    if (!status.ok()) {
      return absl::Status(status.code(), StrCat("sql/", name, ": ", status.message()));
    }
    STACFED_RETURN_IF_ERROR(
        conn.Query("INSERT INTO stacfed.migrations (name, checksum) VALUES ($1, $2)",
                   {name, checksum})
            .status());
    STACFED_RETURN_IF_ERROR(txn.Commit());
    report.applied.push_back(name);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MigrationReport> Migrate(pg::Connection& conn, const fs::path& sql_dir) {
  STACFED_ASSIGN_OR_RETURN(auto files, MigrationFiles(sql_dir));
  if (files.empty()) return absl::NotFoundError(StrCat("no migrations in ", sql_dir.string()));
  STACFED_RETURN_IF_ERROR(conn.Query(kLockSql).status());
  MigrationReport report;
  absl::Status status = ApplyPending(conn, files, report);
  (void)conn.Query(kUnlockSql);
  if (!status.ok()) return status;
  return report;
}

}  // namespace stacfed::db

#pragma once
// Versioned schema migrations from sql/NNNN_name.sql, applied in order, each in its own
// transaction, recorded with a checksum in stacfed.migrations. An applied file that changed
// is an error (write a new file instead). A session advisory lock makes concurrent runs wait
// for each other, so running migrate from two processes at once is safe.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libstac/pg/connection.hpp"

namespace stacfed::db {

struct MigrationReport {
  std::vector<std::string> applied;  // names applied by this run, in order
  int already_applied = 0;
};

absl::StatusOr<MigrationReport> Migrate(pg::Connection& conn, const std::filesystem::path& sql_dir);

}  // namespace stacfed::db

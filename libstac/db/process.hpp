#pragma once
// Runs a helper program (initdb, pg_ctl, useradd) and waits for it, optionally as another
// user. Output goes to `log_file` when given, else is captured and returned in errors.
// `extra_env` ("NAME=value") is added to the environment the program inherits.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace stacfed::db {

struct RunAs {
  unsigned uid;
  unsigned gid;
};

struct ProcessResult {
  int exit_code;
  std::string output;  // stdout and stderr, interleaved
};

absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         std::optional<RunAs> run_as = std::nullopt,
                                         const std::optional<std::filesystem::path>& log_file =
                                             std::nullopt,
                                         const std::vector<std::string>& extra_env = {});

}  // namespace stacfed::db

#pragma once
// Locating the files that ship with stacfed (sql/, deploy/) without compiling a path in:
// they are found relative to the executable (build/stacfed -> ../sql) or through
// STACFED_SOURCE_DIR.

#include <filesystem>

#include "absl/status/statusor.h"

namespace stacfed {

// The repository (or install) root that holds sql/.
absl::StatusOr<std::filesystem::path> ProjectRoot();
std::filesystem::path ExecutablePath();

}  // namespace stacfed

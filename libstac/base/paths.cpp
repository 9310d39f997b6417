#include "libstac/base/paths.hpp"

#include "libstac/base/strings.hpp"
#include "libstac/base/env.hpp"

namespace stacfed {

std::filesystem::path ExecutablePath() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : path;
}

absl::StatusOr<std::filesystem::path> ProjectRoot() {
  namespace fs = std::filesystem;
  if (auto dir = GetEnv("STACFED_SOURCE_DIR")) {
    if (fs::exists(fs::path(*dir) / "sql")) return fs::path(*dir);
    return absl::NotFoundError(StrCat("STACFED_SOURCE_DIR=", *dir, " has no sql/ folder"));
  }
  // build/stacfed, build/tests/x, or an installed bin/stacfed next to share/stacfed.
  fs::path dir = ExecutablePath().parent_path();
  for (int depth = 0; depth < 4 && !dir.empty(); ++depth) {
    if (fs::exists(dir / "sql" / "0001_core.sql")) return dir;
    if (fs::exists(dir / "share" / "stacfed" / "sql")) return dir / "share" / "stacfed";
    dir = dir.parent_path();
  }
  return absl::NotFoundError(
      "cannot find stacfed's sql/ folder next to the executable; set STACFED_SOURCE_DIR to the "
      "checkout");
}

}  // namespace stacfed

#include "libstac/base/strings.hpp"
#include "libstac/base/log.hpp"

#include <unistd.h>

#include <string>

#include "libstac/base/env.hpp"

namespace stacfed::log {
namespace {

Level ConfiguredLevel() {
  static const Level level = [] {
    const std::string name = GetEnvOr("STACFED_LOG_LEVEL", "info");
    if (name == "debug") return Level::kDebug;
    if (name == "warn") return Level::kWarn;
    if (name == "error") return Level::kError;
    return Level::kInfo;
  }();
  return level;
}

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};

}  // namespace

bool Enabled(Level level) { return level >= ConfiguredLevel(); }

void Write(Level level, std::string_view message) {
  std::string line = StrCat("stacfed ", kLevelNames[static_cast<int>(level)], ": ",
                                  message, "\n");
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace stacfed::log

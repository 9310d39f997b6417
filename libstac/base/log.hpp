#pragma once
// Minimal leveled logging to stderr. STACFED_LOG_LEVEL=debug|info|warn|error (default info).
// Lines are written with one write() so concurrent threads do not interleave.

#include <string_view>

#include "libstac/base/strings.hpp"

namespace stacfed::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

bool Enabled(Level level);
void Write(Level level, std::string_view message);

template <typename... Args>
void Debug(const Args&... args) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, ::stacfed::StrCat(args...));
}
template <typename... Args>
void Info(const Args&... args) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, ::stacfed::StrCat(args...));
}
template <typename... Args>
void Warn(const Args&... args) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, ::stacfed::StrCat(args...));
}
template <typename... Args>
void Error(const Args&... args) {
  if (Enabled(Level::kError)) Write(Level::kError, ::stacfed::StrCat(args...));
}

}  // namespace stacfed::log

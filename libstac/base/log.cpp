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

namespace {

// 12345 -> "12,345".
std::string WithThousands(int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Messages are kept for the summary; an untrusted part in them must not grow memory.
constexpr size_t kMaxKeptMessage = 1000;

RepeatLimiter& GlobalLimiter() {
  static RepeatLimiter limiter([](Level level, std::string_view line) {
    if (Enabled(level)) Write(level, line);
  });
  return limiter;
}

}  // namespace

void RepeatLimiter::Summarise(std::string_view category, State& state) {
  if (state.suppressed > 0) {
    sink_(state.level, StrCat(category, " x ", WithThousands(state.suppressed), " more in the last ",
                              window_.count(), " s; the last: ", state.last_message));
  }
  state.suppressed = 0;
  state.written = 0;
}

void RepeatLimiter::Event(Level level, std::string_view category, std::string_view message,
                          Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = states_.find(category);
  if (it == states_.end()) {
    it = states_.emplace(std::string(category), State{}).first;
    it->second.window_start = now;
  }
  State& state = it->second;
  if (now - state.window_start >= window_) {
    Summarise(category, state);
    state.window_start = now;
  }
  state.level = level;
  if (state.written < burst_) {
    ++state.written;
    sink_(level, StrCat(category, ": ", message));
    return;
  }
  ++state.suppressed;
  state.last_message.assign(message.substr(0, kMaxKeptMessage));
}

void RepeatLimiter::Flush(Clock::time_point now, bool all) {
  std::lock_guard lock(mutex_);
  for (auto& [category, state] : states_) {
    if (state.suppressed > 0 && (all || now - state.window_start >= window_)) {
      Summarise(category, state);
      state.window_start = now;
    }
  }
}

void Repeated(Level level, std::string_view category, std::string_view message) {
  if (!Enabled(level)) return;
  GlobalLimiter().Event(level, category, message, RepeatLimiter::Clock::now());
}

void FlushRepeated() { GlobalLimiter().Flush(RepeatLimiter::Clock::now()); }

void FlushRepeatedNow() { GlobalLimiter().Flush(RepeatLimiter::Clock::now(), /*all=*/true); }

}  // namespace stacfed::log

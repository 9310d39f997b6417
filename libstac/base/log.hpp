#pragma once
// Minimal leveled logging to stderr. STACFED_LOG_LEVEL=debug|info|warn|error (default info).
// Lines are written with one write() so concurrent threads do not interleave.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
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

// Events that can repeat thousands of times a second (a 503 for every request while the
// database is down) go through Repeated(): per category, the first few of each 10-second
// window are written, the rest only counted, and once the window is over one line sums
// them up: "503 x 12,345 more in the last 10 s; the last: database unavailable (...)".
// Summaries are written by the next event of the category or by FlushRepeated(), which
// the server calls every second.
void Repeated(Level level, std::string_view category, std::string_view message);
void FlushRepeated();
// Writes every pending summary now, window over or not (at exit: no count is lost).
void FlushRepeatedNow();

// The policy behind Repeated(), with the clock and the output injected (tests use it).
class RepeatLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  using Sink = std::function<void(Level, std::string_view)>;

  RepeatLimiter(Sink sink, int burst = 5, std::chrono::seconds window = std::chrono::seconds(10))
      : sink_(std::move(sink)), burst_(burst), window_(window) {}

  void Event(Level level, std::string_view category, std::string_view message,
             Clock::time_point now);
  // Writes the summaries of windows that are over (all of them with `all`).
  void Flush(Clock::time_point now, bool all = false);

 private:
  struct State {
    Clock::time_point window_start;
    Level level = Level::kInfo;
    int written = 0;
    int64_t suppressed = 0;
    std::string last_message;
  };
  void Summarise(std::string_view category, State& state);

  Sink sink_;
  int burst_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::map<std::string, State, std::less<>> states_;  // categories are fixed strings: few
};

}  // namespace stacfed::log

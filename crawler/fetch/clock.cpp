#include "crawler/fetch/clock.hpp"

#include <thread>

namespace stacfed::crawler {

void SystemClock::SleepUntil(TimePoint when) { std::this_thread::sleep_until(when); }

void RecordingClock::SleepUntil(TimePoint when) {
  const auto now = Now();
  if (when <= now) return;
  waits_.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(when - now));
  skipped_ += when - now;
}

}  // namespace stacfed::crawler

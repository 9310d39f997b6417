#pragma once
// Time as the fetcher sees it. Waiting for Retry-After and backoff goes through a Clock so
// tests can record the waits instead of sleeping through them.

#include <chrono>
#include <vector>

namespace stacfed::crawler {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() = 0;
  virtual void SleepUntil(TimePoint when) = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now(); }
  void SleepUntil(TimePoint when) override;
};

// A clock for tests: real time plus the waits it was asked for, which it records and skips.
class RecordingClock final : public Clock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now() + skipped_; }
  void SleepUntil(TimePoint when) override;
  const std::vector<std::chrono::milliseconds>& waits() const { return waits_; }

 private:
  std::chrono::steady_clock::duration skipped_{};
  std::vector<std::chrono::milliseconds> waits_;
};

}  // namespace stacfed::crawler

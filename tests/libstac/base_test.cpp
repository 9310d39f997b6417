#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "libstac/base/cancellation.hpp"
#include "libstac/base/crypto.hpp"
#include "libstac/base/expiring_cache.hpp"
#include "libstac/base/log.hpp"

namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

stacfed::Sha256Digest Key(std::string_view text) { return stacfed::Sha256(text); }

}  // namespace

TEST_CASE("SHA-256 and HMAC-SHA-256 match their published test vectors", "[crypto]") {
  CHECK(Hex(stacfed::AsBytes(stacfed::Sha256("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231, test case 2.
  CHECK(Hex(stacfed::AsBytes(stacfed::HmacSha256("Jefe", "what do ya want for nothing?"))) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The contexts each thread reuses: a digest after another, a key after another.
  CHECK(Hex(stacfed::AsBytes(stacfed::Sha256(""))) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Hex(stacfed::AsBytes(stacfed::Sha256("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string key20(20, '\x0b');  // RFC 4231, test case 1
  CHECK(Hex(stacfed::AsBytes(stacfed::HmacSha256(key20, "Hi There"))) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(Hex(stacfed::AsBytes(stacfed::HmacSha256("Jefe", "what do ya want for nothing?"))) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(Hex(stacfed::AsBytes(stacfed::HmacSha256("Jefe", "what do ya want for nothing?"))) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(stacfed::ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(stacfed::ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(stacfed::ConstantTimeEquals("abc", "ab"));
  CHECK(stacfed::RandomBytes(32).size() == 32);
  CHECK(stacfed::RandomBytes(32) != stacfed::RandomBytes(32));
}

TEST_CASE("a cancellation runs the registered action once, and only while registered",
          "[cancellation]") {
  stacfed::Cancellation cancel;
  int runs = 0;
  {
    auto registration = cancel.OnCancel([&] { ++runs; });
  }
  cancel.Cancel();
  CHECK(runs == 0);
  CHECK(cancel.cancelled());
  auto late = cancel.OnCancel([&] { ++runs; });  // already cancelled: runs at once
  CHECK(runs == 1);

  stacfed::Cancellation other;
  auto first = other.OnCancel([&] { runs += 10; });
  {
    auto second = other.OnCancel([&] { runs += 100; });
    other.Cancel();
    other.Cancel();
  }
  CHECK(runs == 101);
}

TEST_CASE("repeated log events are written a few times per window, then summed up",
          "[log]") {
  using stacfed::log::Level;
  using stacfed::log::RepeatLimiter;
  std::vector<std::string> lines;
  RepeatLimiter limiter([&](Level, std::string_view line) { lines.emplace_back(line); }, 3,
                        std::chrono::seconds(10));
  const auto t0 = RepeatLimiter::Clock::time_point() + std::chrono::hours(1);
  for (int i = 0; i < 12345 + 3; ++i) {
    limiter.Event(Level::kWarn, "503", "database unavailable " + std::to_string(i), t0);
  }
  limiter.Event(Level::kWarn, "other", "once", t0);
  CHECK(lines.size() == 4);
  limiter.Flush(t0 + std::chrono::seconds(5));
  CHECK(lines.size() == 4);  // the window is not over yet
  limiter.Flush(t0 + std::chrono::seconds(10));
  REQUIRE(lines.size() == 5);
  CHECK(lines.back() == "503 x 12,345 more in the last 10 s; the last: database unavailable 12347");
  // A new window writes its first events again.
  limiter.Event(Level::kWarn, "503", "back", t0 + std::chrono::seconds(11));
  CHECK(lines.back() == "503: back");
  limiter.Flush(t0 + std::chrono::seconds(60));
  CHECK(lines.size() == 6);  // nothing suppressed: no summary
}

TEST_CASE("an expiring cache is bounded in entries and bytes and expires on time",
          "[cache]") {
  using Cache = stacfed::ExpiringCache<std::string>;
  const auto t0 = Cache::Clock::time_point() + std::chrono::hours(1);
  Cache cache({.ttl = std::chrono::seconds(30), .max_entries = 3, .max_bytes = 1 << 20});
  cache.Store(Key("a"), "A", 0, t0);
  cache.Store(Key("b"), "B", 0, t0 + std::chrono::seconds(1));
  REQUIRE(cache.Find(Key("a"), t0 + std::chrono::seconds(29)) != nullptr);
  CHECK(*cache.Find(Key("a"), t0 + std::chrono::seconds(29)) == "A");
  CHECK(cache.Find(Key("a"), t0 + std::chrono::seconds(30)) == nullptr);  // expired on time
  CHECK(cache.size() == 1);                                                // and dropped
  CHECK(cache.Find(Key("b"), t0 + std::chrono::seconds(30)) != nullptr);

  // Entries: the oldest makes room.
  const auto t1 = t0 + std::chrono::seconds(30);
  for (const char* k : {"c", "d", "e"}) cache.Store(Key(k), k, 0, t1);
  CHECK(cache.size() == 3);
  CHECK(cache.Find(Key("b"), t1) == nullptr);
  CHECK(cache.Find(Key("e"), t1) != nullptr);

  // Bytes: a value's own bytes count, and one larger than the budget is not kept.
  Cache small({.ttl = std::chrono::seconds(30), .max_entries = 100,
               .max_bytes = 3 * Cache::kEntryOverhead + 3000});
  for (int i = 0; i < 10; ++i) small.Store(Key(std::to_string(i)), "x", 1000, t0);
  CHECK(small.size() == 3);
  CHECK(small.bytes() <= 3 * Cache::kEntryOverhead + 3000);
  small.Store(Key("huge"), "x", 1 << 20, t0);
  CHECK(small.Find(Key("huge"), t0) == nullptr);

  // Storing one key again and again keeps one entry and a bounded queue.
  Cache again({.ttl = std::chrono::seconds(30), .max_entries = 4, .max_bytes = 1 << 20});
  for (int i = 0; i < 1000; ++i) again.Store(Key("same"), std::to_string(i), 0, t0);
  CHECK(again.size() == 1);
  CHECK(*again.Find(Key("same"), t0) == "999");

  Cache disabled({.ttl = std::chrono::seconds(0), .max_entries = 4, .max_bytes = 1 << 20});
  disabled.Store(Key("a"), "A", 0, t0);
  CHECK(disabled.Find(Key("a"), t0) == nullptr);
}

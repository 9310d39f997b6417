// The HTTP client against the fake upstream's fault injection: retries honour Retry-After
// and back off otherwise (waits recorded by a RecordingClock, not slept), timeouts,
// truncated bodies, redirect loops and oversized documents end in errors, gzip is decoded,
// ETags give 304s, and per-host concurrency holds.

#include <catch2/catch.hpp>

#include <chrono>

#include "crawler/fetch/http_client.hpp"
#include "tests/crawler/fake_upstream.hpp"

namespace stacfed::crawler {
namespace {

using std::chrono::milliseconds;
using testing::FakeUpstream;

FakeUpstream& Upstream() {
  static FakeUpstream upstream;
  return upstream;
}

HttpClientOptions FastOptions() {
  HttpClientOptions options;
  options.read_timeout = milliseconds(1000);
  options.total_timeout = milliseconds(5000);
  options.max_attempts = 4;
  options.backoff_initial = milliseconds(200);
  return options;
}

TEST_CASE("429 with Retry-After is retried after the announced wait", "[crawler][http]") {
  RecordingClock clock;
  HttpClient client(FastOptions(), &clock, 1);
  auto response = client.Fetch(HttpRequest::Get(Upstream().Url("/fault/429x2,ra=7,tag=ra/hda/")));
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(response->attempts == 3);
  REQUIRE(clock.waits().size() >= 2);
  // Retry-After: 7 means 7 s, whatever the backoff would have chosen.
  for (auto wait : clock.waits()) CHECK(wait.count() > 6000);
}

TEST_CASE("503 without Retry-After backs off exponentially with jitter", "[crawler][http]") {
  RecordingClock clock;
  HttpClient client(FastOptions(), &clock, 2);
  auto response = client.Fetch(HttpRequest::Get(Upstream().Url("/fault/503x3,tag=bo/hda/")));
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(client.stats().retries == 3);
  REQUIRE(clock.waits().size() == 3);
  // Equal jitter: attempt n waits between half and all of 200 ms * 2^(n-1).
  for (size_t i = 0; i < 3; ++i) {
    const int64_t full = 200 << i;
    CHECK(clock.waits()[i].count() >= full / 2 - 5);
    CHECK(clock.waits()[i].count() <= full + 5);
  }
}

TEST_CASE("a burst longer than the attempts hands the last 429 back", "[crawler][http]") {
  RecordingClock clock;
  HttpClientOptions options = FastOptions();
  options.max_attempts = 2;
  HttpClient client(options, &clock, 3);
  auto response = client.Fetch(HttpRequest::Get(Upstream().Url("/fault/429x5,ra=1,tag=ex/hda/")));
  REQUIRE(response.ok());
  CHECK(response->status == 429);
  CHECK(response->attempts == 2);
}

TEST_CASE("a server that does not answer times out", "[crawler][http]") {
  RecordingClock clock;
  HttpClientOptions options = FastOptions();
  options.max_attempts = 1;
  HttpClient client(options, &clock, 4);
  auto response = client.Fetch(HttpRequest::Get(Upstream().Url("/fault/slow=4,tag=to/hda/")));
  REQUIRE_FALSE(response.ok());
  CHECK(absl::IsUnavailable(response.status()));
}

TEST_CASE("a truncated body is an error after the retries", "[crawler][http]") {
  RecordingClock clock;
  HttpClientOptions options = FastOptions();
  options.max_attempts = 2;
  HttpClient client(options, &clock, 5);
  auto response = client.Fetch(HttpRequest::Get(Upstream().Url("/fault/trunc,tag=tr/hda/")));
  REQUIRE_FALSE(response.ok());
  CHECK(client.stats().retries == 1);
}

TEST_CASE("a redirect loop stops at the redirect limit", "[crawler][http]") {
  HttpClient client(FastOptions());
  auto response = client.Fetch(HttpRequest::Get(Upstream().Url("/fault/loop,tag=rl/hda/")));
  REQUIRE_FALSE(response.ok());
  CHECK(absl::IsFailedPrecondition(response.status()));
}

TEST_CASE("an oversized document is abandoned at the cap", "[crawler][http]") {
  HttpClientOptions options = FastOptions();
  options.max_response_bytes = 100'000;
  HttpClient client(options);
  auto response = client.Fetch(HttpRequest::Get(Upstream().Url("/fault/big=500000,tag=big/hda/")));
  REQUIRE_FALSE(response.ok());
  CHECK(absl::IsResourceExhausted(response.status()));
  auto small = client.Fetch(HttpRequest::Get(Upstream().Url("/fault/big=1000,tag=small/hda/")));
  REQUIRE(small.ok());
  CHECK(small->status == 200);
}

TEST_CASE("gzip bodies are decoded and ETags give 304", "[crawler][http]") {
  HttpClient client(FastOptions());
  auto first = client.Fetch(HttpRequest::Get(Upstream().Url("/hda/collections")));
  REQUIRE(first.ok());
  CHECK(first->status == 200);
  CHECK(first->body.find("EO.EUM.DAT.SENTINEL-3.OL_2_WRR___") != std::string::npos);
  REQUIRE_FALSE(first->etag.empty());
  HttpRequest again = HttpRequest::Get(Upstream().Url("/hda/collections"));
  again.etag = first->etag;
  auto second = client.Fetch(again);
  REQUIRE(second.ok());
  CHECK(second->not_modified());
  CHECK(second->body.empty());
}

TEST_CASE("FetchAll keeps request order and the per-host limit", "[crawler][http]") {
  HttpClientOptions options = FastOptions();
  options.per_host_concurrency = 2;
  HttpClient client(options);
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 6; ++i) {
    requests.push_back(HttpRequest::Get(Upstream().Url(
        "/fault/slow=0.3,tag=par" + std::to_string(i) + "/eerie-cloud/datasets/ds" +
        std::to_string(i % 2 + 1) + "/stac")));
  }
  const auto started = std::chrono::steady_clock::now();
  auto responses = client.FetchAll(requests);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  REQUIRE(responses.size() == 6);
  for (int i = 0; i < 6; ++i) {
    REQUIRE(responses[i].ok());
    CHECK(responses[i]->body.find("ds" + std::to_string(i % 2 + 1)) != std::string::npos);
  }
  // 6 requests of 0.3 s, 2 at a time: at least 0.9 s, well under the 1.8 s of one at a time.
  CHECK(elapsed >= milliseconds(850));
  CHECK(elapsed < milliseconds(1780));  // one at a time would take 1.8 s at least
}

TEST_CASE("a rate limit spaces the requests to one host", "[crawler][http]") {
  RecordingClock clock;
  HttpClientOptions options = FastOptions();
  options.per_host_requests_per_second = 4;  // one every 250 ms
  HttpClient client(options, &clock);
  std::vector<HttpRequest> requests(4, HttpRequest::Get(Upstream().Url("/hda/")));
  const auto started = clock.Now();
  auto responses = client.FetchAll(requests);
  for (auto& response : responses) REQUIRE(response.ok());
  // Four requests, the last three each 250 ms after the one before.
  CHECK(clock.Now() - started >= milliseconds(3 * 250 - 5));
  CHECK_FALSE(clock.waits().empty());
}

TEST_CASE("HostOf names the unit of politeness", "[crawler][http]") {
  CHECK(HostOf("https://User@Example.org:8443/a?b") == "example.org:8443");
  CHECK(HostOf("file:///tmp/catalog.json").empty());
}

}  // namespace
}  // namespace stacfed::crawler

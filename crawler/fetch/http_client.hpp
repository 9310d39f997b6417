#pragma once
// The crawler's HTTP client, on libcurl's multi interface: libcurl does redirects, proxies
// (the standard environment variables), TLS with the system CA bundle, compression and
// HTTP/2; this class adds the politeness a harvester owes its providers: per-host
// concurrency and request-rate limits, 429/503 honoured with Retry-After or exponential
// backoff with jitter, a cap on response size and conditional requests.
//
// A response with any HTTP status is a successful fetch (the walker decides what a 404 or
// 500 means); errors are transport failures left after the retries (timeouts, refused
// connections, oversized or truncated bodies, redirect loops).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crawler/fetch/clock.hpp"

namespace stacfed::crawler {

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;
  std::string body;  // POST: a JSON document
  // Validators of an earlier response: sent as If-None-Match / If-Modified-Since.
  std::string etag;
  std::string last_modified;

  static HttpRequest Get(std::string url) {
    HttpRequest request;
    request.url = std::move(url);
    return request;
  }
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string effective_url;  // after redirects
  int attempts = 0;

  bool ok() const { return status >= 200 && status < 300; }
  bool not_modified() const { return status == 304; }
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // No byte received for this long: the transfer is abandoned (libcurl's low-speed limit
  // works in whole seconds, so this is rounded up).
  std::chrono::milliseconds read_timeout{60'000};
  std::chrono::milliseconds total_timeout{300'000};
  int64_t max_response_bytes = 64 << 20;
  int max_redirects = 5;
  int max_attempts = 5;  // including the first
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{60'000};
  std::chrono::milliseconds retry_after_max{300'000};  // a longer Retry-After is clipped
  int per_host_concurrency = 4;
  double per_host_requests_per_second = 0;  // 0: unlimited
  bool allow_file_urls = false;  // file:// for static catalogs given by the operator
  std::string user_agent = "stacfed-harvester/0.1 (+https://github.com/stacfed)";
};

struct HttpClientStats {
  int64_t requests = 0;  // transfers started, retries included
  int64_t retries = 0;
  int64_t bytes = 0;
};

class HttpClient {
 public:
  // `clock` (not owned) defaults to the system clock; `seed` makes the jitter reproducible.
  explicit HttpClient(HttpClientOptions options, Clock* clock = nullptr, uint64_t seed = 0);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  absl::StatusOr<HttpResponse> Fetch(const HttpRequest& request);
  // Fetches all requests concurrently within the per-host limits; results in request order.
  std::vector<absl::StatusOr<HttpResponse>> FetchAll(const std::vector<HttpRequest>& requests);

  const HttpClientStats& stats() const { return stats_; }
  const HttpClientOptions& options() const { return options_; }

 private:
  struct Transfer;
  struct HostState {
    int active = 0;
    Clock::TimePoint next_start{};  // rate limit and Retry-After pauses
  };

  std::chrono::milliseconds BackoffDelay(int attempt);

  HttpClientOptions options_;
  SystemClock system_clock_;
  Clock* clock_;
  std::mt19937_64 random_;
  std::map<std::string, HostState> hosts_;
  HttpClientStats stats_;
  void* multi_ = nullptr;  // CURLM*
};

// The host part of a URL ("" for file:// and unparsable URLs): the unit of politeness.
std::string HostOf(const std::string& url);

}  // namespace stacfed::crawler

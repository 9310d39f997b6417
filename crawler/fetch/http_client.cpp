#include "crawler/fetch/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>

#include "absl/strings/match.h"
#include "libstac/base/log.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/base/url.hpp"

namespace stacfed::crawler {
namespace {

using std::chrono::milliseconds;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool HeaderNameIs(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line[name.size()] == ':' &&
         absl::EqualsIgnoreCase(ToAbsl(line.substr(0, name.size())), ToAbsl(name));
}

// Retry-After is either delta-seconds or an HTTP date.
std::optional<milliseconds> ParseRetryAfter(const std::string& value) {
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(c); })) {
    return milliseconds(std::stoll(value.substr(0, 9)) * 1000);
  }
  const time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return milliseconds(std::max<int64_t>(0, (when - std::time(nullptr)) * 1000));
}

bool IsRetryableStatus(long status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

bool IsRetryableTransportError(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string HostOf(const std::string& url) {
  absl::StatusOr<Url> parsed = Url::Parse(url);
  if (!parsed.ok() || parsed->SchemeIs("file")) return "";
  return parsed->HostAndPort();
}

// One request's life across its attempts.
struct HttpClient::Transfer {
  size_t index = 0;
  const HttpRequest* request = nullptr;
  std::string host;
  int attempt = 0;
  Clock::TimePoint not_before{};
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  int64_t max_bytes = 0;
  bool too_large = false;
  HttpResponse response;
  std::string retry_after;

  void ResetResponse() {
    response = HttpResponse{};
    retry_after.clear();
    too_large = false;
    error[0] = '\0';
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    const size_t n = size * count;
    if (static_cast<int64_t>(t->response.body.size() + n) > t->max_bytes) {
      t->too_large = true;
      return 0;  // aborts the transfer: never buffer more than the cap
    }
    t->response.body.append(data, n);
    return n;
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    const size_t n = size * count;
    const std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {  // a new response (after a redirect): forget the old one
      t->response.etag.clear();
      t->response.last_modified.clear();
      t->response.content_type.clear();
      t->retry_after.clear();
    } else if (HeaderNameIs(line, "etag")) {
      t->response.etag = std::string(Trim(line.substr(5)));
    } else if (HeaderNameIs(line, "last-modified")) {
      t->response.last_modified = std::string(Trim(line.substr(14)));
    } else if (HeaderNameIs(line, "content-type")) {
      t->response.content_type = std::string(Trim(line.substr(13)));
    } else if (HeaderNameIs(line, "retry-after")) {
      t->retry_after = std::string(Trim(line.substr(12)));
    }
    return n;
  }
};

HttpClient::HttpClient(HttpClientOptions options, Clock* clock, uint64_t seed)
    : options_(std::move(options)),
      clock_(clock ? clock : &system_clock_),
      random_(seed ? seed : std::random_device{}()) {
  GlobalInitOnce();
  options_.per_host_concurrency = std::max(1, options_.per_host_concurrency);
  options_.max_attempts = std::max(1, options_.max_attempts);
  multi_ = curl_multi_init();
  // Keep-alive connections per host bounded like the transfers.
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                    static_cast<long>(std::max(1, options_.per_host_concurrency)));
}

HttpClient::~HttpClient() {
  if (multi_) curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

milliseconds HttpClient::BackoffDelay(int attempt) {
  // Exponential backoff with "equal jitter": half fixed, half random, so retries of many
  // clients spread out but never collapse to zero.
  const int64_t base = options_.backoff_initial.count() << std::min(attempt - 1, 20);
  const int64_t capped = std::min<int64_t>(base, options_.backoff_max.count());
  std::uniform_int_distribution<int64_t> jitter(0, std::max<int64_t>(0, capped / 2));
  return milliseconds(capped / 2 + jitter(random_));
}

absl::StatusOr<HttpResponse> HttpClient::Fetch(const HttpRequest& request) {
  return std::move(FetchAll({request}).front());
}

std::vector<absl::StatusOr<HttpResponse>> HttpClient::FetchAll(
    const std::vector<HttpRequest>& requests) {
  auto* multi = static_cast<CURLM*>(multi_);
  std::vector<absl::StatusOr<HttpResponse>> results(requests.size(),
                                                    absl::InternalError("not fetched"));
  std::vector<Transfer> transfers(requests.size());
  std::deque<Transfer*> waiting;
  for (size_t i = 0; i < requests.size(); ++i) {
    transfers[i].index = i;
    transfers[i].request = &requests[i];
    transfers[i].host = HostOf(requests[i].url);
    transfers[i].max_bytes = options_.max_response_bytes;
    waiting.push_back(&transfers[i]);
  }
  const milliseconds rate_interval(
      options_.per_host_requests_per_second > 0
          ? static_cast<int64_t>(1000.0 / options_.per_host_requests_per_second)
          : 0);
  int active = 0;

  auto start = [&](Transfer& t) {
    t.ResetResponse();
    ++t.attempt;
    ++stats_.requests;
    if (t.attempt > 1) ++stats_.retries;
    CURL* easy = curl_easy_init();
    t.easy = easy;
    const HttpRequest& r = *t.request;
    curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t.error);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
    curl_easy_setopt(easy, CURLOPT_POSTREDIR, static_cast<long>(CURL_REDIR_POST_ALL));
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR,
                     options_.allow_file_urls ? "http,https,file" : "http,https");
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");  // never into file://
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl supports
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>((options_.read_timeout.count() + 999) / 1000));
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options_.max_response_bytes));
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
    // TLS verification is libcurl's default (peer and host, system CA bundle); proxies come
    // from http_proxy/https_proxy/no_proxy, also by default. Neither is ever switched off.
    t.headers = curl_slist_append(nullptr,
                                  "Accept: application/geo+json, application/json;q=0.9, */*;q=0.1");
    if (!r.etag.empty()) {
      t.headers = curl_slist_append(t.headers, StrCat("If-None-Match: ", r.etag).c_str());
    }
    if (!r.last_modified.empty()) {
      t.headers =
          curl_slist_append(t.headers, StrCat("If-Modified-Since: ", r.last_modified).c_str());
    }
    if (r.method == "POST") {
      t.headers = curl_slist_append(t.headers, "Content-Type: application/json");
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, r.body.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.headers);
    HostState& host = hosts_[t.host];
    ++host.active;
    host.next_start = std::max(host.next_start, clock_->Now()) + rate_interval;
    ++active;
    curl_multi_add_handle(multi, easy);
  };

  auto release = [&](Transfer& t) {
    curl_multi_remove_handle(multi, t.easy);
    curl_easy_cleanup(t.easy);
    curl_slist_free_all(t.headers);
    t.easy = nullptr;
    t.headers = nullptr;
    --hosts_[t.host].active;
    --active;
  };

  // Decides after an attempt: finished (result set) or waiting again for a retry.
  auto complete = [&](Transfer& t, CURLcode code) {
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    char* effective = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &effective);
    const std::string& url = t.request->url;
    // Copied before release(): the handle owns the text, and curl_easy_cleanup frees it.
    const std::string effective_url = effective ? effective : url;
    const std::string error_text = t.error[0] ? t.error : curl_easy_strerror(code);
    release(t);
    stats_.bytes += static_cast<int64_t>(t.response.body.size());
    const bool can_retry = t.attempt < options_.max_attempts;
    if (code == CURLE_OK && !IsRetryableStatus(status)) {
      // file:// has no status line: a file that was read is a 200.
      t.response.status = status == 0 ? 200 : status;
      t.response.effective_url = effective_url;
      t.response.attempts = t.attempt;
      results[t.index] = std::move(t.response);
      return;
    }
    if (t.too_large || code == CURLE_FILESIZE_EXCEEDED) {
      results[t.index] = absl::ResourceExhaustedError(StrCat(
          url, ": response larger than ", options_.max_response_bytes, " bytes, abandoned"));
      return;
    }
    if (code == CURLE_TOO_MANY_REDIRECTS) {
      results[t.index] = absl::FailedPreconditionError(
          StrCat(url, ": more than ", options_.max_redirects, " redirects"));
      return;
    }
    const bool retryable = code == CURLE_OK ? true : IsRetryableTransportError(code);
    const std::string what =
        code == CURLE_OK ? StrCat("HTTP ", status) : StrCat(error_text, " (curl ", code, ")");
    if (!retryable || !can_retry) {
      if (code == CURLE_OK) {  // retries exhausted on 429/503: hand the last response back
        t.response.status = status;
        t.response.effective_url = effective_url;
        t.response.attempts = t.attempt;
        results[t.index] = std::move(t.response);
      } else {
        results[t.index] = absl::UnavailableError(
            StrCat(url, ": ", what, " after ", t.attempt, " attempt(s)"));
      }
      return;
    }
    milliseconds wait = BackoffDelay(t.attempt);
    if (auto retry_after = ParseRetryAfter(t.retry_after)) {
      wait = std::min(*retry_after, options_.retry_after_max);
      // The server asked the whole host to slow down, not only this request.
      HostState& host = hosts_[t.host];
      host.next_start = std::max(host.next_start, clock_->Now() + wait);
    }
    log::Debug("fetch: ", url, ": ", what, ", retry ", t.attempt, " in ", wait.count(), " ms");
    t.not_before = clock_->Now() + wait;
    waiting.push_back(&t);
  };

  while (!waiting.empty() || active > 0) {
    // Start whatever the per-host limits allow, in request order.
    const auto now = clock_->Now();
    std::optional<Clock::TimePoint> earliest;
    for (auto it = waiting.begin(); it != waiting.end();) {
      Transfer& t = **it;
      HostState& host = hosts_[t.host];
      const auto ready_at = std::max(t.not_before, t.host.empty() ? Clock::TimePoint{}
                                                                  : host.next_start);
      const bool host_free = t.host.empty() || host.active < options_.per_host_concurrency;
      if (host_free && ready_at <= now) {
        it = waiting.erase(it);
        start(t);
      } else {
        if (host_free) earliest = std::min(earliest.value_or(ready_at), ready_at);
        ++it;
      }
    }
    if (active == 0) {
      if (earliest) clock_->SleepUntil(*earliest);
      continue;
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &t);
      complete(*t, message->data.result);
    }
    if (active > 0) {
      int timeout_ms = 100;
      if (earliest) {
        const auto until = std::chrono::duration_cast<milliseconds>(*earliest - clock_->Now());
        timeout_ms = static_cast<int>(std::clamp<int64_t>(until.count(), 0, 100));
      }
      curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
    }
  }
  return results;
}

}  // namespace stacfed::crawler

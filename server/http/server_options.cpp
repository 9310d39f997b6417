#include "server/http/server_options.hpp"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "libstac/base/env.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/http/request_decoding.hpp"

namespace stacfed::http {
namespace {

constexpr int64_t kHour = 3'600'000;

absl::Status ReadMillis(std::string_view name, std::chrono::milliseconds& value, int64_t min,
                        int64_t max) {
  STACFED_ASSIGN_OR_RETURN(int64_t millis, GetEnvInt(name, value.count(), min, max));
  value = std::chrono::milliseconds(millis);
  return absl::OkStatus();
}

template <typename T>
absl::Status ReadInt(std::string_view name, T& value, int64_t min, int64_t max) {
  STACFED_ASSIGN_OR_RETURN(int64_t parsed, GetEnvInt(name, static_cast<int64_t>(value), min, max));
  value = static_cast<T>(parsed);
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseListen(std::string_view listen, ServerOptions& options) {
  std::string_view host;
  std::string_view port = listen;
  if (listen.starts_with('[')) {  // [::1]:8080
    auto close = listen.find("]:");
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(
          StrCat("listen address '", listen, "' must be HOST:PORT, e.g. [::1]:8080"));
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else if (auto colon = listen.rfind(':'); colon != std::string_view::npos) {
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  uint32_t number = 0;
  if (!absl::SimpleAtoi(ToAbsl(port), &number) || number > 65535) {
    return absl::InvalidArgumentError(
        StrCat("listen address '", listen, "' must be HOST:PORT with a port from 0 to 65535"));
  }
  if (!host.empty()) options.host = std::string(host);
  options.port = static_cast<uint16_t>(number);
  return absl::OkStatus();
}

absl::StatusOr<ServerOptions> ServerOptionsFromEnv() {
  ServerOptions options;
  if (auto listen = GetEnv("STACFED_LISTEN")) {
    STACFED_RETURN_IF_ERROR(ParseListen(*listen, options));
  }
  if (auto url = GetEnv("STACFED_PUBLIC_URL")) {
    options.public_url = *url;
    while (options.public_url.ends_with('/')) options.public_url.pop_back();
  }
  if (auto hosts = GetEnv("STACFED_ALLOWED_HOSTS")) {
    for (absl::string_view entry : absl::StrSplit(ToAbsl(*hosts), ',', absl::SkipWhitespace())) {
      std::string host(absl::StripAsciiWhitespace(entry));
      if (host != "*" && !HostPolicy::CheckHost(host).ok()) {
        return absl::InvalidArgumentError(StrCat(
            "STACFED_ALLOWED_HOSTS: '", host, "' is not a host name or address with an optional port"));
      }
      options.allowed_hosts.push_back(std::move(host));
    }
  }
  STACFED_RETURN_IF_ERROR(ReadInt("STACFED_THREADS", options.threads, 0, 256));
  STACFED_RETURN_IF_ERROR(ReadInt("STACFED_DB_POOL_SIZE", options.db_pool_size, 1, 1000));
  STACFED_RETURN_IF_ERROR(
      ReadInt("STACFED_DB_HEAVY_POOL_SIZE", options.db_heavy_pool_size, 1, 1000));
  STACFED_RETURN_IF_ERROR(
      ReadInt("STACFED_DB_BACKGROUND_POOL_SIZE", options.db_background_pool_size, 1, 1000));
  STACFED_RETURN_IF_ERROR(
      ReadInt("STACFED_HEAVY_QUEUE_PER_CLIENT", options.heavy_queue_per_client, 1, 100000));
  STACFED_RETURN_IF_ERROR(
      ReadInt("STACFED_DB_STATEMENT_TIMEOUT_MS", options.db_statement_timeout_ms, 0, kHour));
  STACFED_RETURN_IF_ERROR(
      ReadInt("STACFED_MAX_BODY_BYTES", options.max_body_bytes, 1024, int64_t{1} << 31));
  STACFED_RETURN_IF_ERROR(
      ReadInt("STACFED_MAX_HEADER_BYTES", options.max_header_bytes, 1024, 1024 * 1024));
  STACFED_RETURN_IF_ERROR(ReadMillis("STACFED_READ_TIMEOUT_MS", options.read_timeout, 1, kHour));
  STACFED_RETURN_IF_ERROR(ReadMillis("STACFED_IDLE_TIMEOUT_MS", options.idle_timeout, 1, kHour));
  STACFED_RETURN_IF_ERROR(ReadMillis("STACFED_SEND_TIMEOUT_MS", options.send_timeout, 1, kHour));
  STACFED_RETURN_IF_ERROR(
      ReadInt("STACFED_MAX_HEADER_FIELDS", options.max_header_fields, 1, 10000));
  STACFED_RETURN_IF_ERROR(
      ReadMillis("STACFED_SHUTDOWN_GRACE_MS", options.shutdown_grace, 0, kHour));
  STACFED_RETURN_IF_ERROR(
      ReadInt("STACFED_GZIP_MIN_BYTES", options.gzip_min_bytes, 0, int64_t{1} << 31));
  STACFED_RETURN_IF_ERROR(ReadInt("STACFED_GZIP_LEVEL", options.gzip_level, 1, 9));
  return options;
}

}  // namespace stacfed::http

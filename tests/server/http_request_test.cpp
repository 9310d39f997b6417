// Request decoding, response encoding helpers, error mapping and options: no sockets.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "libstac/base/strings.hpp"
#include "libstac/pg/sqlstate.hpp"
#include "server/http/error_response.hpp"
#include "server/http/request_decoding.hpp"
#include "server/http/response_encoding.hpp"
#include "server/http/server_options.hpp"

namespace stacfed::http {
namespace {

std::string Gunzip(const std::string& compressed) {
  z_stream stream{};
  REQUIRE(inflateInit2(&stream, 15 + 16) == Z_OK);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&stream, Z_FINISH);
  inflateEnd(&stream);
  REQUIRE(rc == Z_STREAM_END);
  out.resize(stream.total_out);
  return out;
}

}  // namespace

TEST_CASE("request: percent-decoding of path and query", "[http][request]") {
  CHECK(PercentDecode("a%20b+c", false) == "a b+c");
  CHECK(PercentDecode("a%20b+c", true) == "a b c");
  CHECK(PercentDecode("%2B", true) == "+");
  CHECK(PercentDecode("100%", false) == "100%");  // malformed escapes stay
  CHECK(PercentDecode("%zz%4", false) == "%zz%4");
  CHECK(PercentDecode("caf%C3%A9", false) == "caf\xC3\xA9");

  Request request;
  DecodeTarget(
      "/collections/my%20coll/items?bbox=-10,20,30,40&datetime=2020-01-01T00:00:00%2B01:00"
      "&q=sea+ice&flag&&empty=&collections=a%2Cb",
      request);
  CHECK(request.path == "/collections/my coll/items");
  CHECK(request.query.starts_with("bbox=-10,20"));
  REQUIRE(request.query_params.size() == 6);
  CHECK(request.query_params[0] == std::pair<std::string, std::string>("bbox", "-10,20,30,40"));
  CHECK(request.query_params[1].second == "2020-01-01T00:00:00+01:00");
  CHECK(request.query_params[2].second == "sea ice");
  CHECK(request.query_params[3] == std::pair<std::string, std::string>("flag", ""));
  CHECK(request.query_params[4] == std::pair<std::string, std::string>("empty", ""));
  CHECK(request.query_params[5].second == "a,b");

  // Reused for a second request on the same connection: nothing of the first one stays.
  DecodeTarget("/search", request);
  CHECK(request.path == "/search");
  CHECK(request.query.empty());
  CHECK(request.query_params.empty());
  CHECK(request.target == "/search");
}

TEST_CASE("request: base URL from the configuration or a trusted Host header",
          "[http][request]") {
  ServerOptions options;
  const HostPolicy plain(options, 8080, "levante5");
  // The server itself, as the client reached it.
  CHECK(plain.BaseUrl("localhost:8080", "127.0.0.1") == "http://localhost:8080");
  CHECK(plain.BaseUrl("127.0.0.1:8080", "127.0.0.1") == "http://127.0.0.1:8080");
  CHECK(plain.BaseUrl("[::1]:8080", "::1") == "http://[::1]:8080");
  CHECK(plain.BaseUrl("LEVANTE5:8080", "10.0.0.5") == "http://LEVANTE5:8080");
  CHECK(plain.BaseUrl("10.0.0.5:8080", "10.0.0.5") == "http://10.0.0.5:8080");
  // Anything else is not echoed: the address the connection came in on.
  CHECK(plain.BaseUrl("evil.example.org", "127.0.0.1") == "http://127.0.0.1:8080");
  CHECK(plain.BaseUrl("localhost:9999", "127.0.0.1") == "http://127.0.0.1:8080");
  CHECK(plain.BaseUrl("10.0.0.6:8080", "10.0.0.5") == "http://10.0.0.5:8080");
  CHECK(plain.BaseUrl("", "::1") == "http://[::1]:8080");

  options.allowed_hosts = {"stac.example.org", "proxy.example.org:8443"};
  const HostPolicy listed(options, 8080, "");
  CHECK(listed.BaseUrl("stac.example.org", "127.0.0.1") == "http://stac.example.org");
  CHECK(listed.BaseUrl("Stac.Example.org:1234", "127.0.0.1") == "http://Stac.Example.org:1234");
  CHECK(listed.BaseUrl("proxy.example.org:8443", "127.0.0.1") == "http://proxy.example.org:8443");
  CHECK(listed.BaseUrl("proxy.example.org:8444", "127.0.0.1") == "http://127.0.0.1:8080");
  options.allowed_hosts = {"*"};
  CHECK(HostPolicy(options, 8080, "").BaseUrl("any.example.org:1", "127.0.0.1") ==
        "http://any.example.org:1");

  options.public_url = "https://stac.example.org/api";
  CHECK(HostPolicy(options, 8080, "").BaseUrl("ignored", "127.0.0.1") ==
        "https://stac.example.org/api");
}

TEST_CASE("request: Host headers must be a host and an optional port", "[http][request]") {
  for (const char* good : {"example.org", "example.org:8080", "127.0.0.1", "[::1]:80", "a-b.c_d"}) {
    INFO(good);
    CHECK(HostPolicy::CheckHost(good).ok());
  }
  for (const char* bad : {"", "user@example.org", "example.org:x", "example.org:99999",
                          "exa mple.org", "example.org/path", "\xff.org", "a%41.org",
                          "example.org:0", "[::1"}) {
    INFO(bad);
    CHECK_FALSE(HostPolicy::CheckHost(bad).ok());
  }
}

TEST_CASE("request: targets with raw bytes or NUL and invalid UTF-8 once decoded are refused",
          "[http][request]") {
  CHECK(CheckRequestTarget("/search?limit=1&q=a%20b", Method::kGet).ok());
  CHECK(CheckRequestTarget("/collections/a%2Fb/items#frag", Method::kGet).ok());
  CHECK(CheckRequestTarget("*", Method::kOptions).ok());
  CHECK(CheckRequestTarget("//a/?b=c?d/e&f=%41:@!$'()*+,;", Method::kGet).ok());
  for (const char* bad : {"*", "search", "http://x/search", "/conf\xff" "ance", "/a b",
                          "/a\x01b", "/a?b=\x80", "/a%4", "/a?b=%zz", "/a|b", "/a?b=[c]",
                          "/a?b=\"c\"", "/a\\b", "/a?b=^"}) {
    INFO(bad);
    CHECK_FALSE(CheckRequestTarget(bad, Method::kGet).ok());
  }
  Request request;
  DecodeTarget("/collections/c%00x", request);
  CHECK_FALSE(CheckDecodedRequest(request).ok());
  DecodeTarget("/search?collections=%FF", request);
  CHECK_FALSE(CheckDecodedRequest(request).ok());
  DecodeTarget("/search?ids=a%00b", request);
  CHECK_FALSE(CheckDecodedRequest(request).ok());
  DecodeTarget("/search?x%00=1", request);
  CHECK_FALSE(CheckDecodedRequest(request).ok());
  DecodeTarget("/collections/caf%C3%A9?q=%E2%82%AC", request);
  CHECK(CheckDecodedRequest(request).ok());
}

TEST_CASE("request: listen addresses and environment options", "[http][options]") {
  ServerOptions options;
  REQUIRE(ParseListen("0.0.0.0:9000", options).ok());
  CHECK(options.host == "0.0.0.0");
  CHECK(options.port == 9000);
  REQUIRE(ParseListen(":8081", options).ok());
  CHECK(options.host == "0.0.0.0");
  CHECK(options.port == 8081);
  REQUIRE(ParseListen("[::1]:7000", options).ok());
  CHECK(options.host == "::1");
  CHECK_FALSE(ParseListen("localhost:http", options).ok());
  CHECK_FALSE(ParseListen("localhost:70000", options).ok());

  setenv("STACFED_LISTEN", "127.0.0.2:1234", 1);
  setenv("STACFED_PUBLIC_URL", "https://example.org/stac/", 1);
  setenv("STACFED_MAX_BODY_BYTES", "2048", 1);
  setenv("STACFED_IDLE_TIMEOUT_MS", "5000", 1);
  auto from_env = ServerOptionsFromEnv();
  REQUIRE(from_env.ok());
  CHECK(from_env->host == "127.0.0.2");
  CHECK(from_env->port == 1234);
  CHECK(from_env->public_url == "https://example.org/stac");
  CHECK(from_env->max_body_bytes == 2048);
  CHECK(from_env->idle_timeout == std::chrono::milliseconds(5000));
  setenv("STACFED_DB_POOL_SIZE", "lots", 1);
  auto bad = ServerOptionsFromEnv();
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.status().message()).find("STACFED_DB_POOL_SIZE") != std::string::npos);
  for (const char* name : {"STACFED_LISTEN", "STACFED_PUBLIC_URL", "STACFED_MAX_BODY_BYTES",
                           "STACFED_IDLE_TIMEOUT_MS", "STACFED_DB_POOL_SIZE"}) {
    unsetenv(name);
  }
}

TEST_CASE("response: Accept-Encoding negotiation", "[http][response]") {
  CHECK(AcceptsGzip("gzip"));
  CHECK(AcceptsGzip("deflate, gzip;q=0.8, br"));
  CHECK(AcceptsGzip("GZIP"));
  CHECK(AcceptsGzip("*"));
  CHECK_FALSE(AcceptsGzip("gzip;q=0"));
  CHECK_FALSE(AcceptsGzip("identity"));
  CHECK_FALSE(AcceptsGzip("br, deflate"));
  CHECK_FALSE(AcceptsGzip(""));
  CHECK(IsCompressible("application/geo+json"));
  CHECK(IsCompressible("application/json; charset=utf-8"));
  CHECK(IsCompressible("text/html"));
  CHECK(IsCompressible("application/vnd.oai.openapi+json;version=3.0"));
  CHECK_FALSE(IsCompressible("image/png"));
}

TEST_CASE("response: ETags are stable and If-None-Match compares weakly", "[http][response]") {
  std::string body = R"({"type":"Feature","id":"x"})";
  std::string tag = EtagFor(body);
  CHECK(tag.size() == 18);
  CHECK(tag.front() == '"');
  CHECK(tag.back() == '"');
  CHECK(EtagFor(body) == tag);
  CHECK(EtagFor(body + " ") != tag);
  CHECK(Hash64("") != Hash64(std::string(1, '\0')));
  CHECK(Hash64("abcdefgh") != Hash64("abcdefgi"));

  CHECK(IfNoneMatchHits(tag, tag));
  CHECK(IfNoneMatchHits("W/" + tag, tag));
  CHECK(IfNoneMatchHits("\"other\", " + tag, tag));
  CHECK(IfNoneMatchHits("*", tag));
  std::string gzip_tag = tag;
  gzip_tag.insert(gzip_tag.size() - 1, "-gzip");
  CHECK(IfNoneMatchHits(gzip_tag, tag));
  CHECK_FALSE(IfNoneMatchHits("\"other\"", tag));
  CHECK_FALSE(IfNoneMatchHits("", tag));
}

TEST_CASE("response: gzip output inflates back to the input", "[http][response]") {
  GzipCompressor compressor(1);
  std::string input;
  for (int i = 0; i < 2000; ++i) input += R"({"id":"item-)" + std::to_string(i) + R"("},)";
  std::string output;
  REQUIRE(compressor.Compress(input, output));
  CHECK(output.size() < input.size() / 3);
  CHECK(Gunzip(output) == input);
  // The stream is reused: a second, different input compresses correctly too.
  REQUIRE(compressor.Compress("short", output));
  CHECK(Gunzip(output) == "short");
}

TEST_CASE("errors: Status codes map to HTTP statuses and OGC bodies", "[http][errors]") {
  auto check = [](const absl::Status& status, unsigned http, std::string_view code) {
    Response response = ErrorResponse(status);
    CHECK(response.status == http);
    CHECK(response.content_type == "application/json");
    CHECK(response.body.find(std::string("\"code\":\"") + std::string(code) + "\"") !=
          std::string::npos);
  };
  check(absl::InvalidArgumentError("bad bbox"), 400, "BadRequest");
  check(absl::OutOfRangeError("limit"), 400, "BadRequest");
  check(absl::NotFoundError("no collection"), 404, "NotFound");
  check(absl::AlreadyExistsError("dup"), 409, "Conflict");
  check(absl::FailedPreconditionError("fk"), 409, "Conflict");
  check(absl::AbortedError("deadlock"), 409, "Conflict");
  check(absl::ResourceExhaustedError("big"), 413, "PayloadTooLarge");
  check(absl::CancelledError("gone"), 499, "ClientClosedRequest");
  check(absl::UnavailableError("db down"), 503, "ServiceUnavailable");
  check(absl::DeadlineExceededError("slow"), 503, "ServiceUnavailable");
  check(absl::InternalError("secret SQL"), 500, "InternalServerError");
  check(absl::UnknownError("x"), 500, "InternalServerError");

  Response bad = ErrorResponse(absl::InvalidArgumentError("bbox \"1,2\" needs 4 or 6 numbers"));
  CHECK(bad.body == R"({"code":"BadRequest","description":"bbox \"1,2\" needs 4 or 6 numbers"})");
  CHECK(ErrorResponse(absl::InternalError("secret SQL")).body.find("secret") == std::string::npos);
}

TEST_CASE("errors: what they echo is valid UTF-8 and bounded; 503 says when to retry",
          "[http][errors]") {
  Response echoed = ErrorResponse(absl::InvalidArgumentError("unknown parameter 'a\xff\xfe" "b'"));
  CHECK(IsValidUtf8(echoed.body));
  CHECK(echoed.body.find("a\xef\xbf\xbd\xef\xbf\xbd" "b") != std::string::npos);
  Response long_one = ErrorResponse(absl::InvalidArgumentError(std::string(100000, 'x')));
  CHECK(long_one.body.size() < kMaxDescriptionBytes + 100);
  Response unavailable = ErrorResponse(absl::UnavailableError("db down"));
  REQUIRE(unavailable.headers.size() == 1);
  CHECK(unavailable.headers[0].first == "Retry-After");
  CHECK(ErrorResponse(WithHttpStatus(absl::InvalidArgumentError("not JSON"), 415)).status == 415);
  CHECK(ErrorResponse(WithHttpStatus(absl::InvalidArgumentError("x"), 415)).body.find(
            "UnsupportedMediaType") != std::string::npos);
}

TEST_CASE("errors: the database's own words stay in the log", "[http][errors]") {
  struct Case {
    absl::Status status;
    unsigned http;
  };
  const std::string secret =
      "api_search_17: connection to server on socket \"/var/stacfed/.s.PGSQL.5439\" failed";
  for (const Case& c : {
           Case{pg::WithSqlState(absl::UnavailableError(secret), "08006"), 503},
           Case{pg::WithSqlState(absl::DeadlineExceededError(secret), "57014"), 503},
           Case{pg::WithSqlState(absl::UnavailableError(secret), "53300"), 503},
           Case{pg::WithSqlState(absl::InvalidArgumentError(secret), "22008"), 400},
           Case{pg::WithSqlState(absl::InvalidArgumentError(secret), "22P02"), 400},
       }) {
    Response response = ErrorResponse(c.status);
    INFO(response.body);
    CHECK(response.status == c.http);
    CHECK(response.body.find("api_search") == std::string::npos);
    CHECK(response.body.find("socket") == std::string::npos);
    CHECK(response.body.find("PGSQL") == std::string::npos);
  }
}

}  // namespace stacfed::http

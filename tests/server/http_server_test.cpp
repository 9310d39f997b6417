// The server over real sockets on 127.0.0.1: keep-alive, pipelining, CORS, gzip, ETag/304,
// limits, timeouts, graceful stop. Clients: libcurl, and a plain socket where curl would
// hide what is tested (pipelining, slow clients).
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <thread>

#include "libstac/base/cancellation.hpp"
#include "server/http/body_stream.hpp"
#include "server/http/server.hpp"
#include "server/http/server_context.hpp"

namespace stacfed::http {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

std::string BigJson() {
  std::string body = "[";
  for (int i = 0; i < 400; ++i) body += R"({"id":"item-)" + std::to_string(i) + R"("},)";
  body.back() = ']';
  return body;
}

// What /wait saw: whether its request was cancelled (the client hung up) while it waited.
struct WaitLog {
  std::atomic<int> started{0};
  std::atomic<int> cancelled{0};
  std::atomic<int> finished{0};
};

// A streamed body of `chunks` chunks "chunk <i>\n" (empty ones between), failing after
// `fail_after` chunks when that is not negative.
class CountingStream : public BodyStream {
 public:
  CountingStream(int chunks, int fail_after) : chunks_(chunks), fail_after_(fail_after) {}
  net::awaitable<absl::StatusOr<bool>> Next(std::string& chunk) override {
    if (next_ == fail_after_) co_return absl::InternalError("the stream broke");
    if (next_ == chunks_) co_return false;
    chunk = next_ % 2 == 1 ? std::string() : "chunk " + std::to_string(next_) + "\n";
    ++next_;
    co_return true;
  }

 private:
  int chunks_;
  int fail_after_;
  int next_ = 0;
};

Router TestRouter(std::atomic<int>& slow_started, WaitLog& wait_log) {
  Router router;
  router.Add(Method::kGet, "/stream", [](const Request&) -> net::awaitable<Response> {
    Response response;
    response.content_type = "text/csv";
    response.stream = std::make_shared<CountingStream>(1000, -1);
    co_return response;
  });
  router.Add(Method::kGet, "/broken-stream", [](const Request&) -> net::awaitable<Response> {
    Response response;
    response.content_type = "text/csv";
    response.stream = std::make_shared<CountingStream>(1000, 10);
    co_return response;
  });
  // Waits up to 5 s, or until the client hangs up.
  router.Add(Method::kGet, "/wait", [&wait_log](const Request& request) -> net::awaitable<Response> {
    wait_log.started.fetch_add(1);
    net::steady_timer timer(co_await net::this_coro::executor);
    for (int i = 0; i < 500; ++i) {
      if (request.cancel != nullptr && request.cancel->cancelled()) {
        wait_log.cancelled.fetch_add(1);
        break;
      }
      timer.expires_after(10ms);
      co_await timer.async_wait(net::use_awaitable);
    }
    wait_log.finished.fetch_add(1);
    Response response;
    response.content_type = "text/plain";
    response.body = "waited";
    co_return response;
  });
  // 32 MB.
  router.Add(Method::kGet, "/huge", [](const Request&) -> net::awaitable<Response> {
    Response response;
    response.content_type = "application/octet-stream";
    response.body.assign(32 << 20, 'h');
    co_return response;
  });
  router.Add(Method::kGet, "/hello", [](const Request& request) -> net::awaitable<Response> {
    Response response;
    response.content_type = "text/plain";
    response.body = "hello " + request.base_url;
    co_return response;
  });
  router.Add(Method::kGet, "/big", [](const Request&) -> net::awaitable<Response> {
    Response response;
    response.body = BigJson();
    response.etag = true;
    co_return response;
  });
  router.Add(Method::kGet, "/echo/{name}", [](const Request& request) -> net::awaitable<Response> {
    Response response;
    response.content_type = "text/plain";
    response.body = request.path_params.at(0);
    for (const auto& [key, value] : request.query_params) response.body += "|" + key + "=" + value;
    if (auto agent = request.Header("x-test")) response.body += "|x-test=" + std::string(*agent);
    co_return response;
  });
  router.Add(Method::kPost, "/echo/{name}", [](const Request& request) -> net::awaitable<Response> {
    Response response;
    response.content_type = "text/plain";
    response.body = std::to_string(request.body.size());
    co_return response;
  });
  router.Add(Method::kGet, "/slow", [&slow_started](const Request&) -> net::awaitable<Response> {
    slow_started.fetch_add(1);
    net::steady_timer timer(co_await net::this_coro::executor);
    timer.expires_after(400ms);
    co_await timer.async_wait(net::use_awaitable);
    Response response;
    response.content_type = "text/plain";
    response.body = "done";
    co_return response;
  });
  router.Add(Method::kGet, "/context", [](const Request&) -> net::awaitable<Response> {
    const ServerContext& context = ServerContext::Current();
    Response response;
    response.content_type = "text/plain";
    response.body = context.options != nullptr ? "options" : "none";
    response.body += context.pool != nullptr ? "+pool" : "";
    co_return response;
  });
  return router;
}

// A server on an ephemeral port, stopped at the end of the test.
class TestServer {
 public:
  explicit TestServer(ServerOptions options = {}) : router_(TestRouter(slow_started, wait_log)) {
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<Server>(std::move(options), router_);
    auto status = server_->Start();
    INFO(status.ToString());
    REQUIRE(status.ok());
  }
  ~TestServer() {
    server_->Stop();
    server_->Wait();
  }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }
  Server& server() { return *server_; }
  std::atomic<int> slow_started{0};
  WaitLog wait_log;

 private:
  Router router_;
  std::unique_ptr<Server> server_;
};

struct Reply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  long new_connections = 0;
};

class Client {
 public:
  Client() : curl_(curl_easy_init()) {}
  ~Client() { curl_easy_cleanup(curl_); }

  Reply Fetch(const std::string& url, std::vector<std::string> headers = {},
              std::string method = "GET", const std::string* body = nullptr,
              bool decode_gzip = false) {
    Reply reply;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, nullptr);
    curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl_, CURLOPT_NOBODY, method == "HEAD" ? 1L : 0L);
    if (body != nullptr) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    if (method != "GET" && method != "HEAD" && method != "POST") {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_ACCEPT_ENCODING, decode_gzip ? "gzip" : nullptr);
    curl_slist* list = nullptr;
    for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Client::OnBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &Client::OnHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(list);
    INFO(curl_easy_strerror(rc));
    REQUIRE(rc == CURLE_OK);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &reply.new_connections);
    return reply;
  }

 private:
  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    static_cast<Reply*>(user)->body.append(data, size * count);
    return size * count;
  }
  static size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    std::string line(data, size * count);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
      static_cast<Reply*>(user)->headers[name] = value;
    }
    return size * count;
  }
  CURL* curl_;
};

// A plain TCP connection for what curl would hide.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  // Hangs up: the server sees EOF (or a reset when it still had bytes to read).
  void Close() {
    close(fd_);
    fd_ = -1;
  }
  void SetReceiveBuffer(int bytes) {
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }
  // Reads up to `max` bytes if some arrive within `timeout`; 0 at EOF or timeout.
  size_t ReadSome(size_t max, std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return 0;
    std::string buffer(max, '\0');
    ssize_t n = recv(fd_, buffer.data(), max, 0);
    return n > 0 ? size_t(n) : 0;
  }
  void Send(std::string_view data) {
    REQUIRE(send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()));
  }
  // Reads until `count` occurrences of `marker` arrived, EOF, or the timeout.
  std::string ReadUntil(std::string_view marker, int count, std::chrono::milliseconds timeout) {
    std::string data;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (Occurrences(data, marker) < count) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[65536];
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      data.append(buffer, n);
    }
    return data;
  }
  // True when the server closed the connection within the timeout.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    ReadUntil("\x01never\x02", 1, timeout);
    return closed_;
  }

 private:
  static int Occurrences(const std::string& data, std::string_view marker) {
    int count = 0;
    for (size_t at = data.find(marker); at != std::string::npos; at = data.find(marker, at + 1)) {
      ++count;
    }
    return count;
  }
  int fd_;
  bool closed_ = false;
};

}  // namespace

TEST_CASE("server: keep-alive, decoded requests, context and CORS", "[http][server]") {
  TestServer server;
  Client client;
  Reply first = client.Fetch(server.Url("/hello"));
  CHECK(first.status == 200);
  CHECK(first.body == "hello http://127.0.0.1:" + std::to_string(server.server().port()));
  CHECK(first.headers["access-control-allow-origin"] == "*");
  CHECK(first.headers["content-type"] == "text/plain");
  CHECK(first.headers.count("date") == 1);
  CHECK(first.new_connections == 1);

  Reply second = client.Fetch(server.Url("/echo/a%20b?q=sea+ice&x=%2B1"), {"X-Test: yes"});
  CHECK(second.status == 200);
  CHECK(second.body == "a b|q=sea ice|x=+1|x-test=yes");
  CHECK(second.new_connections == 0);  // the same connection was reused

  Reply context = client.Fetch(server.Url("/context"));
  CHECK(context.body == "options");  // no database configured: no pool

  Reply missing = client.Fetch(server.Url("/missing"));
  CHECK(missing.status == 404);
  CHECK(missing.headers["content-type"] == "application/json");
  CHECK(missing.headers["access-control-allow-origin"] == "*");
  Reply wrong = client.Fetch(server.Url("/hello"), {}, "DELETE");
  CHECK(wrong.status == 405);
  CHECK(wrong.headers["allow"] == "GET, HEAD, OPTIONS");
}

TEST_CASE("server: CORS preflight", "[http][server]") {
  TestServer server;
  Client client;
  Reply preflight =
      client.Fetch(server.Url("/hello"),
                   {"Origin: https://browser.example", "Access-Control-Request-Method: POST",
                    "Access-Control-Request-Headers: content-type"},
                   "OPTIONS");
  CHECK(preflight.status == 204);
  CHECK(preflight.body.empty());
  CHECK(preflight.headers["access-control-allow-origin"] == "*");
  CHECK(preflight.headers["access-control-allow-methods"] == "GET, POST, OPTIONS");
  CHECK(preflight.headers["access-control-allow-headers"] ==
        "Content-Type, Accept, Accept-Language, Authorization, Client-Site");
  CHECK(preflight.headers.count("access-control-max-age") == 1);
}

TEST_CASE("server: gzip, ETag and 304, HEAD", "[http][server]") {
  TestServer server;
  Client client;
  const std::string expected = BigJson();

  Reply plain = client.Fetch(server.Url("/big"));
  CHECK(plain.status == 200);
  CHECK(plain.body == expected);
  CHECK(plain.headers.count("content-encoding") == 0);
  CHECK(plain.headers["vary"] == "Accept-Encoding");
  std::string etag = plain.headers["etag"];
  REQUIRE(etag.size() == 18);

  Reply gzip = client.Fetch(server.Url("/big"), {}, "GET", nullptr, /*decode_gzip=*/true);
  CHECK(gzip.headers["content-encoding"] == "gzip");
  CHECK(std::stoul(gzip.headers["content-length"]) < expected.size() / 2);
  CHECK(gzip.body == expected);  // curl inflated it
  CHECK(gzip.headers["etag"] != etag);
  CHECK(gzip.headers["etag"].find("-gzip") != std::string::npos);

  Reply not_modified = client.Fetch(server.Url("/big"), {"If-None-Match: " + etag});
  CHECK(not_modified.status == 304);
  CHECK(not_modified.body.empty());
  CHECK(not_modified.headers["etag"] == etag);
  Reply gzip_revalidated = client.Fetch(
      server.Url("/big"), {"If-None-Match: " + gzip.headers["etag"]}, "GET", nullptr, true);
  CHECK(gzip_revalidated.status == 304);
  Reply changed = client.Fetch(server.Url("/big"), {"If-None-Match: \"0000000000000000\""});
  CHECK(changed.status == 200);

  Reply small = client.Fetch(server.Url("/hello"), {}, "GET", nullptr, true);
  CHECK(small.headers.count("content-encoding") == 0);  // too small to be worth it

  Reply head = client.Fetch(server.Url("/big"), {}, "HEAD");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers["content-length"] == std::to_string(expected.size()));
  // The connection is still usable after HEAD (no body bytes were left behind).
  CHECK(client.Fetch(server.Url("/hello")).new_connections == 0);
}

TEST_CASE("server: body limits answer 413, header limits 431", "[http][server]") {
  ServerOptions options;
  options.max_body_bytes = 64 * 1024;
  TestServer server(options);
  Client client;

  std::string fits(60 * 1024, 'x');
  Reply ok = client.Fetch(server.Url("/echo/x"), {"Content-Type: text/plain"}, "POST", &fits);
  CHECK(ok.status == 200);
  CHECK(ok.body == std::to_string(fits.size()));

  std::string too_big(200 * 1024, 'x');
  Reply rejected =
      client.Fetch(server.Url("/echo/x"), {"Content-Type: text/plain"}, "POST", &too_big);
  CHECK(rejected.status == 413);
  CHECK(rejected.headers["content-type"] == "application/json");
  CHECK(rejected.body.find("\"code\":\"PayloadTooLarge\"") != std::string::npos);

  Reply huge_header = client.Fetch(server.Url("/hello"), {"X-Big: " + std::string(20000, 'h')});
  CHECK(huge_header.status == 431);

  // Chunked bodies are limited as they arrive.
  RawConnection raw(server.server().port());
  std::string chunk(32 * 1024, 'c');
  char size_line[16];
  snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  std::string request = "POST /echo/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) request += size_line + chunk + "\r\n";
  request += "0\r\n\r\n";
  raw.Send(request);
  std::string answer = raw.ReadUntil("PayloadTooLarge", 1, 5s);
  CHECK(answer.starts_with("HTTP/1.1 413"));
}

TEST_CASE("server: pipelined requests are answered in order", "[http][server]") {
  TestServer server;
  RawConnection raw(server.server().port());
  raw.Send(
      "GET /echo/one HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /echo/three HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string answers = raw.ReadUntil("HTTP/1.1 200", 3, 5s);
  auto one = answers.find("\r\n\r\none");
  auto two = answers.find("\r\n\r\ndone");
  auto three = answers.find("\r\n\r\nthree");
  REQUIRE(one != std::string::npos);
  REQUIRE(two != std::string::npos);
  REQUIRE(three != std::string::npos);
  CHECK(one < two);
  CHECK(two < three);

  // Malformed HTTP gets a 400 and a close.
  RawConnection bad(server.server().port());
  bad.Send("GARBAGE\r\n\r\n");
  CHECK(bad.ReadUntil("\r\n\r\n", 1, 5s).starts_with("HTTP/1.1 400"));
  CHECK(bad.ClosedWithin(2s));
}

TEST_CASE("server: idle and read timeouts close slow connections", "[http][server]") {
  ServerOptions options;
  options.idle_timeout = 300ms;
  options.read_timeout = 300ms;
  TestServer server(options);

  RawConnection idle(server.server().port());
  CHECK(idle.ClosedWithin(3s));

  RawConnection slow(server.server().port());
  slow.Send("GET /hello HTTP/1.1\r\nHost: t\r\n");  // never finishes its headers
  CHECK(slow.ClosedWithin(3s));

  // Requests within the limits are not affected.
  Client client;
  CHECK(client.Fetch(server.Url("/hello")).status == 200);
}

TEST_CASE("server: Stop finishes in-flight requests, closes idle ones", "[http][server]") {
  auto server = std::make_unique<TestServer>();
  RawConnection idle(server->server().port());
  std::string slow_reply;
  std::thread slow_client([&] {
    RawConnection slow(server->server().port());
    slow.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    slow_reply = slow.ReadUntil("done", 1, 5s);
  });
  while (server->slow_started.load() == 0) std::this_thread::sleep_for(5ms);

  auto started = std::chrono::steady_clock::now();
  server->server().Stop();
  CHECK(idle.ClosedWithin(2s));
  server->server().Wait();
  slow_client.join();
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  CHECK(slow_reply.starts_with("HTTP/1.1 200"));
  CHECK(slow_reply.find("Connection: close") != std::string::npos);
  CHECK(slow_reply.ends_with("done"));

  // Nothing listens any more.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server->server().port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0);
  close(fd);
}

TEST_CASE("server: a port in use is a clear error", "[http][server]") {
  TestServer first;
  std::atomic<int> unused{0};
  WaitLog unused_log;
  Router router = TestRouter(unused, unused_log);
  ServerOptions options;
  options.port = first.server().port();
  Server second(options, router);
  auto status = second.Start();
  CHECK(status.code() == absl::StatusCode::kUnavailable);
  CHECK(std::string(status.message()).find("cannot listen on") != std::string::npos);
}

}  // namespace stacfed::http

namespace stacfed::http {

TEST_CASE("server: a client that hangs up cancels its request", "[http][server][cancel]") {
  TestServer server;
  {
    RawConnection raw(server.server().port());
    raw.Send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (server.wait_log.started == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    REQUIRE(server.wait_log.started == 1);
    raw.Close();
  }
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (server.wait_log.finished == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  CHECK(server.wait_log.cancelled == 1);

  // A client that stays, and one that pipelines its next request meanwhile, are not
  // cancelled: bytes arriving are not a hang-up.
  RawConnection pipelined(server.server().port());
  pipelined.Send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
  std::this_thread::sleep_for(50ms);
  pipelined.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string answers = pipelined.ReadUntil("HTTP/1.1 200", 2, 10s);
  CHECK(answers.find("waited") != std::string::npos);
  CHECK(answers.find("hello") != std::string::npos);
  CHECK(server.wait_log.cancelled == 1);
}

TEST_CASE("server: the send timeout measures progress, not the whole response",
          "[http][server][send]") {
  ServerOptions options;
  options.send_timeout = 400ms;
  TestServer server(options);

  // Reads 32 MB slowly, but steadily: longer than the timeout in all, never stalled that long.
  RawConnection slow(server.server().port());
  slow.SetReceiveBuffer(64 * 1024);
  slow.Send("GET /huge HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto started = std::chrono::steady_clock::now();
  size_t received = 0;
  while (received < (32u << 20)) {
    const size_t n = slow.ReadSome(256 * 1024, 2s);
    if (n == 0) break;
    received += n;
    std::this_thread::sleep_for(2ms);
  }
  CHECK(received > (32u << 20));  // the body and its head
  CHECK(std::chrono::steady_clock::now() - started > options.send_timeout);

  // A client that stops reading is dropped once nothing moved for the timeout.
  RawConnection stalled(server.server().port());
  stalled.SetReceiveBuffer(64 * 1024);
  stalled.Send("GET /huge HTTP/1.1\r\nHost: t\r\n\r\n");
  std::this_thread::sleep_for(1500ms);
  size_t drained = 0;
  while (const size_t n = stalled.ReadSome(1 << 20, 500ms)) drained += n;
  CHECK(drained < (32u << 20));
  CHECK(stalled.ClosedWithin(1s));
}

TEST_CASE("server: HTTP/1.1 needs one valid Host; HTTP/1.0 may go without", "[http][server]") {
  TestServer server;
  for (const char* request : {"GET /hello HTTP/1.1\r\n\r\n",
                              "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                              "GET /hello HTTP/1.1\r\nHost: a b\r\n\r\n",
                              "GET /hel\xfflo HTTP/1.1\r\nHost: a\r\n\r\n"}) {
    RawConnection raw(server.server().port());
    raw.Send(request);
    INFO(request);
    CHECK(raw.ReadUntil("\r\n", 1, 5s).starts_with("HTTP/1.1 400"));
  }
  RawConnection old(server.server().port());
  old.Send("GET /hello HTTP/1.0\r\n\r\n");
  CHECK(old.ReadUntil("\r\n", 1, 5s).starts_with("HTTP/1.1 200"));
}

TEST_CASE("server: many small header fields are limited too", "[http][server]") {
  TestServer server;
  std::string request = "GET /hello HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; i < 1000; ++i) request += "X-" + std::to_string(i) + ": a\r\n";  // ~9.9 KB
  request += "\r\n";
  RawConnection raw(server.server().port());
  raw.Send(request);
  CHECK(raw.ReadUntil("\r\n", 1, 5s).starts_with("HTTP/1.1 431"));
}

TEST_CASE("server: streamed bodies are chunked, end cleanly or truncated", "[http][server]") {
  TestServer server;
  std::string expected;
  for (int i = 0; i < 1000; i += 2) expected += "chunk " + std::to_string(i) + "\n";
  Client client;
  // Twice on one connection: a complete stream keeps it alive.
  for (int round = 0; round < 2; ++round) {
    Reply reply = client.Fetch(server.Url("/stream"), {"Accept-Encoding: gzip"});
    CHECK(reply.status == 200);
    CHECK(reply.headers["transfer-encoding"] == "chunked");
    CHECK(reply.headers.count("content-length") == 0);
    CHECK(reply.headers.count("content-encoding") == 0);
    CHECK(reply.body == expected);
    CHECK(reply.new_connections == (round == 0 ? 1 : 0));
  }
  Reply head = client.Fetch(server.Url("/stream"), {}, "HEAD");
  CHECK(head.status == 200);
  CHECK(head.body.empty());

  // A stream that fails: no last chunk, the connection closes.
  RawConnection broken(server.server().port());
  broken.Send("GET /broken-stream HTTP/1.1\r\nHost: a\r\n\r\n");
  const std::string data = broken.ReadUntil("\x01never\x02", 1, 5s);
  CHECK(data.find("chunk 8\n") != std::string::npos);
  CHECK(data.find("\r\n0\r\n\r\n") == std::string::npos);
  CHECK(broken.ClosedWithin(1s));

  // HTTP/1.0: no chunked encoding; the body ends with the connection.
  RawConnection old(server.server().port());
  old.Send("GET /stream HTTP/1.0\r\n\r\n");
  const std::string plain = old.ReadUntil("\x01never\x02", 1, 5s);
  CHECK(plain.find("Transfer-Encoding") == std::string::npos);
  CHECK(plain.ends_with("\r\n\r\n" + expected));
}

}  // namespace stacfed::http

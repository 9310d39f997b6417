#include "server/http/router.hpp"

#include <array>
#include <exception>

#include "libstac/base/log.hpp"
#include "libstac/base/strings.hpp"
#include "server/http/error_response.hpp"
#include "server/http/request_decoding.hpp"

namespace stacfed::http {
namespace {

constexpr size_t kMethodCount = static_cast<size_t>(Method::kOther) + 1;
// Deeper paths than any route we serve are answered 404 without walking the tree.
constexpr size_t kMaxSegments = 16;

constexpr std::array<std::string_view, kMethodCount> kMethodNames = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"};

bool IsCapture(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Splits a path into its segments ("/a/b" -> a, b); false when there are too many.
bool SplitPath(std::string_view path, std::array<std::string_view, kMaxSegments>& segments,
               size_t& count) {
  count = 0;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);  // "/collections/" is "/collections"
  if (path.empty()) return true;
  for (;;) {
    if (count == kMaxSegments) return false;
    auto slash = path.find('/');
    segments[count++] = path.substr(0, slash);
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

bool SegmentEquals(std::string_view raw_segment, std::string_view literal) {
  if (raw_segment == literal) return true;
  return raw_segment.find('%') != std::string_view::npos &&
         PercentDecode(raw_segment, false) == literal;
}

}  // namespace

Method ParseMethod(std::string_view name) {
  for (size_t i = 0; i + 1 < kMethodCount; ++i) {
    if (kMethodNames[i] == name) return static_cast<Method>(i);
  }
  return Method::kOther;
}

std::string_view MethodName(Method method) { return kMethodNames[static_cast<size_t>(method)]; }

struct Router::Node {
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;  // few: a scan is fast
  std::unique_ptr<Node> capture;
  std::array<Handler, kMethodCount> handlers;

  bool HasHandlers() const {
    for (const auto& handler : handlers) {
      if (handler) return true;
    }
    return false;
  }

  Node& LiteralChild(std::string_view segment) {
    for (auto& [literal, child] : literals) {
      if (literal == segment) return *child;
    }
    return *literals.emplace_back(std::string(segment), std::make_unique<Node>()).second;
  }

  // Literal children first, then the capture, backtracking: the most specific route wins.
  const Node* Walk(const std::array<std::string_view, kMaxSegments>& segments, size_t count,
                   size_t index, std::vector<std::string>& params) const {
    if (index == count) return HasHandlers() ? this : nullptr;
    std::string_view segment = segments[index];
    for (const auto& [literal, child] : literals) {
      if (!SegmentEquals(segment, literal)) continue;
      if (const Node* found = child->Walk(segments, count, index + 1, params)) return found;
    }
    if (capture && !segment.empty()) {
      params.push_back(PercentDecode(segment, false));
      if (const Node* found = capture->Walk(segments, count, index + 1, params)) return found;
      params.pop_back();
    }
    return nullptr;
  }

  std::string Allow() const {
    std::string allow;
    auto add = [&](Method method) {
      if (!allow.empty()) allow += ", ";
      allow += MethodName(method);
    };
    for (size_t i = 0; i + 1 < kMethodCount; ++i) {
      auto method = static_cast<Method>(i);
      if (method == Method::kHead || method == Method::kOptions) continue;
      if (!handlers[i] && !(method == Method::kGet && handlers[1])) continue;
      add(method);
      if (method == Method::kGet) add(Method::kHead);
    }
    add(Method::kOptions);
    return allow;
  }
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::Add(Method method, std::string_view pattern, Handler handler) {
  std::array<std::string_view, kMaxSegments> segments;
  size_t count = 0;
  if (!SplitPath(pattern, segments, count)) {
    log::Error("route pattern with too many segments ignored: ", pattern);
    return;
  }
  Node* node = root_.get();
  for (size_t i = 0; i < count; ++i) {
    if (IsCapture(segments[i])) {
      if (!node->capture) node->capture = std::make_unique<Node>();
      node = node->capture.get();
    } else {
      node = &node->LiteralChild(segments[i]);
    }
  }
  node->handlers[static_cast<size_t>(method)] = std::move(handler);
}

Router::Match Router::Find(Method method, std::string_view raw_path,
                           std::vector<std::string>& path_params) const {
  path_params.clear();
  Match match;
  std::array<std::string_view, kMaxSegments> segments;
  size_t count = 0;
  if (!SplitPath(raw_path, segments, count)) return match;
  const Node* node = root_->Walk(segments, count, 0, path_params);
  if (node == nullptr) return match;

  const Handler& own = node->handlers[static_cast<size_t>(method)];
  const Handler& get = node->handlers[static_cast<size_t>(Method::kGet)];
  if (own && method != Method::kOptions) {
    match.outcome = Outcome::kFound;
    match.handler = &own;
  } else if (method == Method::kHead && get) {
    match.outcome = Outcome::kFound;
    match.handler = &get;
  } else {
    match.outcome = method == Method::kOptions ? Outcome::kPreflight : Outcome::kMethodNotAllowed;
    match.allow = node->Allow();
  }
  return match;
}

boost::asio::awaitable<Response> Router::Dispatch(Request& request) const {
  std::string_view target = request.target;
  Match match = Find(request.method, target.substr(0, target.find('?')), request.path_params);
  switch (match.outcome) {
    case Outcome::kNotFound:
      co_return JsonErrorResponse(404, "NotFound", StrCat("Nothing is served at ", request.path));
    case Outcome::kMethodNotAllowed: {
      Response response =
          JsonErrorResponse(405, "MethodNotAllowed",
                            StrCat(MethodName(request.method), " is not allowed on ", request.path,
                                   "; allowed: ", match.allow));
      response.headers.emplace_back("Allow", std::move(match.allow));
      co_return response;
    }
    case Outcome::kPreflight:
      co_return PreflightResponse(match.allow);
    case Outcome::kFound:
      break;
  }
  Response response;
  try {
    response = co_await (*match.handler)(request);
  } catch (const std::exception& e) {
    response = ErrorResponse(
        absl::InternalError(StrCat("exception in the handler of ", MethodName(request.method), " ",
                                   request.path, ": ", e.what())));
  } catch (...) {
    response = ErrorResponse(absl::InternalError(StrCat(
        "unknown exception in the handler of ", MethodName(request.method), " ", request.path)));
  }
  co_return response;
}

Response PreflightResponse(std::string_view allow) {
  Response response;
  response.status = 204;
  response.content_type.clear();
  response.headers = {
      {"Allow", std::string(allow)},
      {"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
      // Client-Site: the site a client runs at (item copies ranked for it, issue 18).
      {"Access-Control-Allow-Headers",
       "Content-Type, Accept, Accept-Language, Authorization, Client-Site"},
      {"Access-Control-Max-Age", "86400"},
  };
  return response;
}

}  // namespace stacfed::http

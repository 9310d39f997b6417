#include "crawler/walk/links.hpp"

#include <boost/url.hpp>

#include "libstac/base/strings.hpp"

namespace stacfed::crawler {
namespace json = boost::json;
namespace urls = boost::urls;

std::string ResolveHref(std::string_view base, std::string_view href) {
  auto ref = urls::parse_uri_reference(urls::string_view(href.data(), href.size()));
  if (!ref) return std::string(href);
  if (ref->has_scheme()) return std::string(href);
  auto base_url = urls::parse_uri(urls::string_view(base.data(), base.size()));
  if (!base_url) return std::string(href);
  urls::url resolved;
  if (!urls::resolve(*base_url, *ref, resolved)) return std::string(href);
  return std::string(resolved.buffer());
}

bool IsJsonMediaType(std::string_view type) {
  return type.empty() || type.find("json") != std::string_view::npos;
}

const json::object* FindLink(const json::object& document, std::string_view rel, bool json_only) {
  const json::value* links = document.if_contains("links");
  if (links == nullptr || !links->is_array()) return nullptr;
  for (const auto& link : links->get_array()) {
    if (!link.is_object()) continue;
    const auto& object = link.get_object();
    const json::value* link_rel = object.if_contains("rel");
    const json::value* href = object.if_contains("href");
    if (!link_rel || !link_rel->is_string() || std::string_view(link_rel->get_string()) != rel) continue;
    if (!href || !href->is_string()) continue;
    if (json_only) {
      const json::value* type = object.if_contains("type");
      if (type && type->is_string() && !IsJsonMediaType(std::string_view(type->get_string()))) continue;
    }
    return &object;
  }
  return nullptr;
}

namespace {

// A host without a dot (an in-cluster service name) or with an explicit internal port
// cannot be what the public was meant to follow.
bool IsInternalHost(std::string_view host) {
  return !host.empty() && host.find('.') == std::string_view::npos && host != "localhost";
}

std::string RewriteOntoRoot(const urls::url_view& href, std::string_view source_root) {
  std::string root(source_root);
  if (auto q = root.find_first_of("?#"); q != std::string::npos) root.resize(q);
  if (root.empty() || root.back() != '/') root += '/';
  std::string path(href.encoded_path());
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  std::string out = StrCat(root, path);
  if (href.has_query()) StrAppend(&out, "?", std::string_view(href.encoded_query()));
  return out;
}

}  // namespace

std::optional<HttpRequest> NextRequest(const json::object& page, const HttpRequest& current,
                                       std::string_view source_root, bool* rewritten) {
  if (rewritten) *rewritten = false;
  const json::object* link = FindLink(page, "next", /*json_only=*/false);
  if (link == nullptr) return std::nullopt;
  HttpRequest next;
  next.url = ResolveHref(current.url, std::string_view(link->at("href").get_string()));
  if (auto parsed = urls::parse_uri(next.url)) {
    if (IsInternalHost(std::string_view(parsed->host()))) {
      next.url = RewriteOntoRoot(*parsed, source_root);
      if (rewritten) *rewritten = true;
    }
  }
  const json::value* method = link->if_contains("method");
  next.method = method && method->is_string() && method->get_string() == "POST" ? "POST" : "GET";
  if (next.method == "POST") {
    const json::value* body = link->if_contains("body");
    const json::value* merge = link->if_contains("merge");
    const bool merging = merge && merge->is_bool() && merge->get_bool();
    json::object request_body;
    if (merging && !current.body.empty()) {
      boost::system::error_code ec;
      json::value base = json::parse(current.body, ec);
      if (!ec && base.is_object()) request_body = std::move(base.get_object());
    }
    if (body && body->is_object()) {
      for (const auto& [key, value] : body->get_object()) request_body[key] = value;
    } else if (!merging && !current.body.empty()) {
      // POST next link without a body: repeat the request (the href carries the token).
      boost::system::error_code ec;
      json::value base = json::parse(current.body, ec);
      if (!ec && base.is_object()) request_body = std::move(base.get_object());
    }
    next.body = json::serialize(request_body);
  }
  return next;
}

std::string RequestToJson(const HttpRequest& request, const WalkMode& mode) {
  json::object object{{"method", request.method}, {"url", request.url}};
  if (!request.body.empty()) object["body"] = request.body;
  if (mode.incremental) object["incremental"] = true;
  if (mode.stop_before_updated_us) object["stop_before_updated_us"] = *mode.stop_before_updated_us;
  return json::serialize(object);
}

std::optional<HttpRequest> RequestFromJson(std::string_view text, WalkMode* mode) {
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& object = value.get_object();
  const json::value* url = object.if_contains("url");
  if (!url || !url->is_string()) return std::nullopt;
  HttpRequest request;
  request.url = std::string(url->get_string());
  if (const json::value* method = object.if_contains("method"); method && method->is_string()) {
    request.method = std::string(method->get_string());
  }
  if (const json::value* body = object.if_contains("body"); body && body->is_string()) {
    request.body = std::string(body->get_string());
  }
  if (mode != nullptr) {
    *mode = WalkMode{};
    if (const json::value* incremental = object.if_contains("incremental")) {
      mode->incremental = incremental->is_bool() && incremental->get_bool();
    }
    if (const json::value* stop = object.if_contains("stop_before_updated_us"); stop && stop->is_int64()) {
      mode->stop_before_updated_us = stop->get_int64();
    }
  }
  return request;
}

std::string RequestKey(const HttpRequest& request) {
  return StrCat(request.method, " ", request.url, " ", request.body);
}

}  // namespace stacfed::crawler

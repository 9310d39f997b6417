#include "crawler/walk/links.hpp"

#include "libstac/base/strings.hpp"
#include "libstac/base/url.hpp"

namespace stacfed::crawler {
namespace json = boost::json;

std::string ResolveHref(std::string_view base, std::string_view href) {
  if (HasScheme(href)) return std::string(href);
  absl::StatusOr<Url> base_url = Url::Parse(base);
  if (!base_url.ok()) return std::string(href);
  absl::StatusOr<Url> resolved = base_url->Resolve(href);
  return resolved.ok() ? std::string(resolved->str()) : std::string(href);
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

// `href` (on a provider's internal host) moved onto the source's root: its path below the
// root, its query kept.
std::string RewriteOntoRoot(const Url& href, std::string_view source_root) {
  absl::StatusOr<Url> root = Url::Parse(source_root);
  if (!root.ok()) return std::string(href.str());
  root->RemoveQueryAndFragment();
  std::string_view path = href.EncodedPath();
  while (path.starts_with('/')) path.remove_prefix(1);
  const std::string_view root_text = root->str();
  std::string out = StrCat(root_text, root_text.ends_with('/') ? "" : "/", path);
  if (href.HasQuery()) StrAppend(&out, "?", href.EncodedQuery());
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
  if (absl::StatusOr<Url> parsed = Url::Parse(next.url); parsed.ok() && parsed->HasInternalHost()) {
    next.url = RewriteOntoRoot(*parsed, source_root);
    if (rewritten) *rewritten = true;
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

#include "crawler/annotate/copy.hpp"

#include <algorithm>
#include <array>

#include <boost/json/array.hpp>
#include <boost/url/parse.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libstac/base/strings.hpp"

namespace stacfed::crawler::annotate {
namespace json = boost::json;
namespace urls = boost::urls;

std::string_view View(json::string_view s) { return {s.data(), s.size()}; }
json::string_view Key(std::string_view s) { return {s.data(), s.size()}; }

std::string_view StringOf(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(Key(key));
  const json::string* text = value ? value->if_string() : nullptr;
  return text ? View(*text) : std::string_view();
}

// ---- hrefs --------------------------------------------------------------------------------

bool Href::Is(std::string_view name) const { return absl::EqualsIgnoreCase(ToAbsl(scheme), ToAbsl(name)); }

namespace {

constexpr std::string_view kReferencePrefix = "reference::";

std::string_view WithoutQueryOrFragment(std::string_view path) {
  return path.substr(0, std::min(path.find('?'), path.find('#')));
}

// Where the path of `text` starts: after "scheme://authority" (the authority ends at the
// first '/', '?' or '#'); after "scheme:" for a URI without authority; 0 for a relative
// reference.
size_t AuthorityEnd(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || text.substr(0, colon).find_first_of("/?#") != std::string_view::npos) {
    return 0;  // no scheme: a relative reference
  }
  if (text.substr(colon + 1, 2) != "//") return colon + 1;
  const size_t end = text.find_first_of("/?#", colon + 3);
  return end == std::string_view::npos ? text.size() : end;
}

}  // namespace

Href ParseHref(std::string_view text) {
  Href href;
  if (text.starts_with(kReferencePrefix)) {
    href.reference = true;
    text.remove_prefix(kReferencePrefix.size());
  }
  // A POSIX path is no URL: it may hold spaces and other characters a URL must escape.
  if (text.starts_with('/') && !text.starts_with("//")) {
    href.bare_path = true;
    href.path = WithoutQueryOrFragment(text);
    return href;
  }
  // Boost.URL parses the scheme and authority, the part that needs care (user info, port,
  // IP literals). The path is what follows up to '?' or '#' (RFC 3986 section 3.3), taken as
  // it is: annotation only compares its prefixes and last segment, and validating every
  // character of a long path would cost more than the rest of annotation.
  const size_t path_start = AuthorityEnd(text);
  const auto url = urls::parse_uri_reference(urls::string_view(text.data(), path_start));
  if (!url) return href;
  href.scheme = std::string_view(url->scheme());
  href.host = std::string_view(url->encoded_host_address());
  href.path = WithoutQueryOrFragment(text.substr(path_start));
  return href;
}

std::string_view LastSegment(std::string_view path) {
  while (path.ends_with('/')) path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// ---- media types and roles ----------------------------------------------------------------

Media ClassifyMediaType(std::string_view type) {
  if (type.empty()) return Media::kOther;
  // The types met most (ESGF's NetCDF files) without lower-casing.
  if (type == "application/netcdf" || type == "application/x-netcdf") return Media::kNetcdf;
  // Media types are short: lower-case on the stack; longer ones say nothing we know.
  std::array<char, 128> buffer;
  if (type.size() > buffer.size()) return Media::kOther;
  std::transform(type.begin(), type.end(), buffer.begin(), absl::ascii_tolower);
  const absl::string_view lower(buffer.data(), type.size());
  // application/vnd.zarr+kerchunk, application/kerchunk; then +icechunk; then every Zarr
  // spelling (application/vnd.zarr; version=3, the deprecated vnd+zarr and x-zarr).
  if (absl::StrContains(lower, "kerchunk")) return Media::kKerchunk;
  if (absl::StrContains(lower, "icechunk")) return Media::kIcechunk;
  if (absl::StrContains(lower, "zarr")) return Media::kZarr;
  if (absl::StrContains(lower, "netcdf")) return Media::kNetcdf;
  if (absl::StrContains(lower, "grib")) return Media::kGrib;
  const absl::string_view essence = absl::StripAsciiWhitespace(lower.substr(0, lower.find(';')));
  if (essence == "application/json") return Media::kJson;
  if (absl::StrContains(essence, "zstd")) return Media::kZstd;
  if (absl::StrContains(essence, "parquet")) return Media::kParquet;
  return Media::kOther;
}

Roles ReadRoles(const json::value* value) {
  Roles roles;
  if (value == nullptr) return roles;
  auto read = [&](const json::value& role) {
    const json::string* text = role.if_string();
    if (text == nullptr) return;
    const absl::string_view name(text->data(), text->size());
    auto is = [&](absl::string_view known) { return absl::EqualsIgnoreCase(name, known); };
    if (is("data")) roles.data = true;
    else if (is("reference")) roles.reference = true;
    else if (is("references")) roles.references = true;
    else if (is("index")) roles.index = true;
    else if (is("replica")) roles.replica = true;
    else if (is("thumbnail") || is("overview") || is("metadata")) roles.auxiliary = true;
  };
  if (const json::array* list = value->if_array()) {
    for (const json::value& role : *list) read(role);
  } else {
    read(*value);
  }
  return roles;
}

// ---- the members of a copy ----------------------------------------------------------------

CopyFields ReadCopyFields(const json::object& copy) {
  CopyFields fields;
  for (const auto& member : copy) {
    const std::string_view key = View(member.key());
    const json::value& value = member.value();
    const json::string* text = value.if_string();
    auto take = [&](std::string_view name, std::string_view& out) {
      if (key == name && text) out = View(*text);
    };
    auto point = [&](std::string_view name, const json::value*& out) {
      if (key == name) out = &value;
    };
    // Dispatch on the key's length first: most members are compared with nothing.
    using std::literals::operator""sv;
    switch (key.size()) {
      case "href"sv.size():  // also "type", "node", "role"
        take("href", fields.href);
        take("type", fields.type);
        take("node", fields.node);
        if (key == "role" && fields.roles == nullptr) fields.roles = &value;  // "roles" wins
        break;
      case "roles"sv.size():
        point("roles", fields.roles);
        break;
      case "replica"sv.size():
        point("replica", fields.replica);
        break;
      case "protocol"sv.size():  // also "site:ref"
        take("protocol", fields.protocol);
        take("site:ref", fields.site_ref);
        break;
      case "site:tier"sv.size():
        take("site:tier", fields.site_tier);
        break;
      case "access:status"sv.size():
        take("access:status", fields.access_status);
        break;
      case "alternate:name"sv.size():
        take("alternate:name", fields.alternate_name);
        break;
      case "storage:refs"sv.size():
        point("storage:refs", fields.storage_refs);
        break;
      case "access:protocol"sv.size():
        take("access:protocol", fields.access_protocol);
        break;
      case "open_zarr_kwargs"sv.size():
        if (key == "open_zarr_kwargs") fields.open_zarr_kwargs = true;
        break;
      case "xarray:open_kwargs"sv.size():
        point("xarray:open_kwargs", fields.open_kwargs);
        break;
      case "xarray:storage_options"sv.size():
        point("xarray:storage_options", fields.storage_options);
        break;
      default:
        break;
    }
  }
  return fields;
}

Copy ReadCopy(const json::object& object, std::string_view key, bool alternate,
              std::string_view parent_type) {
  Copy copy;
  copy.key = key;
  copy.alternate = alternate;
  copy.fields = ReadCopyFields(object);
  copy.href = ParseHref(copy.fields.href);
  copy.media = ClassifyMediaType(copy.fields.type.empty() ? parent_type : copy.fields.type);
  copy.roles = ReadRoles(copy.fields.roles);
  return copy;
}

}  // namespace stacfed::crawler::annotate

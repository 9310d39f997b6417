#include "server/api/catalogs_render.hpp"

#include <algorithm>
#include <array>

#include <boost/json/object.hpp>
#include "absl/strings/numbers.h"
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "libstac/base/strings.hpp"
#include "server/api/aggregate_handlers.hpp"
#include "server/api/links.hpp"
#include "server/api/queryables_render.hpp"
#include "server/api/render.hpp"
#include "server/search/modules.hpp"

namespace stacfed::api {
namespace {

namespace json = boost::json;

// Characterisation fields a client may filter on: arrays (every value given must be listed)
// and single values (must be equal). Names as in schemas/federation.schema.json.
constexpr std::array<std::string_view, 6> kArrayFilters = {
    "api_type", "repository_type", "pid_system", "certificates", "provider_type",
    "data_access_restrictions"};
constexpr std::array<std::string_view, 2> kValueFilters = {"data_access_type",
                                                           "database_access_type"};

std::vector<std::string> SplitCommas(std::string_view text) {
  std::vector<std::string> parts;
  while (true) {
    const size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    if (!part.empty()) parts.emplace_back(part);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return parts;
}

template <size_t N>
bool Contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

absl::Status AddCharacterisationFilter(std::string_view name, std::string_view value,
                                       json::object& filter) {
  std::vector<std::string> values = SplitCommas(value);
  if (values.empty()) return absl::InvalidArgumentError(StrCat(name, ": must not be empty"));
  json::string_view key(name.data(), name.size());
  if (Contains(kValueFilters, name)) {
    if (values.size() != 1) {
      return absl::InvalidArgumentError(StrCat(name, ": takes one value"));
    }
    filter[key] = json::string(values[0].data(), values[0].size());
    return absl::OkStatus();
  }
  json::array list;
  for (const std::string& v : values) list.emplace_back(json::string(v.data(), v.size()));
  filter[key] = std::move(list);
  return absl::OkStatus();
}

absl::Status UnknownParameter(std::string_view name) {
  std::string allowed = "limit, token, q, bbox, datetime, country, site";
  for (std::string_view f : kArrayFilters) StrAppend(&allowed, ", ", f);
  for (std::string_view f : kValueFilters) StrAppend(&allowed, ", ", f);
  return absl::InvalidArgumentError(
      StrCat("unknown parameter '", name, "' for /catalogs (allowed: ", allowed, ")"));
}

// [[kind, id, title], ...] or [id, ...] as stored by the catalog row query.
json::array ParseArray(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !value.is_array()) return {};
  return std::move(value.as_array());
}

std::string_view StringAt(const json::array& array, size_t index) {
  if (index >= array.size() || !array[index].is_string()) return {};
  const json::string& s = array[index].get_string();
  return {s.data(), s.size()};
}

void AppendTitledLink(std::string& out, std::string_view rel, std::string_view href,
                      std::string_view title) {
  AppendLink(out, rel, kJson, href);
  if (title.empty()) return;
  out.pop_back();  // reopen the link object for its title
  out += R"(,"title":)";
  AppendJsonString(out, title);
  out += '}';
}

void AppendParentLinks(std::string& out, const json::array& parents, std::string_view base_url) {
  // STAC has one parent; a catalog under several parents names the others as "related".
  if (parents.empty()) {
    AppendLink(out, "parent", kJson, StrCat(base_url, "/"));
    return;
  }
  for (size_t i = 0; i < parents.size(); ++i) {
    if (i > 0) out += ',';
    AppendLink(out, i == 0 ? "parent" : "related", kJson,
               CatalogUrl(base_url, StringAt(parents, i)));
  }
}

// The tree's children (sql/0018) are `child` links, so a walker reaches every node once; a
// child whose tree parent is another catalog is linked `related`. A collection is linked at
// its URL inside this catalog.
void AppendChildLinks(std::string& out, const json::array& children, std::string_view base_url,
                      std::string_view self) {
  for (const json::value& child : children) {
    if (!child.is_array()) continue;
    const json::array& entry = child.get_array();
    const std::string_view kind = StringAt(entry, 0);
    const std::string_view id = StringAt(entry, 1);
    const bool in_tree = entry.size() > 3 && entry[3].is_bool() && entry[3].get_bool();
    out += ',';
    AppendTitledLink(out, in_tree ? "child" : "related",
                     kind == "catalog" ? CatalogUrl(base_url, id) : CollectionUrl(self, id),
                     StringAt(entry, 2));
  }
}

// "{" + links + conformsTo + stored members: the catalog's landing page. Its self link is
// `self_href` when given (the URL requested), else the catalog's URL.
void AppendCatalog(std::string& out, const pg::Result& rows, int row, std::string_view base_url,
                   std::string_view self_href = {}, const SiteCounts* site_counts = nullptr) {
  const std::string_view id = rows.Get(row, kCatId);
  const std::string self = CatalogUrl(base_url, id);
  out += R"({"links":[)";
  AppendLink(out, "self", kJson, self_href.empty() ? std::string_view(self) : self_href);
  out += ',';
  AppendLink(out, "root", kJson, StrCat(base_url, "/"));
  out += ',';
  AppendParentLinks(out, ParseArray(rows.Get(row, kCatParents)), base_url);
  AppendChildLinks(out, ParseArray(rows.Get(row, kCatChildren)), base_url, self);
  out += ',';
  // One OpenAPI document describes the root's and every catalog's paths.
  AppendLink(out, "service-desc", kOpenApiJson, StrCat(base_url, "/api"));
  out += ',';
  AppendLink(out, "service-doc", "text/html", StrCat(base_url, "/api.html"));
  out += ',';
  AppendLink(out, "children", kJson, StrCat(self, "/children"));
  out += ',';
  AppendLink(out, "catalogs", kJson, StrCat(self, "/catalogs"));
  out += ',';
  AppendLink(out, "data", kJson, StrCat(self, "/collections"));
  out += ',';
  AppendLink(out, "conformance", kJson, StrCat(self, "/conformance"));
  out += ',';
  AppendLink(out, "search", kGeoJson, StrCat(self, "/search"), "GET");
  out += ',';
  AppendLink(out, "search", kGeoJson, StrCat(self, "/search"), "POST");
  out += ',';
  AppendLink(out, kQueryablesRel, kSchemaJson, StrCat(self, "/queryables"));
  out += ',';
  AppendLink(out, kSortablesRel, kSchemaJson, StrCat(self, "/sortables"));
  AppendAggregateLinks(out, self);
  AppendPortalLink(out, base_url, self);
  const std::string_view stored = StoredLinksInner(rows.Get(row, kCatLinks));
  if (!stored.empty()) {
    out += ',';
    out += stored;
  }
  out += "],";
  search::AppendConformsTo(out, IsWalkComplete(rows, row));
  if (site_counts != nullptr) {
    auto counts = site_counts->find(id);
    StrAppend(&out, R"(,"stacfed:site_counts":)", counts == site_counts->end() ? "{}" : counts->second);
  }
  const std::string_view members = MembersAfterBrace(rows.Get(row, kCatContent));
  if (members.empty()) {
    out += '}';
  } else {
    out += ',';
    out += members;
  }
}

void AppendNextLink(std::string& out, std::string_view base_url, std::string_view list_path,
                    std::string_view raw_query, std::string_view last_id) {
  out += ',';
  AppendLink(out, "next", kJson,
             StrCat(base_url, list_path, "?",
                    QueryWithToken(raw_query, EncodeCollectionsToken(last_id))));
}

}  // namespace

bool IsWalkComplete(const pg::Result& rows, int row) { return rows.Get(row, kCatWalkComplete) != "f"; }

// Reads a parameter that collection and catalog search share; false when `name` is not one.
absl::StatusOr<bool> ReadCollectionSearchParam(std::string_view name, const std::string& value,
                                               CollectionSearch& search) {
  if (name == "limit") {
    auto limit = ParseLimitText(value);
    if (!limit.ok()) return limit.status();
    search.limit = *limit;
  } else if (name == "token") {
    auto after = DecodeCollectionsToken(value);
    if (!after.ok()) return after.status();
    search.after_id = *after;
  } else if (name == "q") {
    if (!value.empty()) search.q = value;
  } else if (name == "bbox") {
    auto bbox = ParseBboxText(value);
    if (!bbox.ok()) return bbox.status();
    search.bbox = *bbox;
  } else if (name == "datetime") {
    auto datetime = ParseDatetimeText(value);
    if (!datetime.ok()) return datetime.status();
    search.datetime = *datetime;
  } else {
    return false;
  }
  return true;
}

absl::StatusOr<CatalogSearch> ParseCatalogSearch(const QueryParams& params) {
  CatalogSearch search;
  json::object filter;
  std::vector<std::string_view> seen;
  for (const auto& [name, value] : params) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return absl::InvalidArgumentError(StrCat("parameter '", name, "' is given more than once"));
    }
    seen.push_back(name);
    auto shared = ReadCollectionSearchParam(name, value, search);
    if (!shared.ok()) return shared.status();
    if (*shared) continue;
    if (name == "country") {
      search.country = value;
    } else if (name == "site") {
      search.site = value;
    } else if (Contains(kArrayFilters, name) || Contains(kValueFilters, name)) {
      if (auto status = AddCharacterisationFilter(name, value, filter); !status.ok()) {
        return status;
      }
    } else {
      return UnknownParameter(name);
    }
  }
  search.characterisation_filter = json::serialize(filter);
  return search;
}

std::string RenderCatalog(const pg::Result& rows, int row, std::string_view base_url,
                          std::string_view self_href, const SiteCounts* site_counts) {
  std::string out;
  out.reserve(rows.Get(row, kCatContent).size() + 2048);
  AppendCatalog(out, rows, row, base_url, self_href, site_counts);
  return out;
}

// Closes a paged list of catalogs: its links (self, root, parent when given, next when there
// are more rows than shown: `next_href`, else keyed on the last shown id) and numberReturned.
void AppendListEnd(std::string& out, const pg::Result& rows, int limit, int shown,
                   std::string_view base_url, std::string_view self_href,
                   std::string_view list_path, std::string_view raw_query,
                   std::string_view parent_href, std::string_view next_href) {
  out += R"(],"links":[)";
  AppendLink(out, "self", kJson, self_href);
  out += ',';
  AppendLink(out, "root", kJson, StrCat(base_url, "/"));
  if (!parent_href.empty()) {
    out += ',';
    AppendLink(out, "parent", kJson, parent_href);
  }
  if (rows.Rows() > limit && shown > 0) {
    if (next_href.empty()) {
      AppendNextLink(out, base_url, list_path, raw_query, rows.Get(shown - 1, kCatId));
    } else {
      out += ',';
      AppendLink(out, "next", kJson, next_href);
    }
  }
  StrAppend(&out, R"(],"numberReturned":)", shown, "}");
}

std::string RenderCatalogList(const pg::Result& rows, int limit, std::string_view base_url,
                              std::string_view self_href, std::string_view list_path,
                              std::string_view raw_query, std::string_view parent_href,
                              std::string_view next_href, const SiteCounts* site_counts) {
  const int shown = std::min(rows.Rows(), limit);
  std::string out;
  out.reserve(2048 * size_t(shown + 1));
  out += R"({"catalogs":[)";
  for (int row = 0; row < shown; ++row) {
    if (row > 0) out += ',';
    AppendCatalog(out, rows, row, base_url, {}, site_counts);
  }
  AppendListEnd(out, rows, limit, shown, base_url, self_href, list_path, raw_query, parent_href,
                next_href);
  return out;
}

std::string RenderCollectionRow(const pg::Result& rows, int row, const LinkScope& scope,
                                std::string_view self_href) {
  const std::string_view id = rows.Get(row, kColRowId);
  std::string links = "[";
  bool first = true;
  auto separate = [&] {
    if (!first) links += ',';
    first = false;
  };
  // Its other parents, and its URL inside each of them.
  for (const json::value& holder : ParseArray(rows.Get(row, kColRowHolders))) {
    if (!holder.is_array()) continue;
    const std::string_view holder_id = StringAt(holder.get_array(), 0);
    if (holder_id == scope.catalog) continue;
    const std::string holder_url = CatalogUrl(scope.base_url, holder_id);
    separate();
    AppendTitledLink(links, "related", holder_url, StringAt(holder.get_array(), 1));
    separate();
    AppendLink(links, "duplicate", kJson, CollectionUrl(holder_url, id));
  }
  const std::string_view stored = StoredLinksInner(rows.Get(row, kColRowLinks));
  if (!stored.empty()) {
    separate();
    links += stored;
  }
  links += ']';
  return RenderCollection(scope, id, rows.Get(row, kColRowContent), links, self_href);
}

std::string EncodeChildrenCursor(const ChildrenCursor& cursor) {
  return EncodeCollectionsToken(StrCat(cursor.catalog ? "k" : "c", cursor.position, ":", cursor.id));
}

absl::StatusOr<ChildrenCursor> DecodeChildrenCursor(std::string_view token) {
  auto text = DecodeCollectionsToken(token);
  if (!text.ok()) return text.status();
  const std::string_view value = *text;
  const size_t colon = value.find(':');
  ChildrenCursor cursor;
  if (value.empty() || (value[0] != 'k' && value[0] != 'c') || colon == std::string_view::npos ||
      !absl::SimpleAtoi(ToAbsl(value.substr(1, colon - 1)), &cursor.position)) {
    return absl::InvalidArgumentError("token: not a token of this children listing");
  }
  cursor.catalog = value[0] == 'k';
  cursor.id = std::string(value.substr(colon + 1));
  return cursor;
}

std::string RenderChildren(const pg::Result& catalog_rows, const pg::Result& collection_rows,
                           int limit, const LinkScope& scope, std::string_view self_href,
                           std::string_view parent_href, std::string_view next_href,
                           const SiteCounts* site_counts) {
  std::string out;
  out.reserve(2048 * size_t(catalog_rows.Rows() + collection_rows.Rows() + 1));
  out += R"({"children":[)";
  int shown = 0;
  for (int row = 0; row < catalog_rows.Rows() && shown < limit; ++row, ++shown) {
    if (shown > 0) out += ',';
    AppendCatalog(out, catalog_rows, row, scope.base_url, {}, site_counts);
  }
  for (int row = 0; row < collection_rows.Rows() && shown < limit; ++row, ++shown) {
    if (shown > 0) out += ',';
    out += RenderCollectionRow(collection_rows, row, scope,
                               CollectionUrl(scope.url, collection_rows.Get(row, kColRowId)));
  }
  out += R"(],"links":[)";
  AppendLink(out, "self", kJson, self_href);
  out += ',';
  AppendLink(out, "root", kJson, StrCat(scope.base_url, "/"));
  out += ',';
  AppendLink(out, "parent", kJson, parent_href);
  if (!next_href.empty()) {
    out += ',';
    AppendLink(out, "next", kJson, next_href);
  }
  StrAppend(&out, R"(],"numberReturned":)", shown, "}");
  return out;
}

std::string RenderBrowsePage(const pg::Result& rows, int limit, const LinkScope& scope,
                             std::string_view collection_id, std::string_view self_href) {
  const int shown = std::min(rows.Rows(), limit);
  const std::string collection_url = CollectionUrl(scope.url, collection_id);
  std::string out;
  out.reserve(256 * size_t(shown + 4));
  out += R"({"type":"Catalog","stac_version":"1.0.0","id":)";
  AppendJsonString(out, StrCat(collection_id, "-items"));
  out += R"(,"title":)";
  AppendJsonString(out, StrCat("Items of ", collection_id));
  out += R"(,"description":)";
  AppendJsonString(out, StrCat("The items of collection ", collection_id,
                               " in id order, one page per catalog; the child link continues. "
                               "Use the items link of the collection to search them."));
  out += R"(,"links":[)";
  AppendLink(out, "self", kJson, self_href);
  out += ',';
  AppendLink(out, "root", kJson, StrCat(scope.base_url, "/"));
  out += ',';
  AppendLink(out, "parent", kJson, collection_url);
  out += ',';
  AppendLink(out, "collection", kJson, collection_url);
  for (int row = 0; row < shown; ++row) {
    out += ',';
    AppendLink(out, "item", kGeoJson, ItemUrl(scope.url, collection_id, rows.Get(row, 0)));
  }
  if (rows.Rows() > limit && shown > 0) {
    out += ',';
    AppendLink(out, "child", kJson,
               StrCat(collection_url, "/browse?token=",
                      EncodeCollectionsToken(rows.Get(shown - 1, 0))));
  }
  out += "]}";
  return out;
}

std::string RootChildLinks(const pg::Result& catalog_rows, const pg::Result& collection_rows,
                           std::string_view base_url) {
  std::string out;
  AppendLink(out, "children", kJson, StrCat(base_url, "/children"));
  for (int row = 0; row < catalog_rows.Rows(); ++row) {
    out += ',';
    AppendTitledLink(out, "child", CatalogUrl(base_url, catalog_rows.Get(row, 0)),
                     catalog_rows.Get(row, 1));
  }
  for (int row = 0; row < collection_rows.Rows(); ++row) {
    out += ',';
    AppendTitledLink(out, "child", CollectionUrl(base_url, collection_rows.Get(row, 0)),
                     collection_rows.Get(row, 1));
  }
  return out;
}

}  // namespace stacfed::api

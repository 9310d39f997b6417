#include "server/api/render.hpp"

#include <charconv>

#include "libstac/base/strings.hpp"
#include "server/api/aggregate_handlers.hpp"
#include "server/api/links.hpp"
#include "server/api/queryables_render.hpp"
#include "server/search/client_site.hpp"
#include "server/export/export_request.hpp"
#include "server/search/query.hpp"

namespace stacfed::api {
namespace {

// Closes a links array opened with `{"links":[` and its generated links: the stored extra
// links, then the stored members of the document.
void CloseLinksAndAppendMembers(std::string& out, std::string_view stored_links,
                                std::string_view content) {
  const std::string_view extra = StoredLinksInner(stored_links);
  if (!extra.empty()) {
    out += ',';
    out += extra;
  }
  out += ']';
  const std::string_view members = MembersAfterBrace(content);
  if (members.empty()) {
    out += '}';
  } else {
    out += ',';
    out += members;
  }
}

// Writes "{" + links + stored members: `generated_links` is the inside of the links array.
void AppendWithLinks(std::string& out, std::string_view generated_links,
                     std::string_view stored_links, std::string_view content) {
  out += R"({"links":[)";
  out += generated_links;
  CloseLinksAndAppendMembers(out, stored_links, content);
}

// The generated links of items (self, parent, collection, root), written straight into the
// page: they are most of what the server itself writes for a page, so the base URL is
// JSON-escaped once per page and a collection's href once per run of its items
// (percent-encoded segments never need JSON escaping). Same text as AppendLink would write.
class ItemLinkWriter {
 public:
  // `catalog` non-empty: the items are shown inside that catalog's API (links.hpp LinkScope).
  ItemLinkWriter(std::string_view base_url, std::string_view catalog) {
    AppendJsonString(base_, base_url);
    base_ = base_.substr(1, base_.size() - 2);  // without its quotes
    scope_ = base_;
    if (!catalog.empty()) {
      scope_ += "/catalogs/";
      AppendPercentEncoded(scope_, catalog);
    }
  }

  void Append(std::string& out, std::string_view collection, std::string_view id) {
    if (collection_href_.empty() || collection != collection_) {
      collection_.assign(collection);
      collection_href_ = scope_;
      collection_href_ += "/collections/";
      AppendPercentEncoded(collection_href_, collection);
    }
    out += R"({"rel":"self","type":"application/geo+json","href":")";
    out += collection_href_;
    out += "/items/";
    AppendPercentEncoded(out, id);
    out += R"("},{"rel":"parent","type":"application/json","href":")";
    out += collection_href_;
    out += R"("},{"rel":"collection","type":"application/json","href":")";
    out += collection_href_;
    out += R"("},{"rel":"root","type":"application/json","href":")";
    out += base_;
    out += R"(/"})";
    if (scope_.size() != base_.size()) {
      out += R"(,{"rel":"canonical","type":"application/geo+json","href":")";
      out += base_;
      out += "/collections/";
      AppendPercentEncoded(out, collection);
      out += "/items/";
      AppendPercentEncoded(out, id);
      out += R"("})";
    }
  }

 private:
  std::string base_;             // JSON-escaped, unquoted
  std::string scope_;            // base_, or the catalog's URL (JSON-escaped, unquoted)
  std::string collection_;       // the collection of collection_href_
  std::string collection_href_;  // JSON-escaped, unquoted
};

// One item: its generated links, its stored links and members.
void AppendItem(std::string& out, ItemLinkWriter& links, std::string_view collection,
                std::string_view id, std::string_view stored_links, std::string_view content) {
  out += R"({"links":[)";
  links.Append(out, collection, id);
  CloseLinksAndAppendMembers(out, stored_links, content);
}

// Appends `item` with its copies ranked by `ranker` and then filtered by `fields` (each when
// not null); `ranked` is scratch space.
void AppendRewritten(std::string_view item, search::CopyRanker* ranker,
                     const search::FieldsFilter* fields, std::string& ranked, std::string& out) {
  if (ranker == nullptr) {
    fields->Append(item, out);
    return;
  }
  if (fields == nullptr) {
    ranker->Append(item, out);
    return;
  }
  ranked.clear();
  ranker->Append(item, ranked);
  fields->Append(ranked, out);
}

}  // namespace

PageToken TokenForRow(const pg::Result& rows, int row, std::span<const int> token_columns,
                      PageToken::Direction direction, std::optional<int64_t> matched,
                      const SearchOrigin& origin) {
  PageToken token;
  token.direction = direction;
  token.keys.reserve(token_columns.size());
  for (int column : token_columns) {
    if (rows.IsNull(row, column)) {
      token.keys.emplace_back();
    } else {
      token.keys.emplace_back(std::string(rows.Get(row, column)));
    }
  }
  token.matched = matched;
  token.search = origin.fingerprint;
  return token;
}

void AppendPageLink(std::string& out, std::string_view rel, const PageToken& token,
                    const SearchOrigin& origin, std::string_view type) {
  const std::string encoded = origin.signer->Encode(token);
  if (!origin.post) {
    AppendLink(out, rel, type,
               StrCat(origin.base_url, origin.path, "?", QueryWithToken(origin.raw_query, encoded)),
               "GET");
    return;
  }
  AppendLink(out, rel, type, StrCat(origin.base_url, origin.path), "POST");
  out.pop_back();  // reopen the link object for body and merge
  out += R"(,"body":{"token":)";
  AppendJsonString(out, encoded);
  const std::string_view members = MembersAfterBrace(origin.body_without_token);
  if (members.empty()) {
    out += '}';
  } else {
    out += ',';
    out += members;
  }
  out += R"(,"merge":false})";
}

std::optional<std::string_view> LeadOf(const pg::Result& rows, int row,
                                       std::span<const int> token_columns) {
  if (token_columns.empty() || rows.IsNull(row, token_columns[0])) return std::nullopt;
  return rows.Get(row, token_columns[0]);
}

bool PastTies(std::optional<std::string_view> boundary, std::optional<std::string_view> beside) {
  return boundary && beside && *boundary != *beside;
}

namespace {

// numberMatched for this page, or nullopt when it is unknown (more matches than counted).
std::optional<int64_t> Matched(const SearchRequest& request, const pg::Result& rows,
                               std::optional<int64_t> counted, int shown) {
  if (request.token) return request.token->matched;
  if (rows.Rows() <= request.limit) return shown;  // the only page: its rows are the count
  return counted;
}

}  // namespace

std::string RenderItemCollection(const SearchRequest& request, const pg::Result& rows,
                                 std::span<const int> token_columns,
                                 std::optional<int64_t> counted, const SearchOrigin& origin) {
  const int fetched = rows.Rows();
  const int shown = std::min(fetched, request.limit);
  const bool more = fetched > request.limit;  // a row beyond this page in the fetch direction
  const bool backwards =
      request.token && request.token->direction == PageToken::Direction::kPrev;
  const std::optional<int64_t> matched =
      Matched(request, rows, counted, shown);

  size_t reserve = 256;
  for (int row = 0; row < shown; ++row) {
    reserve += rows.Get(row, search::kColContent).size() + rows.Get(row, search::kColLinks).size() + 600;
  }
  // Ranking adds access:rank to every copy: room for it up front.
  if (request.client_site) reserve += reserve / 16;
  std::string out;
  out.reserve(reserve);
  out += R"({"type":"FeatureCollection","features":[)";
  ItemLinkWriter item_links(origin.base_url, origin.catalog);
  // With fields or a client site, each item is written whole into `whole`, then rewritten:
  // its copies ranked for the client's site, and what the fields keep of it copied. Only such
  // searches read the stored text.
  std::optional<search::FieldsFilter> fields;
  if (request.fields) fields.emplace(*request.fields, search::ItemDefaultFields());
  std::optional<search::CopyRanker> ranker;
  if (request.client_site) ranker.emplace(*request.client_site);
  const bool rewrite = fields || ranker;
  std::string whole;
  std::string ranked;
  for (int i = 0; i < shown; ++i) {
    const int row = backwards ? shown - 1 - i : i;
    if (i > 0) out += ',';
    AppendItem(rewrite ? whole : out, item_links, rows.Get(row, search::kColCollection),
               rows.Get(row, search::kColId), rows.Get(row, search::kColLinks),
               rows.Get(row, search::kColContent));
    if (rewrite) {
      AppendRewritten(whole, ranker ? &*ranker : nullptr, fields ? &*fields : nullptr, ranked,
                      out);
      whole.clear();
    }
  }
  out += R"(],"links":[)";
  const std::string self_href =
      origin.post || origin.raw_query.empty()
          ? StrCat(origin.base_url, origin.path)
          : StrCat(origin.base_url, origin.path, "?", origin.raw_query);
  AppendLink(out, "self", kGeoJson, self_href);
  out += ',';
  AppendLink(out, "root", kJson, StrCat(origin.base_url, "/"));
  if (origin.export_url) exports::AppendExportLinks(out, *origin.export_url, origin.export_query);
  if (!origin.collection.empty()) {
    out += ',';
    AppendLink(out, "collection", kJson,
               CollectionUrl(LinkScope::Catalog(origin.base_url, origin.catalog).url,
                             origin.collection));
  }
  if (shown > 0) {
    // Display order: the first row shown is rows[0] going forward, rows[shown-1] backwards.
    const int first = backwards ? shown - 1 : 0;
    const int last = backwards ? 0 : shown - 1;
    const bool has_next = backwards ? true : more;
    const bool has_prev = backwards ? more : request.token.has_value();
    // Whether a link's page starts past its boundary row's tie group (PageToken::past_ties),
    // from the row beside the boundary: on the far side of the read the extra row it fetched,
    // on the near side the row of the request's token.
    const bool far_past = more && PastTies(LeadOf(rows, shown - 1, token_columns),
                                           LeadOf(rows, shown, token_columns));
    std::optional<std::string_view> token_lead;
    if (request.token && !request.token->keys.empty() && request.token->keys[0]) {
      token_lead = *request.token->keys[0];
    }
    const bool near_past = PastTies(LeadOf(rows, 0, token_columns), token_lead);
    if (has_next) {
      PageToken token = TokenForRow(rows, last, token_columns, PageToken::Direction::kNext,
                                    matched, origin);
      token.past_ties = backwards ? near_past : far_past;
      out += ',';
      AppendPageLink(out, "next", token, origin);
    }
    if (has_prev) {
      PageToken token = TokenForRow(rows, first, token_columns, PageToken::Direction::kPrev,
                                    matched, origin);
      token.past_ties = backwards ? far_past : near_past;
      out += ',';
      AppendPageLink(out, "prev", token, origin);
    }
  }
  out += ']';
  if (matched) StrAppend(&out, R"(,"numberMatched":)", *matched);
  StrAppend(&out, R"(,"numberReturned":)", shown, "}");
  return out;
}

std::string RenderItem(const LinkScope& scope, std::string_view collection, std::string_view id,
                       std::string_view content, std::string_view links,
                       std::string_view client_site) {
  ItemLinkWriter item_links(scope.base_url, scope.catalog);
  std::string out;
  out.reserve(content.size() + links.size() + 3 * scope.url.size() + 5 * id.size() + 512);
  AppendItem(out, item_links, collection, id, links, content);
  if (client_site.empty()) return out;
  return search::RankCopies(out, client_site);
}

namespace {

void AppendCollection(std::string& out, const LinkScope& scope, std::string_view id,
                      std::string_view content, std::string_view links,
                      std::string_view self_href) {
  const std::string collection_url = CollectionUrl(scope.url, id);
  std::string generated;
  AppendLink(generated, "self", kJson, self_href);
  generated += ',';
  AppendLink(generated, "root", kJson, StrCat(scope.base_url, "/"));
  generated += ',';
  // Exactly one parent: the catalog it is shown in, else the root.
  AppendLink(generated, "parent", kJson, scope.scoped() ? scope.url : StrCat(scope.base_url, "/"));
  if (scope.scoped()) {
    generated += ',';
    AppendLink(generated, "canonical", kJson, CollectionUrl(scope.base_url, id));
  }
  generated += ',';
  AppendLink(generated, "items", kGeoJson, StrCat(collection_url, "/items"));
  // Browseable: static walkers reach the items through pages of `item` links
  // (catalogs_handlers.cpp, .../collections/{id}/browse).
  generated += ',';
  AppendLink(generated, "child", kJson, StrCat(collection_url, "/browse"));
  generated += ',';
  AppendLink(generated, kQueryablesRel, kSchemaJson, StrCat(collection_url, "/queryables"));
  generated += ',';
  AppendLink(generated, kSortablesRel, kSchemaJson, StrCat(collection_url, "/sortables"));
  AppendAggregateLinks(generated, collection_url);
  AppendWithLinks(out, generated, links, content);
}

}  // namespace

std::string RenderCollection(const LinkScope& scope, std::string_view id,
                             std::string_view content, std::string_view links,
                             std::string_view self_href) {
  std::string out;
  out.reserve(content.size() + links.size() + 1024);
  AppendCollection(out, scope, id, content, links, self_href);
  return out;
}

}  // namespace stacfed::api

// The catalog endpoints' socket-free parts: catalog search parameters and the documents
// rendered from rows. (The endpoints end to end: conformance/test_catalogs.py.)

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "libstac/pg/connection.hpp"
#include "server/api/catalogs_render.hpp"
#include "server/search/modules.hpp"
#include "tests/support/test_database.hpp"

namespace api = stacfed::api;
namespace json = boost::json;
using stacfed::pg::Connection;

namespace {

json::value Parse(const std::string& text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  INFO(text);
  REQUIRE_FALSE(ec);
  return value;
}

std::string Str(const json::value& value) { return std::string(value.as_string().c_str()); }

// (rel, href) of every link, in order.
std::vector<std::pair<std::string, std::string>> Links(const json::value& doc) {
  std::vector<std::pair<std::string, std::string>> links;
  for (const json::value& link : doc.at("links").as_array()) {
    links.emplace_back(Str(link.at("rel")), Str(link.at("href")));
  }
  return links;
}

bool HasLink(const json::value& doc, std::string_view rel, std::string_view href) {
  for (const auto& [r, h] : Links(doc)) {
    if (r == rel && h == href) return true;
  }
  return false;
}

// Rows shaped like the catalog row query (id, content, links, parents, children), made by
// PostgreSQL so that the renderer reads a real pg::Result.
stacfed::pg::Result CatalogRows(Connection& conn, const std::string& values_sql) {
  auto rows = conn.Query(values_sql);
  INFO((rows.ok() ? "" : std::string(rows.status().message())));
  REQUIRE(rows.ok());
  return *rows;
}

constexpr char kEsgfRow[] =
    "SELECT 'esgf', '{\"type\":\"Catalog\",\"stac_version\":\"1.1.0\",\"id\":\"esgf\","
    "\"description\":\"ESGF\"}', "
    "'[{\"rel\":\"about\",\"href\":\"https://esgf.example\"}]', '[\"federations\", \"cmip\"]', "
    "'[[\"catalog\",\"esgf-east\",\"ESGF East\",true],[\"collection\",\"CMIP 6\",null,true],"
    "[\"collection\",\"shared\",null,false]]', false";

}  // namespace

TEST_CASE("catalog search parses filters into one containment object", "[catalogs][api]") {
  auto search = api::ParseCatalogSearch({{"api_type", "REST,OpenDAP"},
                                         {"data_access_type", "open"},
                                         {"country", "DE"},
                                         {"q", "climate model"},
                                         {"limit", "5"},
                                         {"bbox", "-10,40,20,60"}});
  REQUIRE(search.ok());
  CHECK(search->limit == 5);
  CHECK(search->country == "DE");
  CHECK(search->q == "climate model");
  REQUIRE(search->bbox.has_value());
  CHECK(search->bbox->north == 60);
  CHECK(Parse(search->characterisation_filter) ==
        Parse(R"({"api_type":["REST","OpenDAP"],"data_access_type":"open"})"));

  auto none = api::ParseCatalogSearch({});
  REQUIRE(none.ok());
  CHECK(none->characterisation_filter == "{}");
  CHECK(none->limit == api::kDefaultCatalogsLimit);
}

TEST_CASE("catalog search rejects what it does not understand", "[catalogs][api]") {
  auto unknown = api::ParseCatalogSearch({{"colour", "blue"}});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(unknown.status().message()).find("unknown parameter 'colour'") == 0);

  auto repeated = api::ParseCatalogSearch({{"country", "DE"}, {"country", "FR"}});
  REQUIRE_FALSE(repeated.ok());
  CHECK(std::string(repeated.status().message()).find("more than once") != std::string::npos);

  auto two_values = api::ParseCatalogSearch({{"data_access_type", "open,closed"}});
  REQUIRE_FALSE(two_values.ok());

  CHECK_FALSE(api::ParseCatalogSearch({{"bbox", "1,2,3"}}).ok());
  CHECK_FALSE(api::ParseCatalogSearch({{"limit", "-1"}}).ok());
  CHECK_FALSE(api::ParseCatalogSearch({{"token", "not-a-token"}}).ok());
}

TEST_CASE("a catalog document links its parents, children and scoped API", "[catalogs][api]") {
  stacfed::testing::TestDatabase db;
  auto conn = Connection::Open(db.url());
  REQUIRE(conn.ok());
  auto rows = CatalogRows(*conn, kEsgfRow);
  json::value doc = Parse(api::RenderCatalog(rows, 0, "http://h"));

  CHECK(Str(doc.at("id")) == "esgf");
  CHECK(Str(doc.at("type")) == "Catalog");
  CHECK(HasLink(doc, "self", "http://h/catalogs/esgf"));
  CHECK(HasLink(doc, "root", "http://h/"));
  // Several parents: the first is the parent, the others related.
  CHECK(HasLink(doc, "parent", "http://h/catalogs/federations"));
  CHECK(HasLink(doc, "related", "http://h/catalogs/cmip"));
  // Tree children are child links (collections at their URL inside the catalog); a child
  // whose tree parent is elsewhere is related, so that a walker reaches it once.
  CHECK(HasLink(doc, "child", "http://h/catalogs/esgf-east"));
  CHECK(HasLink(doc, "child", "http://h/catalogs/esgf/collections/CMIP%206"));
  CHECK(HasLink(doc, "related", "http://h/catalogs/esgf/collections/shared"));
  CHECK_FALSE(HasLink(doc, "child", "http://h/catalogs/esgf/collections/shared"));
  CHECK(HasLink(doc, "service-desc", "http://h/api"));
  CHECK(HasLink(doc, "service-doc", "http://h/api.html"));
  CHECK(HasLink(doc, "catalogs", "http://h/catalogs/esgf/catalogs"));
  CHECK(HasLink(doc, "children", "http://h/catalogs/esgf/children"));
  CHECK(HasLink(doc, "data", "http://h/catalogs/esgf/collections"));
  CHECK(HasLink(doc, "search", "http://h/catalogs/esgf/search"));
  CHECK(HasLink(doc, "conformance", "http://h/catalogs/esgf/conformance"));
  CHECK(HasLink(doc, "about", "https://esgf.example"));  // stored links follow
  CHECK(doc.at("conformsTo").as_array().size() > 3);
  // Not walk-complete: not Browseable, the rest as at the root.
  bool browseable = false;
  for (const json::value& uri : doc.at("conformsTo").as_array()) {
    browseable = browseable || Str(uri) == stacfed::search::kBrowseableUri;
  }
  CHECK_FALSE(browseable);
  for (const json::value& link : doc.at("links").as_array()) {
    if (Str(link.at("rel")) == "child" && Str(link.at("href")).ends_with("esgf-east")) {
      CHECK(Str(link.at("title")) == "ESGF East");
    }
  }
}

TEST_CASE("a top-level catalog's parent is the landing page", "[catalogs][api]") {
  stacfed::testing::TestDatabase db;
  auto conn = Connection::Open(db.url());
  REQUIRE(conn.ok());
  auto rows = CatalogRows(*conn, "SELECT 'top', '{\"type\":\"Catalog\",\"id\":\"top\"}', '[]', '[]', '[]', true");
  json::value doc = Parse(api::RenderCatalog(rows, 0, "http://h"));
  CHECK(HasLink(doc, "parent", "http://h/"));
}

TEST_CASE("catalog lists page with a next link that keeps the filters", "[catalogs][api]") {
  stacfed::testing::TestDatabase db;
  auto conn = Connection::Open(db.url());
  REQUIRE(conn.ok());
  auto rows = CatalogRows(*conn,
                          "SELECT id, '{\"type\":\"Catalog\",\"id\":\"' || id || '\"}', '[]', '[]', '[]', true "
                          "FROM unnest(ARRAY['a','b','c']) id ORDER BY id");
  json::value page = Parse(api::RenderCatalogList(rows, 2, "http://h", "http://h/catalogs?limit=2&country=DE",
                                                  "/catalogs", "limit=2&country=DE", ""));
  REQUIRE(page.at("catalogs").as_array().size() == 2);
  CHECK(page.at("numberReturned").as_int64() == 2);
  std::string next;
  for (const auto& [rel, href] : Links(page)) {
    if (rel == "next") next = href;
  }
  CHECK(next.starts_with("http://h/catalogs?limit=2&country=DE&token="));
  auto token = api::ParseCatalogSearch({{"token", next.substr(next.find("token=") + 6)}});
  REQUIRE(token.ok());
  CHECK(token->after_id == "b");
}

TEST_CASE("browse pages chain item links by child links", "[catalogs][api]") {
  stacfed::testing::TestDatabase db;
  auto conn = Connection::Open(db.url());
  REQUIRE(conn.ok());
  auto rows = CatalogRows(*conn, "SELECT 'item-' || n FROM generate_series(1, 3) n ORDER BY 1");
  json::value page = Parse(api::RenderBrowsePage(rows, 2, api::LinkScope::Root("http://h"), "c1", "http://h/collections/c1/browse"));
  CHECK(Str(page.at("type")) == "Catalog");
  CHECK(HasLink(page, "parent", "http://h/collections/c1"));
  CHECK(HasLink(page, "item", "http://h/collections/c1/items/item-1"));
  CHECK(HasLink(page, "item", "http://h/collections/c1/items/item-2"));
  CHECK_FALSE(HasLink(page, "item", "http://h/collections/c1/items/item-3"));
  int children = 0;
  for (const auto& [rel, href] : Links(page)) {
    if (rel == "child") {
      ++children;
      CHECK(href.starts_with("http://h/collections/c1/browse?token="));
    }
  }
  CHECK(children == 1);

  auto last = CatalogRows(*conn, "SELECT 'item-3'");
  json::value end = Parse(api::RenderBrowsePage(last, 2, api::LinkScope::Root("http://h"), "c1", "http://h/x"));
  for (const auto& [rel, href] : Links(end)) CHECK(rel != "child");
}

TEST_CASE("the landing page's extra links: children, catalogs, then loose collections",
          "[catalogs][api]") {
  stacfed::testing::TestDatabase db;
  auto conn = Connection::Open(db.url());
  REQUIRE(conn.ok());
  auto catalogs = CatalogRows(*conn, "SELECT 'dkrz', 'DKRZ'");
  auto collections = CatalogRows(*conn, "SELECT 'loose', ''");
  std::string array_text = "[";  // not "[" + ...: g++ 12 warns falsely (-Wrestrict) on it
  array_text += api::RootChildLinks(catalogs, collections, "http://h");
  array_text += ']';
  json::value links = Parse(array_text);
  const json::array& array = links.as_array();
  REQUIRE(array.size() == 3);
  CHECK(Str(array[0].at("rel")) == "children");
  CHECK(Str(array[1].at("href")) == "http://h/catalogs/dkrz");
  CHECK(Str(array[1].at("title")) == "DKRZ");
  CHECK(Str(array[2].at("href")) == "http://h/collections/loose");
  CHECK_FALSE(array[2].as_object().contains("title"));
}

TEST_CASE("a collection links the catalogs holding it", "[catalogs][api]") {
  stacfed::testing::TestDatabase db;
  auto conn = Connection::Open(db.url());
  REQUIRE(conn.ok());
  auto rows = CatalogRows(
      *conn,
      "SELECT 'CMIP6', '{\"type\":\"Collection\",\"id\":\"CMIP6\"}', "
      "'[{\"rel\":\"license\",\"href\":\"https://example.org/l\"}]', "
      "'[[\"esgf-east\",\"ESGF East\"],[\"cmip6\",\"\"]]'");
  json::value doc = Parse(api::RenderCollectionRow(rows, 0, api::LinkScope::Root("http://h"),
                                                   "http://h/collections/CMIP6"));
  CHECK(HasLink(doc, "self", "http://h/collections/CMIP6"));
  CHECK(HasLink(doc, "parent", "http://h/"));
  CHECK(HasLink(doc, "related", "http://h/catalogs/esgf-east"));
  CHECK(HasLink(doc, "related", "http://h/catalogs/cmip6"));
  CHECK(HasLink(doc, "duplicate", "http://h/catalogs/esgf-east/collections/CMIP6"));
  CHECK(HasLink(doc, "license", "https://example.org/l"));
  CHECK(HasLink(doc, "child", "http://h/collections/CMIP6/browse"));

  // Shown inside esgf-east: that catalog is its one parent; the other holder is related.
  json::value scoped = Parse(api::RenderCollectionRow(
      rows, 0, api::LinkScope::Catalog("http://h", "esgf-east"),
      "http://h/catalogs/esgf-east/collections/CMIP6"));
  int parents = 0;
  for (const auto& [rel, href] : Links(scoped)) parents += rel == "parent";
  CHECK(parents == 1);
  CHECK(HasLink(scoped, "parent", "http://h/catalogs/esgf-east"));
  CHECK(HasLink(scoped, "canonical", "http://h/collections/CMIP6"));
  CHECK(HasLink(scoped, "related", "http://h/catalogs/cmip6"));
  CHECK(HasLink(scoped, "duplicate", "http://h/catalogs/cmip6/collections/CMIP6"));
  CHECK_FALSE(HasLink(scoped, "related", "http://h/catalogs/esgf-east"));
  CHECK(HasLink(scoped, "items", "http://h/catalogs/esgf-east/collections/CMIP6/items"));
  CHECK(HasLink(scoped, "child", "http://h/catalogs/esgf-east/collections/CMIP6/browse"));

  auto loose = CatalogRows(*conn, "SELECT 'x', '{\"type\":\"Collection\",\"id\":\"x\"}', '[]', '[]'");
  json::value alone = Parse(api::RenderCollectionRow(loose, 0, api::LinkScope::Root("http://h"),
                                                     "http://h/collections/x"));
  for (const auto& [rel, href] : Links(alone)) CHECK(rel != "related");
}

TEST_CASE("children tokens carry the last child's kind, position and id", "[catalogs][api]") {
  for (const api::ChildrenCursor& cursor :
       {api::ChildrenCursor{true, 3, "esgf-west"}, api::ChildrenCursor{false, 0, "a:b/c d"},
        api::ChildrenCursor{false, -2, ""}}) {
    auto back = api::DecodeChildrenCursor(api::EncodeChildrenCursor(cursor));
    REQUIRE(back.ok());
    CHECK(back->catalog == cursor.catalog);
    CHECK(back->position == cursor.position);
    CHECK(back->id == cursor.id);
  }
  CHECK_FALSE(api::DecodeChildrenCursor("not-a-token").ok());
  // A token of another listing (a collections token holds a bare id).
  CHECK_FALSE(api::DecodeChildrenCursor(api::EncodeCollectionsToken("CMIP6")).ok());
}

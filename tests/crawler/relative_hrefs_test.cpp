// Relative hrefs (issue 17, defect 3): an asset or link href such as "/api/storage/v1/x" is
// made absolute at harvest against the document's base (its self link, else the URL it came
// from), and the change is recorded like every other repair. Unit tests of the resolution
// rules, then a whole harvest of a CADS-shaped API (tests/crawler/upstream/relative-hrefs)
// into a real PostgreSQL.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "crawler/annotate/site_registry.hpp"
#include "crawler/harvest.hpp"
#include "crawler/normalise/hrefs.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/federation/federation.hpp"
#include "libstac/pg/connection.hpp"
#include "tests/crawler/fake_upstream.hpp"
#include "tests/support/test_database.hpp"

namespace stacfed::crawler {
namespace {

namespace json = boost::json;
using testing::FakeUpstream;
using testing::TestDatabase;

json::object Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(value.is_object());
  return value.get_object();
}

std::string Href(const json::object& document, std::initializer_list<std::string_view> path) {
  const json::value* at = nullptr;
  const json::object* object = &document;
  for (std::string_view key : path) {
    REQUIRE(object != nullptr);
    at = object->if_contains(json::string_view(key.data(), key.size()));
    REQUIRE(at != nullptr);
    object = at->if_object();
  }
  REQUIRE(object != nullptr);
  return std::string(object->at("href").as_string());
}

bool NoSitePaths(std::string_view) { return false; }

TEST_CASE("the base of a document is its usable self link, else where it came from", "[crawler][hrefs]") {
  const std::string page = "https://cds.example/api/catalogue/v1/collections/c/items?limit=10";
  auto base = [&](std::string_view self) {
    json::object document;
    if (!self.empty()) {
      document["links"] = json::array{json::object{{"rel", "self"}, {"href", json::string_view(self.data(), self.size())}}};
    }
    auto found = FindDocumentBase(document, page);
    REQUIRE(found.ok());
    return std::pair(std::string(found->url.str()), found->from_self_link);
  };
  CHECK(base("") == std::pair(page, false));
  CHECK(base("https://mirror.example/stac/items/x") == std::pair(std::string("https://mirror.example/stac/items/x"), true));
  // A relative self link is resolved against the retrieval URL first.
  CHECK(base("items/x") == std::pair(std::string("https://cds.example/api/catalogue/v1/collections/c/items/x"), true));
  // A provider's internal service name, or a file path of the machine that wrote the catalog,
  // is no base anyone can use.
  CHECK(base("http://stac-internal:8080/collections/c/items/x") == std::pair(page, false));
  CHECK(base("file:///home/someone/catalog/items/x.json") == std::pair(page, false));
  auto from_file = FindDocumentBase(Parse(R"({"links":[{"rel":"self","href":"file:///data/c/x.json"}]})"),
                                    "file:///data/c/items/x.json");
  REQUIRE(from_file.ok());
  CHECK(from_file->url.str() == "file:///data/c/x.json");
  CHECK_FALSE(FindDocumentBase(json::object{}, "not a url").ok());
}

TEST_CASE("relative hrefs of assets, alternates and links are resolved and recorded", "[crawler][hrefs]") {
  json::object item = Parse(R"({
    "links": [{"rel": "self", "href": "https://h.example/stac/collections/c/items/a"},
              {"rel": "parent", "href": "../.."},
              {"rel": "license", "href": "/licences/cc-by"},
              {"rel": "via", "href": "https://origin.example/a"}],
    "assets": {
      "storage": {"href": "/api/storage/v1/x"},
      "up": {"href": "../x"},
      "file": {"href": "x.nc"},
      "query": {"href": "?q"},
      "scheme-relative": {"href": "//cdn.example/x.nc"},
      "spaced": {"href": "my file.nc"},
      "empty": {"href": ""},
      "posix": {"href": "/pool/data/x.nc"},
      "kerchunk": {"href": "reference::/pool/data/x.json"},
      "s3": {"href": "s3://bucket/x.nc",
             "alternate": {"https": {"href": "../../mirror/x.nc"}, "tape": {"href": "slk:///arch/x.nc"}}},
      "no-href": {"roles": ["data"]}
    }})");
  std::vector<std::string> changes;
  ResolveRelativeHrefs(item, "https://h.example/stac/collections/c/items?limit=5",
                       [](std::string_view path) { return path.starts_with("/pool/data/"); }, changes);
  CHECK(Href(item, {"assets", "storage"}) == "https://h.example/api/storage/v1/x");
  CHECK(Href(item, {"assets", "up"}) == "https://h.example/stac/collections/c/x");
  CHECK(Href(item, {"assets", "file"}) == "https://h.example/stac/collections/c/items/x.nc");
  CHECK(Href(item, {"assets", "query"}) == "https://h.example/stac/collections/c/items/a?q");
  CHECK(Href(item, {"assets", "scheme-relative"}) == "https://cdn.example/x.nc");
  CHECK(Href(item, {"assets", "spaced"}) == "https://h.example/stac/collections/c/items/my%20file.nc");
  CHECK(Href(item, {"assets", "empty"}).empty());
  CHECK(Href(item, {"assets", "posix"}) == "/pool/data/x.nc");  // a site's POSIX path
  CHECK(Href(item, {"assets", "kerchunk"}) == "reference::/pool/data/x.json");
  CHECK(Href(item, {"assets", "s3"}) == "s3://bucket/x.nc");
  CHECK(Href(item, {"assets", "s3", "alternate", "https"}) == "https://h.example/stac/collections/mirror/x.nc");
  CHECK(Href(item, {"assets", "s3", "alternate", "tape"}) == "slk:///arch/x.nc");
  const json::array& links = item.at("links").as_array();
  CHECK(links[1].at("href").as_string() == "../..");  // the server writes parent links itself
  CHECK(links[2].at("href").as_string() == "https://h.example/licences/cc-by");
  CHECK(links[3].at("href").as_string() == "https://origin.example/a");
  REQUIRE(changes.size() == 8);
  CHECK(changes[0] == "links[2].href: '/licences/cc-by' -> 'https://h.example/licences/cc-by'"
                      " (relative, resolved against the self link)");
  CHECK(std::find(changes.begin(), changes.end(),
                  "assets.s3.alternate.https.href: '../../mirror/x.nc' -> "
                  "'https://h.example/stac/collections/mirror/x.nc' (relative, resolved against the self link)") !=
        changes.end());

  // Without site paths a bare path is a reference on the document's host, as annotate reads it.
  json::object bare = Parse(R"({"assets": {"posix": {"href": "/pool/data/x.nc"}}})");
  changes.clear();
  ResolveRelativeHrefs(bare, "https://h.example/stac/items/b", NoSitePaths, changes);
  CHECK(Href(bare, {"assets", "posix"}) == "https://h.example/pool/data/x.nc");
  CHECK(changes == std::vector<std::string>{"assets.posix.href: '/pool/data/x.nc' -> "
                                            "'https://h.example/pool/data/x.nc' (relative, resolved against the document's URL)"});

  // Absolute hrefs only: nothing changes, nothing is recorded.
  json::object absolute = Parse(R"({"links": [{"rel": "license", "href": "https://l.example/x"}],
                                    "assets": {"a": {"href": "https://h.example/x.nc"}}})");
  const json::object before = absolute;
  changes.clear();
  ResolveRelativeHrefs(absolute, "https://h.example/stac/items/b", NoSitePaths, changes);
  CHECK(changes.empty());
  CHECK(absolute == before);
}

// ---- a whole harvest -----------------------------------------------------------------------

constexpr char kFederation[] = R"({
  "stacfed_federation": "1.1",
  "sites": {"dkrz": {"name": "DKRZ", "country": "DE", "kind": "hpc", "paths": ["/pool/data"]}},
  "catalogs": [{"id": "cads", "description": "d", "sites": ["dkrz"]}]
})";

FakeUpstream& Upstream() {
  static FakeUpstream upstream;
  return upstream;
}

struct Db {
  TestDatabase database;
  pg::Connection conn;

  Db() : conn(Open(database.url())) {
    REQUIRE(conn.Execute("INSERT INTO stacfed.catalogs (id, content) VALUES ('cads', '{}')").ok());
  }
  static pg::Connection Open(const std::string& url) {
    auto conn = pg::Connection::Open(url);
    REQUIRE(conn.ok());
    return std::move(*conn);
  }
  std::string Scalar(const std::string& sql) {
    auto result = conn.Query(sql);
    INFO(sql);
    INFO((result.ok() ? std::string() : std::string(result.status().message())));
    REQUIRE(result.ok());
    return std::string(result->Scalar());
  }
  int64_t Count(const std::string& sql) { return std::stoll(Scalar(sql)); }
  std::string AssetHref(std::string_view item, std::string_view asset) {
    return Scalar(StrCat("SELECT content::json->'assets'->'", asset, "'->>'href' FROM stacfed.items WHERE id = '",
                         item, "'"));
  }
  // Whether the item's (or with item "", the collection's) recorded changes include `change`.
  bool Recorded(const std::string& item, const std::string& change) {
    auto result = conn.Query(
        "SELECT count(*) FROM stacfed.harvest_normalisations, jsonb_array_elements_text(changes) c"
        " WHERE collection_id = 'cads-like' AND item_id = $1 AND c = $2",
        {item, change});
    REQUIRE(result.ok());
    return result->Scalar() == "1";
  }
};

SourceSpec CadsLikeSource() {
  auto federation = federation::ParseFederation(kFederation);
  REQUIRE(federation.ok());
  SourceSpec source;
  source.id = "cads";
  source.catalog_id = "cads";
  source.url = Upstream().Url("/relative-hrefs/");
  source.sites = SiteRegistry::ForCatalog(*federation, "cads");
  return source;
}

HarvestSummary Run(const SourceSpec& source, Db& db) {
  HarvestOptions options;
  options.database_url = db.database.url();
  options.http.read_timeout = std::chrono::milliseconds(5000);
  HarvestSummary summary = Harvest(source, options);
  INFO(summary.ToJson());
  REQUIRE_FALSE(summary.failed);
  CHECK(summary.walk.errors == 0);
  CHECK(summary.sink.quarantined == 0);
  return summary;
}

TEST_CASE("relative hrefs resolved: a harvest stores absolute hrefs and records each change",
          "[crawler][harvest][hrefs]") {
  Db db;
  const SourceSpec source = CadsLikeSource();
  HarvestSummary first = Run(source, db);
  CHECK(first.sink.added == 5);
  const std::string base = Upstream().base();
  const std::string items = base + "/relative-hrefs/collections/cads-like/items";

  // Item "a": its self link is the base.
  CHECK(db.AssetHref("a", "storage") == base + "/api/storage/v1/x");
  CHECK(db.AssetHref("a", "up") == base + "/relative-hrefs/collections/cads-like/x");
  CHECK(db.AssetHref("a", "file") == items + "/x.nc");
  CHECK(db.AssetHref("a", "query") == items + "/a?q");
  CHECK(db.AssetHref("a", "absolute") == "https://data.example.org/x.nc");
  CHECK(db.AssetHref("a", "s3") == "s3://bucket/x.nc");
  CHECK(db.AssetHref("a", "posix") == "/pool/data/x.nc");  // a path at the site dkrz
  CHECK(db.Scalar("SELECT content::json->'assets'->'mirrored'->'alternate'->'mirror'->>'href'"
                  " FROM stacfed.items WHERE id = 'a'") == base + "/relative-hrefs/collections/mirror/y.nc");
  CHECK(db.Scalar("SELECT content::json->'assets'->'mirrored'->'alternate'->'s3'->>'href'"
                  " FROM stacfed.items WHERE id = 'a'") == "s3://bucket/y.nc");
  CHECK(db.Scalar("SELECT links::json->0->>'href' FROM stacfed.items WHERE id = 'a'") ==
        base + "/relative-hrefs/licences/cc-by-4.0");
  CHECK(db.Scalar("SELECT links::json->1->>'href' FROM stacfed.items WHERE id = 'a'") == "https://origin.example.org/a");
  CHECK(db.Recorded("a", StrCat("assets.storage.href: '/api/storage/v1/x' -> '", base,
                                "/api/storage/v1/x' (relative, resolved against the self link)")));
  CHECK(db.Count("SELECT jsonb_array_length(changes) FROM stacfed.harvest_normalisations WHERE item_id = 'a'") == 6);
  // The annotation sees the resolved href: the data sits on the upstream's host, not at dkrz.
  CHECK(db.Scalar("SELECT content::json->'assets'->'storage'->>'access:protocol' FROM stacfed.items"
                  " WHERE id = 'a'") == "https");

  // Without a self link, or with one on the provider's internal host: the page's URL.
  for (const std::string id : {"no-self", "internal-self"}) {
    INFO(id);
    CHECK(db.AssetHref(id, "storage") == base + "/api/storage/v1/x");
    CHECK(db.AssetHref(id, "up") == base + "/relative-hrefs/collections/x");
    CHECK(db.AssetHref(id, "file") == base + "/relative-hrefs/collections/cads-like/x.nc");
    CHECK(db.AssetHref(id, "query") == items + "?q");
    CHECK(db.Recorded(id, "assets.file.href: 'x.nc' -> '" + base +
                              "/relative-hrefs/collections/cads-like/x.nc' (relative, resolved against the document's URL)"));
  }
  // A relative self link, resolved against the page's URL, is the base.
  CHECK(db.AssetHref("relative-self", "file") == items + "/x.nc");
  CHECK(db.AssetHref("relative-self", "query") == items + "/relative-self?q");
  // Nothing to resolve, nothing recorded.
  CHECK(db.Count("SELECT count(*) FROM stacfed.harvest_normalisations WHERE item_id = 'absolute-only'") == 0);

  // The collection: assets and links, recorded under the item id ''.
  CHECK(db.Scalar("SELECT content->'assets'->'thumbnail'->>'href' FROM stacfed.collections WHERE id = 'cads-like'") ==
        base + "/api/storage/v1/thumbnails/cads-like.png");
  CHECK(db.Scalar("SELECT content->'assets'->'docs'->>'href' FROM stacfed.collections WHERE id = 'cads-like'") ==
        "https://docs.example.org/cads-like.pdf");
  CHECK(db.Scalar("SELECT string_agg(l->>'href', ' ') FROM stacfed.collections,"
                  " jsonb_array_elements(links) l WHERE id = 'cads-like' AND l->>'rel' = 'license'") ==
        base + "/relative-hrefs/licences/cc-by-4.0");
  CHECK(db.Recorded("", StrCat("assets.thumbnail.href: '/api/storage/v1/thumbnails/cads-like.png' -> '", base,
                               "/api/storage/v1/thumbnails/cads-like.png' (relative, resolved against the self link)")));

  // Deterministic: a second run over the unchanged upstream writes nothing.
  HarvestSummary second = Run(source, db);
  CHECK(second.sink.added == 0);
  CHECK(second.sink.updated == 0);
  CHECK(second.sink.collections_changed == 0);
}

}  // namespace
}  // namespace stacfed::crawler

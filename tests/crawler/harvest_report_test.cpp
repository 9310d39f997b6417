// Issue 17, defects 1 and 7: what a harvest tells its operator. Configured collections are
// matched ignoring case and reported when the upstream lacks them; the summary line sums
// every count; an API without items endpoints ends ok; incremental requests use the search
// method the landing page declares and fall back to a full walk when refused; the root
// document's own id, title and description are kept; collection extents with latitudes
// outside -90..90 are repaired and recorded, or quarantined. The upstreams are this folder's
// provider-shaped fixtures (upstream/) and the synthetic API of fake_upstream.py.
//
// The summaries are read through ToJson(), as cron and the CLI see them.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "crawler/harvest.hpp"
#include "libstac/base/paths.hpp"
#include "libstac/federation/federation.hpp"
#include "libstac/pg/connection.hpp"
#include "tests/crawler/fake_upstream.hpp"
#include "tests/crawler/spawn_stacfed.hpp"
#include "tests/support/test_database.hpp"

namespace stacfed::crawler {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::FakeUpstream;
using testing::TestDatabase;

FakeUpstream& Upstream() {
  static FakeUpstream upstream;
  return upstream;
}

// A fresh database with the catalogs the sources harvest into.
struct Db {
  TestDatabase database;
  pg::Connection conn;

  Db() : conn(Open(database.url())) {
    REQUIRE(conn.Execute("INSERT INTO stacfed.catalogs (id, content) VALUES"
                         " ('esgf', '{}'), ('copernicus', '{}'), ('dkrz', '{}'), ('synthetic', '{}')")
                .ok());
  }
  static pg::Connection Open(const std::string& url) {
    auto conn = pg::Connection::Open(url);
    REQUIRE(conn.ok());
    return std::move(*conn);
  }
  std::string Scalar(const std::string& sql) {
    auto result = conn.Query(sql);
    INFO(sql);
    REQUIRE(result.ok());
    return std::string(result->Scalar());
  }
  int64_t Count(const std::string& sql) { return std::stoll(Scalar(sql)); }
};

SourceSpec Source(std::string id, std::string catalog, std::string url,
                  SourceType type = SourceType::kStacApi) {
  SourceSpec source;
  source.id = std::move(id);
  source.catalog_id = std::move(catalog);
  source.url = std::move(url);
  source.type = type;
  return source;
}

HarvestSummary Run(const SourceSpec& source, Db& db) {
  RecordingClock clock;
  HarvestOptions options;
  options.database_url = db.database.url();
  options.http.read_timeout = std::chrono::milliseconds(2000);
  options.http.max_attempts = 2;
  options.http.backoff_initial = std::chrono::milliseconds(50);
  options.clock = &clock;
  HarvestSummary summary = Harvest(source, options);
  INFO(summary.ToJson());
  return summary;
}

// The summary line as cron reads it.
json::object Line(const HarvestSummary& summary) {
  return json::parse(summary.ToJson()).as_object();
}

// A member of a summary line; null when the line lacks it.
json::value Field(const json::object& line, std::string_view key) {
  const json::value* value = line.if_contains(json::string_view(key.data(), key.size()));
  return value ? *value : json::value(nullptr);
}

json::value Strings(std::vector<std::string> values) {
  json::array array;
  for (const std::string& value : values) array.emplace_back(value);
  return array;
}

// `stacfed harvest ARGS...` against `db`: the exit status and the JSON line it printed.
struct CliRun {
  int exit_status = -1;
  json::object line;
};

CliRun Cli(Db& db, const std::vector<std::string>& args) {
  char pattern[] = "/tmp/stacfed-harvest-report-XXXXXX";
  const int fd = mkstemp(pattern);
  REQUIRE(fd >= 0);
  close(fd);
  std::vector<std::string> command{"harvest", "--quiet"};
  command.insert(command.end(), args.begin(), args.end());
  CliRun run;
  run.exit_status = testing::WaitForExit(testing::SpawnStacfed(command, db.database.url(), pattern));
  std::ifstream output(pattern);
  std::string text, line;
  while (std::getline(output, line)) {
    if (!line.empty()) text = line;
  }
  std::remove(pattern);
  INFO(text);
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  REQUIRE_FALSE(ec);
  run.line = parsed.as_object();
  return run;
}

// ---- defect 1: silent drops by configuration ----------------------------------------------

TEST_CASE("include_collections in another case than the upstream's ids still harvest them",
          "[crawler][harvest][issue17]") {
  Db db;
  // The ids of the shipped example before this fix, against ESGF West as its collection
  // documents spell them (CMIP6): the run used to end "ok" with 0 collections.
  SourceSpec source = Source("esgf-west", "esgf", Upstream().Url("/esgf-west-canonical/"));
  source.include_collections = {"cmip6", "cmip7", "cordex-cmip6"};
  const json::object line = Line(Run(source, db));
  CHECK(Field(line, "collections") == 1);
  CHECK(Field(line, "items") == 2);
  CHECK(Field(line, "errors") == 0);
  CHECK(db.Count("SELECT count(*) FROM stacfed.items WHERE collection = 'CMIP6'") == 2);
  // What the upstream does not have is named, and the run is not "ok".
  CHECK(Field(line, "missing") == Strings({"cmip7", "cordex-cmip6"}));
  CHECK(Field(line, "status") == "partial");
}

TEST_CASE("lists that match the upstream ignoring case leave nothing missing", "[crawler][harvest][issue17]") {
  Db db;
  // ESGF West as it advertises its ids today (cmip6, cmip6plus), configured in the
  // canonical case; the exclude list is matched the same way.
  SourceSpec source = Source("esgf-west", "esgf", Upstream().Url("/esgf-west/"));
  source.exclude_collections = {"CMIP6Plus"};
  json::object line = Line(Run(source, db));
  CHECK(Field(line, "collections") == 1);
  CHECK(Field(line, "status") == "ok");
  CHECK(Field(line, "missing") == json::value(json::array{}));
  CHECK(db.Scalar("SELECT string_agg(id, ',') FROM stacfed.collections") == "cmip6");

  Db other;
  source.exclude_collections.clear();
  source.include_collections = {"CMIP6", "CMIP6PLUS"};
  line = Line(Run(source, other));
  CHECK(Field(line, "collections") == 2);
  CHECK(Field(line, "status") == "ok");
  CHECK(Field(line, "missing") == json::value(json::array{}));
}

TEST_CASE("stacfed harvest exits non-zero and lists the configured collections it did not find",
          "[crawler][harvest][cli][issue17]") {
  Db db;
  const CliRun run = Cli(db, {"--url", Upstream().Url("/esgf-west/"), "--type", "stac-api", "--into",
                              "esgf", "--include", "CMIP6,CMIP7"});
  CHECK(run.exit_status == 1);
  CHECK(Field(run.line, "status") == "partial");
  CHECK(Field(run.line, "collections") == 1);
  CHECK(Field(run.line, "missing") == Strings({"CMIP7"}));
  const json::value sources = Field(run.line, "sources");
  REQUIRE(sources.is_array());
  CHECK(Field(sources.as_array().at(0).as_object(), "missing") == Strings({"CMIP7"}));
}

// The collection ids a saved provider document offers, when ../shared/fixtures/upstream is
// there (nothing is copied from it).
std::optional<std::set<std::string>> SavedProviderIds(const std::string& file) {
  auto root = ProjectRoot();
  if (!root.ok()) return std::nullopt;
  const fs::path path = *root / ".." / "shared" / "fixtures" / "upstream" / file;
  if (!fs::exists(path)) return std::nullopt;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const json::object document = json::parse(text.str()).as_object();
  std::set<std::string> ids;
  if (const json::value* list = document.if_contains("collections")) {
    for (const json::value& collection : list->as_array()) {
      ids.emplace(collection.at("id").as_string());
    }
  } else {
    ids.emplace(document.at("id").as_string());
  }
  return ids;
}

bool NamesExactly(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

TEST_CASE("the shipped federation example validates and names the providers' real collection ids",
          "[crawler][deploy][issue17]") {
  auto root = ProjectRoot();
  REQUIRE(root.ok());
  const fs::path example = *root / "deploy" / "federation.example.json";
  const pid_t validate = testing::SpawnStacfed({"federation", "validate", example.string()}, "");
  CHECK(testing::WaitForExit(validate) == 0);
  auto federation = federation::LoadFederationFile(example);
  REQUIRE(federation.ok());
  auto included = [&](const std::string& catalog) {
    const federation::Catalog* found = federation->FindCatalog(catalog);
    REQUIRE(found != nullptr);
    REQUIRE(found->harvest.has_value());
    return found->harvest->include_collections;
  };
  // ESGF's ids as East, West's collection documents and West's items spell them.
  const std::set<std::string> esgf{"CMIP6", "CMIP6Plus", "CMIP7", "CORDEX-CMIP6", "obs4REF"};
  for (const std::string& id : included("esgf-west")) CHECK(esgf.count(id) == 1);
  for (const std::string& id : included("esgf-east")) CHECK(esgf.count(id) == 1);
  // Against the saved provider documents, where they are at hand.
  if (auto west = SavedProviderIds("esgf/esgf_west_collection_CMIP6_data-challenge-02.json")) {
    for (const std::string& id : *west) CHECK(NamesExactly(included("esgf-west"), id));
  } else {
    WARN("../shared/fixtures/upstream not found: ids not compared with the providers' documents");
  }
  if (auto cdse = SavedProviderIds("copernicus/cdse_stac_v1_collections.json")) {
    for (const std::string& id : included("cdse")) CHECK(cdse->count(id) == 1);
  }
}

// ---- defect 7: summaries and statuses ------------------------------------------------------

TEST_CASE("the summary line of stacfed harvest sums not_modified and incremental_walks",
          "[crawler][harvest][cli][issue17]") {
  Db db;
  const std::vector<std::string> eerie{"--url", Upstream().Url("/eerie/catalog.json"), "--type", "static",
                                       "--into", "dkrz"};
  REQUIRE(Cli(db, eerie).exit_status == 0);
  const CliRun again = Cli(db, eerie);  // the item documents answer 304
  CHECK(again.exit_status == 0);
  CHECK(Field(again.line, "sources").as_array().at(0).as_object().at("not_modified") == 2);
  CHECK(Field(again.line, "not_modified") == 2);

  const std::vector<std::string> api{"--url", Upstream().Url("/gen/c=1,n=30/"), "--type", "stac-api",
                                     "--into", "synthetic"};
  REQUIRE(Cli(db, api).exit_status == 0);
  const CliRun incremental = Cli(db, api);  // within 24 h of the full walk
  CHECK(incremental.exit_status == 0);
  CHECK(Field(incremental.line, "sources").as_array().at(0).as_object().at("incremental_walks") == 1);
  CHECK(Field(incremental.line, "incremental_walks") == 1);
}

TEST_CASE("an API without items endpoints ends ok, its collections harvested without items",
          "[crawler][harvest][issue17]") {
  Db db;
  const SourceSpec source = Source("cads", "copernicus", Upstream().Url("/cads/"));
  const json::object line = Line(Run(source, db));
  CHECK(Field(line, "status") == "ok");
  CHECK(Field(line, "errors") == 0);
  CHECK(Field(line, "collections") == 2);
  CHECK(Field(line, "collections_without_items") == 2);
  CHECK(db.Count("SELECT count(*) FROM stacfed.collections") == 2);
  CHECK(db.Count("SELECT count(*) FROM stacfed.items") == 0);
  CHECK(db.Count("SELECT count(*) FROM stacfed.catalog_links WHERE parent_id = 'copernicus'") == 2);

  const CliRun run = Cli(db, {"--url", Upstream().Url("/cads/"), "--type", "stac-api", "--into", "copernicus"});
  CHECK(run.exit_status == 0);
  CHECK(Field(run.line, "status") == "ok");
  CHECK(Field(run.line, "collections_without_items") == 2);
}

TEST_CASE("an incremental walk searches by the method the landing page declares", "[crawler][harvest][issue17]") {
  Db db;
  // Search declared by POST only; GET /search answers 405.
  const SourceSpec source = Source("post-only", "synthetic", Upstream().Url("/gen/c=2,n=250,p=100,postonly=1/"));
  REQUIRE(Line(Run(source, db)).at("added") == 500);
  const json::object line = Line(Run(source, db));
  CHECK(Field(line, "status") == "ok");
  CHECK(Field(line, "errors") == 0);
  CHECK(Field(line, "incremental_walks") == 2);
  CHECK(Field(line, "items") == 16);  // POST {"datetime": "2020-01-28T00:00:00Z/.."}: 8 a collection
  CHECK(Field(line, "unchanged") == 16);
  CHECK(db.Count("SELECT count(*) FROM stacfed.withdrawn_items") == 0);
}

TEST_CASE("a refused incremental request is answered by a full walk, and the summary says so",
          "[crawler][harvest][issue17]") {
  Db db;
  // Item search declared, but datetime (like sortby and filter) answered with HTTP 400.
  const SourceSpec source = Source("refusing", "synthetic", Upstream().Url("/gen/c=2,n=250,p=100,refuse=1/"));
  REQUIRE(Line(Run(source, db)).at("added") == 500);
  const json::object line = Line(Run(source, db));
  CHECK(Field(line, "status") == "ok");
  CHECK(Field(line, "errors") == 0);
  CHECK(Field(line, "incremental_walks") == 0);
  CHECK(Field(line, "incremental_fallbacks") == 2);
  CHECK(Field(line, "items") == 500);
  CHECK(Field(line, "unchanged") == 500);
  // Full walks: complete, so nothing was left behind or withdrawn, and the checkpoints say so.
  CHECK(db.Count("SELECT count(*) FROM stacfed.withdrawn_items") == 0);
  CHECK(db.Count("SELECT count(*) FROM stacfed.harvest_checkpoints WHERE next_request IS NULL"
                 " AND completed_at > now() - interval '1 minute'") == 2);
}

TEST_CASE("a source's root document keeps its own id, title and description", "[crawler][harvest][issue17]") {
  Db db;
  const SourceSpec source =
      Source("eerie", "dkrz", Upstream().Url("/eerie-root/catalog.json"), SourceType::kStatic);
  REQUIRE(Field(Line(Run(source, db)), "status") == "ok");
  auto root = [&](const std::string& source_id, const std::string& member) {
    return db.Scalar("SELECT coalesce(upstream_root->>'" + member + "', '<none>')"
                     " FROM stacfed.harvest_sources WHERE source_id = '" + source_id + "'");
  };
  CHECK(root("eerie", "id") == "EERIE-static");
  CHECK(root("eerie", "title") == "EERIE Experiment collections for data at DKRZ");
  CHECK(root("eerie", "description").rfind("Static collections of EERIE production output", 0) == 0);
  CHECK(root("eerie", "links") == "<none>");
  // The catalog harvested into keeps what the federation file says of it.
  CHECK(db.Scalar("SELECT content::text FROM stacfed.catalogs WHERE id = 'dkrz'") == "{}");
  // An API's landing page is its root.
  REQUIRE(Field(Line(Run(Source("cads", "copernicus", Upstream().Url("/cads/")), db)), "status") == "ok");
  CHECK(root("cads", "id") == "cds-stac-api");
  CHECK(root("cads", "title") == "Climate Data Store-shaped catalogue");
}

TEST_CASE("collection extents with latitudes outside -90..90 are repaired and recorded, or quarantined",
          "[crawler][harvest][issue17]") {
  Db db;
  const json::object line = Line(Run(Source("cads-extents", "copernicus", Upstream().Url("/cads-extents/")), db));
  auto box = [&](const std::string& id) {  // the first box, as numbers
    return db.Scalar("SELECT string_agg(v::float8::text, ',' ORDER BY n) FROM stacfed.collections,"
                     " jsonb_array_elements_text(content->'extent'->'spatial'->'bbox'->0)"
                     " WITH ORDINALITY AS b(v, n) WHERE id = '" + id + "'");
  };
  // [-90, 0, 90, 360] is [south, west, north, east]: swapped, then the 0..360 band.
  CHECK(box("latitude-first") == "-180,-90,180,90");
  // A north edge of 360 is clipped to the pole.
  CHECK(box("north-beyond-pole") == "-180,-90,180,90");
  auto changes = [&](const std::string& id) {
    return db.Scalar("SELECT coalesce((SELECT changes::text FROM stacfed.harvest_normalisations"
                     " WHERE collection_id = '" + id + "' AND item_id = ''), '<none>')");
  };
  CHECK(changes("latitude-first").find("latitude and longitude swapped") != std::string::npos);
  CHECK(changes("latitude-first").find("0..360 longitudes") != std::string::npos);
  CHECK(changes("north-beyond-pole").find("latitudes clipped to -90..90") != std::string::npos);
  // A box wholly beyond the pole means nothing: the collection is quarantined.
  CHECK(db.Count("SELECT count(*) FROM stacfed.collections WHERE id = 'beyond-the-pole'") == 0);
  CHECK(db.Count("SELECT count(*) FROM stacfed.quarantine WHERE document::json->>'id' = 'beyond-the-pole'"
                 " AND reason LIKE 'collection: extent.spatial.bbox %latitudes outside -90..90'") == 1);
  CHECK(Field(line, "quarantined") == 1);
  CHECK(Field(line, "collections") == 2);
}

}  // namespace
}  // namespace stacfed::crawler

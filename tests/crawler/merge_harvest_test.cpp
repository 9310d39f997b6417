// Several sources of one collection through real harvests into a throwaway PostgreSQL
// (issue 17, defect 6; crawler/README.md, "Several sources of one collection"). Each source
// is a static catalog in ESGF's shape written by the test into a temporary folder (file://),
// so that one test can change what a source lists between runs: East and West publishing the
// same CMIP6 dataset at different data nodes, one of them dropping it, a new version, a
// retraction, priorities, and namesakes mapped to their own local ids.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "crawler/harvest.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/federation/federation.hpp"
#include "libstac/pg/connection.hpp"
#include "tests/support/test_database.hpp"

namespace stacfed::crawler {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::TestDatabase;

constexpr char kFederation[] = R"({
  "stacfed_federation": "1.4",
  "sites": {
    "ceda": {"name": "CEDA", "country": "GB", "kind": "datacentre", "hosts": [".ceda.ac.uk"]},
    "dkrz": {"name": "DKRZ", "country": "DE", "kind": "hpc", "hosts": [".dkrz.de"]}
  },
  "catalogs": [
    {"id": "east", "description": "d", "sites": ["ceda"]},
    {"id": "west", "description": "d", "sites": ["dkrz"]}
  ]
})";

// The data node each source's items name (East indexes the CEDA replica, West DKRZ's).
std::string NodeOf(const std::string& source) {
  return source == "east" ? "esgf.ceda.ac.uk" : "esgf-data.dkrz.de";
}

struct Dataset {
  std::string base_id = "CMIP6.ScenarioMIP.MPI-M.MPI-ESM1-2-LR.ssp245.r1i1p1f1.Amon.tas.gn";
  std::string version = "20190710";
  bool latest = true;
  bool retracted = false;
  std::string id() const { return StrCat(base_id, ".v", version); }
};

// An item as ESGF-NG publishes it: one asset per file, at the source's data node.
json::object EsgfItem(const Dataset& dataset, const std::string& source,
                      const std::string& title) {
  const std::string node = NodeOf(source);
  json::object assets;
  if (!dataset.retracted) {
    assets["tas.nc"] = json::object{
        {"href", StrCat("https://", node, "/thredds/fileServer/CMIP6/", dataset.id(), "/tas.nc")},
        {"type", "application/netcdf"},
        {"roles", json::array{"data"}},
        {"alternate:name", node},
        {"node", node},
        {"protocol", "https"},
        {"file:checksum", "1220aa"}};
  }
  return json::object{
      {"type", "Feature"},
      {"stac_version", "1.1.0"},
      {"id", dataset.id()},
      {"collection", "CMIP6"},
      {"geometry", json::object{{"type", "Polygon"},
                                {"coordinates", json::parse("[[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]")}}},
      {"bbox", json::array{-180, -90, 180, 90}},
      {"properties", json::object{{"datetime", nullptr},
                                  {"start_datetime", "2015-01-16T12:00:00Z"},
                                  {"end_datetime", "2100-12-16T12:00:00Z"},
                                  {"title", title},
                                  {"base_id", dataset.base_id},
                                  {"version", dataset.version},
                                  {"latest", dataset.retracted ? false : dataset.latest},
                                  {"retracted", dataset.retracted},
                                  {"cmip6:variable_id", "tas"}}},
      {"links", json::array{}},
      {"assets", std::move(assets)}};
}

json::object Collection(const std::string& id, const std::string& title, json::array bbox,
                        json::array interval) {
  return json::object{
      {"type", "Collection"},
      {"stac_version", "1.1.0"},
      {"id", id},
      {"title", title},
      {"description", "CMIP6 as one ESGF index publishes it"},
      {"license", "CC-BY-4.0"},
      {"extent", json::object{{"spatial", json::object{{"bbox", json::array{std::move(bbox)}}}},
                              {"temporal", json::object{{"interval", json::array{std::move(interval)}}}}}},
      {"links", json::array{}}};
}

void Write(const fs::path& path, const json::value& document) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << json::serialize(document);
}

// One source: a static catalog with one collection and its items, rewritten on every call.
class StaticSource {
 public:
  StaticSource(const fs::path& root, std::string id) : dir_(root / id), id_(std::move(id)) {}

  void Publish(json::object collection, const std::vector<json::object>& items) {
    fs::remove_all(dir_);
    const std::string collection_id(collection.at("id").as_string());
    json::array links{json::object{{"rel", "root"}, {"href", "../catalog.json"}, {"type", "application/json"}}};
    for (const json::object& item : items) {
      const std::string file = StrCat(std::string(item.at("id").as_string()), ".json");
      links.push_back(json::object{{"rel", "item"}, {"href", StrCat("./", file)}, {"type", "application/geo+json"}});
      Write(dir_ / collection_id / file, item);
    }
    collection["links"] = std::move(links);
    Write(dir_ / collection_id / "collection.json", collection);
    json::object child{{"rel", "child"},
                       {"href", StrCat("./", collection_id, "/collection.json")},
                       {"type", "application/json"}};
    Write(dir_ / "catalog.json",
          json::object{{"type", "Catalog"}, {"stac_version", "1.1.0"}, {"id", id_}, {"description", "d"},
                       {"links", json::array{std::move(child)}}});
  }

  SourceSpec Spec(int position) const {
    auto federation = federation::ParseFederation(kFederation);
    REQUIRE(federation.ok());
    SourceSpec spec;
    spec.id = id_;
    spec.catalog_id = id_ == "east" || id_ == "west" ? id_ : "east";
    spec.url = "file://" + (dir_ / "catalog.json").string();
    spec.type = SourceType::kStatic;
    spec.position = position;
    spec.sites = SiteRegistry::ForCatalog(*federation, spec.catalog_id);
    return spec;
  }

 private:
  fs::path dir_;
  std::string id_;
};

struct Fixture {
  TestDatabase database;
  pg::Connection conn;
  fs::path root;
  StaticSource east, west;

  Fixture()
      : conn(Open(database.url())),
        root(fs::temp_directory_path() / StrCat("stacfed-merge-", getpid(), "-", Counter()++)),
        east(root, "east"),
        west(root, "west") {
    REQUIRE(conn.Execute("INSERT INTO stacfed.catalogs (id, content) VALUES ('east', '{}'), ('west', '{}')").ok());
  }
  ~Fixture() { fs::remove_all(root); }

  static int& Counter() {
    static int counter = 0;
    return counter;
  }
  static pg::Connection Open(const std::string& url) {
    auto conn = pg::Connection::Open(url);
    REQUIRE(conn.ok());
    return std::move(*conn);
  }
  HarvestSummary Run(const SourceSpec& source) {
    HarvestOptions options;
    options.database_url = database.url();
    HarvestSummary summary = Harvest(source, options);
    INFO(summary.ToJson());
    REQUIRE_FALSE(summary.failed);
    return summary;
  }
  std::string Scalar(const std::string& sql) {
    auto result = conn.Query(sql);
    INFO(sql);
    INFO((result.ok() ? std::string() : std::string(result.status().message())));
    REQUIRE(result.ok());
    REQUIRE(result->Rows() == 1);
    return std::string(result->Scalar());
  }
  int64_t Count(const std::string& sql) { return std::stoll(Scalar(sql)); }
  // The item as served (content without the links the server writes).
  json::object Item(const std::string& id) {
    return json::parse(Scalar(StrCat("SELECT content::text FROM stacfed.items WHERE id = '", id, "'"))).as_object();
  }
};

json::object CMIP6(const std::string& title) {
  return Collection("CMIP6", title, json::array{-180, -90, 180, 90},
                    json::array{"1850-01-01T00:00:00Z", "2100-12-31T00:00:00Z"});
}

const json::object& TheAsset(const json::object& item) {
  return item.at("assets").as_object().at("tas.nc").as_object();
}

std::string Str(const json::value& value) { return std::string(value.as_string()); }

TEST_CASE("East and West harvesting one CMIP6 item make one item with both sites' copies and provenance",
          "[crawler][harvest][merge]") {
  Fixture f;
  const Dataset shared, only_east{.base_id = "CMIP6.CMIP.A.B.historical.r1i1p1f1.Amon.pr.gn"},
      only_west{.base_id = "CMIP6.CMIP.A.B.piControl.r1i1p1f1.Amon.ps.gn"};
  f.east.Publish(CMIP6("CMIP6 at East"), {EsgfItem(shared, "east", "as East says"), EsgfItem(only_east, "east", "e")});
  f.west.Publish(CMIP6("CMIP6 at West"), {EsgfItem(shared, "west", "as West says"), EsgfItem(only_west, "west", "w")});
  f.Run(f.east.Spec(0));
  const HarvestSummary west = f.Run(f.west.Spec(1));
  CHECK(west.sink.withdrawn == 0);

  CHECK(f.Count("SELECT count(*) FROM stacfed.items") == 3);
  const json::object item = f.Item(shared.id());
  const json::object& properties = item.at("properties").as_object();
  // The document is East's (first in the federation file), its provenance says so.
  CHECK(Str(properties.at("title")) == "as East says");
  CHECK(json::serialize(properties.at("stacfed:sources")) == R"(["east","west"])");
  CHECK(json::serialize(properties.at("site:locations")) == R"(["ceda","dkrz"])");
  CHECK(Str(properties.at("access:online_status")) == "online");
  const json::object& asset = TheAsset(item);
  CHECK(Str(asset.at("href")).find(NodeOf("east")) != std::string::npos);
  CHECK(Str(asset.at("stacfed:source")) == "east");
  CHECK(Str(asset.at("site:ref")) == "ceda");
  const json::object& alternates = asset.at("alternate").as_object();
  REQUIRE(alternates.size() == 1);
  const json::object& west_copy = alternates.begin()->value().as_object();
  CHECK(std::string(alternates.begin()->key()) == "dkrz");  // per-site alternate
  CHECK(Str(west_copy.at("href")).find(NodeOf("west")) != std::string::npos);
  CHECK(Str(west_copy.at("stacfed:source")) == "west");
  CHECK(Str(west_copy.at("site:ref")) == "dkrz");
  // Each source's own version is kept as it said it.
  CHECK(f.Count(StrCat("SELECT count(*) FROM stacfed.item_sources WHERE item_id = '", shared.id(),
                       "' AND content IS NOT NULL")) == 2);
  CHECK(f.Scalar(StrCat("SELECT content::json->'properties'->>'title' FROM stacfed.item_sources"
                        " WHERE item_id = '", shared.id(), "' AND source_id = 'west'")) == "as West says");
  // Items of one source are that source's documents, untouched.
  CHECK_FALSE(f.Item(only_west.id()).at("properties").as_object().contains("stacfed:sources"));
  CHECK(f.Count(StrCat("SELECT count(*) FROM stacfed.item_sources WHERE item_id = '", only_west.id(),
                       "' AND source_id = 'west' AND content IS NULL")) == 1);

  SECTION("harvesting either again writes nothing") {
    const HarvestSummary again_east = f.Run(f.east.Spec(0));
    const HarvestSummary again_west = f.Run(f.west.Spec(1));
    CHECK(again_east.sink.added + again_east.sink.updated == 0);
    CHECK(again_west.sink.added + again_west.sink.updated == 0);
  }
  SECTION("a source with a higher priority has its document served") {
    SourceSpec preferred = f.west.Spec(1);
    preferred.priority = 1;
    f.Run(preferred);
    const json::object now = f.Item(shared.id());
    CHECK(Str(now.at("properties").at("title")) == "as West says");
    CHECK(json::serialize(now.at("properties").at("stacfed:sources")) == R"(["west","east"])");
    CHECK(Str(TheAsset(now).at("site:ref")) == "dkrz");
    CHECK(Str(TheAsset(now).at("alternate").at("ceda").at("stacfed:source")) == "east");
  }
}

TEST_CASE("one source dropping an item leaves it served by the other; the last one withdraws it",
          "[crawler][harvest][merge]") {
  Fixture f;
  const Dataset shared, other{.base_id = "CMIP6.CMIP.A.B.historical.r1i1p1f1.Amon.pr.gn"};
  const json::object east_version = EsgfItem(shared, "east", "as East says");
  f.east.Publish(CMIP6("East"), {east_version, EsgfItem(other, "east", "e")});
  f.west.Publish(CMIP6("West"), {EsgfItem(shared, "west", "as West says"), EsgfItem(other, "west", "w")});
  f.Run(f.east.Spec(0));
  f.Run(f.west.Spec(1));
  REQUIRE(f.Item(shared.id()).at("properties").as_object().contains("stacfed:sources"));

  // East no longer lists it: West's version alone is served, as West has it.
  f.east.Publish(CMIP6("East"), {EsgfItem(other, "east", "e")});
  const HarvestSummary east = f.Run(f.east.Spec(0));
  CHECK(east.sink.withdrawn == 0);
  const json::object served = f.Item(shared.id());
  CHECK(Str(served.at("properties").at("title")) == "as West says");
  CHECK_FALSE(served.at("properties").as_object().contains("stacfed:sources"));
  CHECK_FALSE(TheAsset(served).contains("alternate"));
  CHECK(f.Count("SELECT count(*) FROM stacfed.withdrawn_items") == 0);
  CHECK(f.Scalar(StrCat("SELECT string_agg(source_id || ':' || (content IS NULL)::text, ',')"
                        " FROM stacfed.item_sources WHERE item_id = '", shared.id(), "'")) == "west:true");

  // West drops it too: now it is withdrawn.
  f.west.Publish(CMIP6("West"), {EsgfItem(other, "west", "w")});
  const HarvestSummary west = f.Run(f.west.Spec(1));
  CHECK(west.sink.withdrawn == 1);
  CHECK(f.Count(StrCat("SELECT count(*) FROM stacfed.items WHERE id = '", shared.id(), "'")) == 0);
  CHECK(f.Scalar(StrCat("SELECT reason || ':' || source_id FROM stacfed.withdrawn_items WHERE item_id = '",
                        shared.id(), "'")) == "gone:west");

  // East lists it again: it comes back as East's.
  f.east.Publish(CMIP6("East"), {east_version, EsgfItem(other, "east", "e")});
  f.Run(f.east.Spec(0));
  CHECK(Str(f.Item(shared.id()).at("properties").at("title")) == "as East says");
  CHECK(f.Count("SELECT count(*) FROM stacfed.withdrawn_items") == 0);
}

TEST_CASE("a new version and a retraction apply across sources", "[crawler][harvest][merge]") {
  Fixture f;
  Dataset v1;
  Dataset v2 = v1;
  v2.version = "20200101";
  f.east.Publish(CMIP6("East"), {EsgfItem(v1, "east", "v1")});
  f.west.Publish(CMIP6("West"), {EsgfItem(v1, "west", "v1")});
  f.Run(f.east.Spec(0));
  f.Run(f.west.Spec(1));

  // East publishes v2; v1 is no longer the latest there. West (a replica) still says it is.
  Dataset v1_old = v1;
  v1_old.latest = false;
  f.east.Publish(CMIP6("East"), {EsgfItem(v1_old, "east", "v1"), EsgfItem(v2, "east", "v2")});
  f.Run(f.east.Spec(0));
  f.west.Publish(CMIP6("West"), {EsgfItem(v1, "west", "v1"), EsgfItem(v2, "west", "v2")});
  f.Run(f.west.Spec(1));
  CHECK(f.Item(v1.id()).at("properties").at("latest").as_bool() == false);
  CHECK(f.Item(v2.id()).at("properties").at("latest").as_bool() == true);
  CHECK(f.Scalar(StrCat("SELECT reason FROM stacfed.withdrawn_items WHERE item_id = '", v1.id(), "'")) ==
        "superseded");
  CHECK(f.Count(StrCat("SELECT count(*) FROM stacfed.withdrawn_items WHERE item_id = '", v2.id(), "'")) == 0);
  // Both versions stay served.
  CHECK(f.Count("SELECT count(*) FROM stacfed.items") == 2);

  // The publisher retracts v2 (ESGF-NG: retracted, not latest, no assets); West still has
  // its copy. The retraction wins: no copy of retracted data is offered.
  Dataset v2_retracted = v2;
  v2_retracted.retracted = true;
  f.east.Publish(CMIP6("East"), {EsgfItem(v1_old, "east", "v1"), EsgfItem(v2_retracted, "east", "v2")});
  f.Run(f.east.Spec(0));
  const json::object retracted = f.Item(v2.id());
  CHECK(retracted.at("properties").at("retracted").as_bool() == true);
  CHECK(retracted.at("properties").at("latest").as_bool() == false);
  CHECK(retracted.at("assets").as_object().empty());
  CHECK(f.Scalar(StrCat("SELECT reason FROM stacfed.withdrawn_items WHERE item_id = '", v2.id(), "'")) ==
        "retracted");
  // West's run keeps it so.
  f.Run(f.west.Spec(1));
  CHECK(f.Item(v2.id()).at("assets").as_object().empty());
  CHECK(f.Count("SELECT count(*) FROM stacfed.items") == 2);
}

TEST_CASE("the collection is the first source's document with extents covering every source's",
          "[crawler][harvest][merge]") {
  Fixture f;
  f.east.Publish(Collection("CMIP6", "CMIP6 at East", json::array{-10, -10, 10, 10},
                            json::array{"2000-01-01T00:00:00Z", "2010-01-01T00:00:00Z"}),
                 {EsgfItem(Dataset{}, "east", "e")});
  f.west.Publish(Collection("CMIP6", "CMIP6 at West", json::array{0, 0, 20, 20},
                            json::array{"2005-01-01T00:00:00Z", nullptr}),
                 {EsgfItem(Dataset{}, "west", "w")});
  f.Run(f.east.Spec(0));
  f.Run(f.west.Spec(1));
  const json::object collection =
      json::parse(f.Scalar("SELECT content::text FROM stacfed.collections WHERE id = 'CMIP6'")).as_object();
  CHECK(Str(collection.at("title")) == "CMIP6 at East");
  CHECK(collection.at("extent").at("spatial").at("bbox").at(0) == json::parse("[-10,-10,20,20]"));
  CHECK(collection.at("extent").at("temporal").at("interval").at(0) ==
        json::parse(R"(["2000-01-01T00:00:00Z", null])"));
  CHECK(json::serialize(collection.at("stacfed:sources")) == R"(["east","west"])");
  CHECK(f.Count("SELECT count(*) FROM stacfed.collection_sources WHERE collection_id = 'CMIP6'") == 2);
  // Harvesting East again keeps the merge (its own version alone would shrink the extent).
  f.Run(f.east.Spec(0));
  CHECK(json::parse(f.Scalar("SELECT content::text FROM stacfed.collections WHERE id = 'CMIP6'"))
            .at("extent").at("spatial").at("bbox").at(0) == json::parse("[-10,-10,20,20]"));
}

TEST_CASE("an unrelated namesake is mapped to its own local id", "[crawler][harvest][merge]") {
  Fixture f;
  // Two providers' sentinel-2-l2a: the same id, unrelated collections (and an item id in both).
  json::object cdse_item = EsgfItem(Dataset{}, "east", "cdse");
  json::object pc_item = EsgfItem(Dataset{}, "west", "pc");
  cdse_item["collection"] = "sentinel-2-l2a";
  pc_item["collection"] = "sentinel-2-l2a";
  const json::array world{-180, -90, 180, 90};
  const json::array time{"2015-06-23T00:00:00Z", nullptr};
  f.east.Publish(Collection("sentinel-2-l2a", "CDSE", world, time), {cdse_item});
  f.west.Publish(Collection("sentinel-2-l2a", "Planetary Computer", world, time), {pc_item});
  f.Run(f.east.Spec(0));
  SourceSpec pc = f.west.Spec(1);
  SECTION("by prefix") { pc.collection_prefix = "pc-"; }
  SECTION("by an explicit map, ignoring case") { pc.collection_ids = {{"Sentinel-2-L2A", "pc-sentinel-2-l2a"}}; }
  const HarvestSummary summary = f.Run(pc);
  CHECK(summary.sink.withdrawn == 0);
  CHECK(f.Scalar("SELECT content->>'title' FROM stacfed.collections WHERE id = 'sentinel-2-l2a'") == "CDSE");
  CHECK(f.Scalar("SELECT content->>'title' FROM stacfed.collections WHERE id = 'pc-sentinel-2-l2a'") ==
        "Planetary Computer");
  CHECK(f.Scalar("SELECT content::json->'properties'->>'title' FROM stacfed.items WHERE collection = 'sentinel-2-l2a'") == "cdse");
  CHECK(f.Scalar("SELECT content::json->>'collection' FROM stacfed.items WHERE collection = 'pc-sentinel-2-l2a'") ==
        "pc-sentinel-2-l2a");
  // Nothing merged, and the mapping is a recorded change.
  CHECK(f.Count("SELECT count(*) FROM stacfed.item_sources WHERE content IS NOT NULL") == 0);
  CHECK(f.Count("SELECT count(*) FROM stacfed.harvest_normalisations WHERE collection_id = 'pc-sentinel-2-l2a'"
                " AND item_id = '' AND changes::text LIKE '%the local id the federation file gives%'") == 1);
  CHECK(f.Count("SELECT count(*) FROM stacfed.harvest_normalisations WHERE collection_id = 'pc-sentinel-2-l2a'"
                " AND item_id <> '' AND changes::text LIKE '%the local id the federation file gives%'") == 1);
  CHECK(f.Count("SELECT count(*) FROM stacfed.catalog_links WHERE parent_id = 'west'"
                " AND child_id = 'pc-sentinel-2-l2a'") == 1);
}

}  // namespace
}  // namespace stacfed::crawler

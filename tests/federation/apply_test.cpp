// `federation apply` against a real database: idempotency, removal, the closure over a DAG,
// links the crawler added, and that collections and items are never deleted.

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "libstac/federation/apply.hpp"
#include "libstac/federation/federation.hpp"
#include "libstac/ingest/staged_item.hpp"
#include "libstac/pg/connection.hpp"
#include "tests/support/test_database.hpp"

namespace fed = stacfed::federation;
using stacfed::pg::Connection;

namespace {

// Sites, a DAG with a catalog under two parents (km-scale and dkrz both hold eerie) and a
// collection under two parents (cmip6 and esgf-east both hold CMIP6), and a collection that is
// not loaded yet (CORDEX-CMIP6).
constexpr char kFederation[] = R"({
  "stacfed_federation": "1.0",
  "sites": {
    "dkrz": {"name": "DKRZ", "country": "DE", "kind": "hpc"},
    "ceda": {"name": "CEDA", "country": "GB", "kind": "datacentre"}
  },
  "catalogs": [
    {"id": "dkrz", "title": "DKRZ", "description": "German Climate Computing Center", "sites": ["dkrz"],
     "characterisation": {"institution": {"name": "DKRZ", "country": "DEU"}, "api_type": ["REST", "OpenDAP"]},
     "children": [{"catalog": "eerie"}]},
    {"id": "eerie", "title": "EERIE", "description": "Eddy-rich simulations", "sites": ["dkrz"],
     "children": [{"collection": "eerie-hist"}]},
    {"id": "km-scale", "description": "Km-scale runs", "children": [{"catalog": "eerie"}]},
    {"id": "esgf", "title": "ESGF", "description": "Earth System Grid Federation",
     "characterisation": {"institution": {"name": "ESGF", "country": "AAA"}, "api_type": ["REST"]},
     "children": [{"catalog": "esgf-east"}]},
    {"id": "esgf-east", "title": "ESGF East", "description": "CEDA", "sites": ["ceda"],
     "characterisation": {"institution": {"name": "CEDA", "country": "GBR"}, "certificates": ["CoreTrustSeal"]},
     "children": [{"collection": "CMIP6"}, {"collection": "CORDEX-CMIP6"}],
     "harvest": {"url": "https://api.stac.esgf.ceda.ac.uk", "type": "stac-api"}},
    {"id": "cmip6", "description": "CMIP6 everywhere", "children": [{"collection": "CMIP6"}]}
  ]
})";

fed::Federation Parse(std::string_view json) {
  auto federation = fed::ParseFederation(json);
  INFO((federation.ok() ? "" : std::string(federation.status().message())));
  REQUIRE(federation.ok());
  return *std::move(federation);
}

// The same federation without one catalog (and every child entry that names it).
fed::Federation Without(fed::Federation federation, std::string_view id) {
  std::erase_if(federation.catalogs, [&](const fed::Catalog& c) { return c.id == id; });
  for (fed::Catalog& catalog : federation.catalogs) {
    std::erase_if(catalog.children, [&](const fed::ChildRef& child) {
      return child.kind == fed::ChildKind::kCatalog && child.id == id;
    });
  }
  return federation;
}

Connection Open(const stacfed::testing::TestDatabase& db) {
  auto conn = Connection::Open(db.url());
  REQUIRE(conn.ok());
  return *std::move(conn);
}

fed::ApplyReport Apply(Connection& conn, const fed::Federation& federation) {
  auto report = fed::ApplyFederation(conn, federation);
  INFO((report.ok() ? "" : std::string(report.status().message())));
  REQUIRE(report.ok());
  return *report;
}

std::vector<std::string> Column(Connection& conn, const std::string& sql,
                                const std::vector<stacfed::pg::Param>& params = {}) {
  auto result = conn.Query(sql, params);
  INFO((result.ok() ? "" : std::string(result.status().message())));
  REQUIRE(result.ok());
  std::vector<std::string> values;
  for (int r = 0; r < result->Rows(); ++r) values.emplace_back(result->Get(r, 0));
  return values;
}

// catalog -> "collection:depth" rows of the closure.
std::map<std::string, std::set<std::string>> Closure(Connection& conn) {
  auto result = conn.Query(
      "SELECT catalog_id, collection_id || ':' || depth FROM stacfed.catalog_collections");
  REQUIRE(result.ok());
  std::map<std::string, std::set<std::string>> closure;
  for (int r = 0; r < result->Rows(); ++r) {
    closure[std::string(result->Get(r, 0))].insert(std::string(result->Get(r, 1)));
  }
  return closure;
}

void LoadCollectionWithItems(Connection& conn, const std::string& id, int items) {
  auto collection = stacfed::ingest::PrepareCollection(
      R"({"type": "Collection", "stac_version": "1.1.0", "id": ")" + id +
      R"(", "description": "test", "license": "CC-BY-4.0", "links": [],
          "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                     "temporal": {"interval": [["2000-01-01T00:00:00Z", null]]}}})");
  REQUIRE(collection.ok());
  REQUIRE(stacfed::ingest::UpsertCollection(conn, *collection).ok());
  std::vector<stacfed::ingest::StagedItem> staged;
  for (int i = 0; i < items; ++i) {
    auto item = stacfed::ingest::PrepareItem(
        R"({"type": "Feature", "stac_version": "1.1.0", "id": "item-)" + std::to_string(i) +
        R"(", "collection": ")" + id +
        R"(", "geometry": {"type": "Point", "coordinates": [10, 50]}, "links": [], "assets": {},
            "properties": {"datetime": "2020-01-0)" + std::to_string(1 + i % 9) + R"(T00:00:00Z"}})");
    INFO((item.ok() ? "" : std::string(item.status().message())));
    REQUIRE(item.ok());
    staged.push_back(*std::move(item));
  }
  REQUIRE(stacfed::ingest::WriteItemBatch(conn, staged, stacfed::ingest::WriteMode::kUpsert).ok());
}

}  // namespace

TEST_CASE("apply creates the tree and a second apply changes nothing", "[federation][db]") {
  stacfed::testing::TestDatabase db;
  Connection conn = Open(db);
  const fed::Federation federation = Parse(kFederation);

  fed::ApplyReport first = Apply(conn, federation);
  CHECK(first.sites.added == 2);
  CHECK(first.catalogs.added == 6);
  CHECK(first.links.added == 7);
  CHECK(first.catalogs.unchanged == 0);
  CHECK(first.Changed());

  fed::ApplyReport second = Apply(conn, federation);
  CHECK_FALSE(second.Changed());
  CHECK(second.sites.unchanged == 2);
  CHECK(second.catalogs.unchanged == 6);
  CHECK(second.links.unchanged == 7);
  CHECK(second.closure_rows_changed == 0);
  CHECK(Column(conn, "SELECT count(*) FROM stacfed.catalogs WHERE updated_at <> created_at") ==
        std::vector<std::string>{"0"});

  // What was stored: characterisation, countries for catalog search, harvest, sites, search text.
  CHECK(Column(conn, "SELECT characterisation->'api_type'->>1 FROM stacfed.catalogs WHERE id = 'dkrz'") ==
        std::vector<std::string>{"OpenDAP"});
  CHECK(Column(conn, "SELECT array_to_string(countries, ',') FROM stacfed.catalogs WHERE id = 'dkrz'") ==
        std::vector<std::string>{"DE,DEU"});
  CHECK(Column(conn, "SELECT id FROM stacfed.catalogs WHERE characterisation @> '{\"api_type\": [\"REST\"]}' ORDER BY id") ==
        std::vector<std::string>{"dkrz", "esgf"});
  CHECK(Column(conn, "SELECT harvest->>'url' FROM stacfed.catalogs WHERE harvest IS NOT NULL") ==
        std::vector<std::string>{"https://api.stac.esgf.ceda.ac.uk"});
  CHECK(Column(conn, "SELECT id FROM stacfed.catalogs WHERE search_text @@ to_tsquery('simple', 'coretrustseal')") ==
        std::vector<std::string>{"esgf-east"});
  CHECK(Column(conn, "SELECT content->>'type' || ' ' || (content->'stacfed:sites'->0->>'country') "
                     "FROM stacfed.catalogs WHERE id = 'esgf-east'") ==
        std::vector<std::string>{"Catalog GB"});
  CHECK(Column(conn, "SELECT id || ' ' || country || ' ' || kind FROM stacfed.sites ORDER BY position") ==
        std::vector<std::string>{"dkrz DE hpc", "ceda GB datacentre"});
}

TEST_CASE("the closure holds every collection below a catalog at its minimum depth",
          "[federation][db]") {
  stacfed::testing::TestDatabase db;
  Connection conn = Open(db);
  Apply(conn, Parse(kFederation));
  auto closure = Closure(conn);
  CHECK(closure["dkrz"] == std::set<std::string>{"eerie-hist:2"});
  CHECK(closure["km-scale"] == std::set<std::string>{"eerie-hist:2"});
  CHECK(closure["eerie"] == std::set<std::string>{"eerie-hist:1"});
  CHECK(closure["esgf"] == std::set<std::string>{"CMIP6:2", "CORDEX-CMIP6:2"});
  CHECK(closure["esgf-east"] == std::set<std::string>{"CMIP6:1", "CORDEX-CMIP6:1"});
  CHECK(closure["cmip6"] == std::set<std::string>{"CMIP6:1"});

  // Refreshing an up-to-date closure writes nothing.
  auto refreshed = fed::RefreshCatalogClosure(conn);
  REQUIRE(refreshed.ok());
  CHECK(*refreshed == 0);
}

TEST_CASE("a catalog dropped from the file is removed with its links; collections and items stay",
          "[federation][db]") {
  stacfed::testing::TestDatabase db;
  Connection conn = Open(db);
  const fed::Federation federation = Parse(kFederation);
  Apply(conn, federation);
  LoadCollectionWithItems(conn, "CMIP6", 3);

  fed::ApplyReport report = Apply(conn, Without(federation, "esgf-east"));
  CHECK(report.catalogs.removed == 1);
  // cmip6 came after esgf-east in the file: it moved up one place, which is an update.
  CHECK(report.catalogs.updated == 1);
  CHECK(report.catalogs.unchanged == 4);
  // esgf -> esgf-east, esgf-east -> CMIP6, esgf-east -> CORDEX-CMIP6
  CHECK(report.links.removed == 3);
  CHECK(Column(conn, "SELECT count(*) FROM stacfed.catalogs WHERE id = 'esgf-east'") ==
        std::vector<std::string>{"0"});
  auto closure = Closure(conn);
  CHECK(closure.count("esgf") == 0);
  CHECK(closure["cmip6"] == std::set<std::string>{"CMIP6:1"});
  CHECK(Column(conn, "SELECT count(*) FROM stacfed.items WHERE collection = 'CMIP6'") ==
        std::vector<std::string>{"3"});
  CHECK(Column(conn, "SELECT count(*) FROM stacfed.collections WHERE id = 'CMIP6'") ==
        std::vector<std::string>{"1"});

  // Putting it back restores it (added, not unchanged).
  fed::ApplyReport back = Apply(conn, federation);
  CHECK(back.catalogs.added == 1);
  CHECK(back.links.added == 3);
  CHECK(Closure(conn)["esgf"] == std::set<std::string>{"CMIP6:2", "CORDEX-CMIP6:2"});
}

TEST_CASE("an edited catalog counts as updated", "[federation][db]") {
  stacfed::testing::TestDatabase db;
  Connection conn = Open(db);
  fed::Federation federation = Parse(kFederation);
  Apply(conn, federation);
  federation.catalogs[0].title = "Deutsches Klimarechenzentrum";
  federation.catalogs[1].children.push_back({fed::ChildKind::kCollection, "eerie-future"});
  fed::ApplyReport report = Apply(conn, federation);
  CHECK(report.catalogs.updated == 1);
  CHECK(report.catalogs.unchanged == 5);
  CHECK(report.links.added == 1);
  CHECK(Column(conn, "SELECT content->>'title' FROM stacfed.catalogs WHERE id = 'dkrz'") ==
        std::vector<std::string>{"Deutsches Klimarechenzentrum"});
  CHECK(Closure(conn)["km-scale"] == std::set<std::string>{"eerie-hist:2", "eerie-future:2"});
}

TEST_CASE("links and sub-catalogs the crawler added survive apply", "[federation][db]") {
  stacfed::testing::TestDatabase db;
  Connection conn = Open(db);
  const fed::Federation federation = Parse(kFederation);
  Apply(conn, federation);

  // The crawler harvests esgf-east: a new collection, and a static sub-catalog with one.
  REQUIRE(fed::AddHarvestedLink(conn, "esgf-east", fed::ChildKind::kCollection, "CMIP7").ok());
  REQUIRE(fed::UpsertHarvestedCatalog(
              conn, "esgf-east-obs",
              R"({"type": "Catalog", "stac_version": "1.1.0", "id": "esgf-east-obs", "description": "obs"})")
              .ok());
  REQUIRE(fed::AddHarvestedLink(conn, "esgf-east", fed::ChildKind::kCatalog, "esgf-east-obs").ok());
  REQUIRE(fed::AddHarvestedLink(conn, "esgf-east-obs", fed::ChildKind::kCollection, "obs4REF").ok());
  // Adding a link the file already declares leaves it the file's.
  REQUIRE(fed::AddHarvestedLink(conn, "esgf-east", fed::ChildKind::kCollection, "CMIP6").ok());
  auto refreshed = fed::RefreshCatalogClosure(conn);
  REQUIRE(refreshed.ok());
  // New rows: esgf-east-obs -> obs4REF, esgf-east -> CMIP7 and obs4REF, esgf -> CMIP7 and obs4REF.
  CHECK(*refreshed == 5);

  fed::ApplyReport report = Apply(conn, federation);
  CHECK_FALSE(report.Changed());
  CHECK(Column(conn, "SELECT child_id || ' ' || origin FROM stacfed.catalog_links "
                     "WHERE parent_id = 'esgf-east' ORDER BY position, child_id") ==
        std::vector<std::string>{"CMIP6 federation", "CORDEX-CMIP6 federation", "CMIP7 harvest",
                                 "esgf-east-obs harvest"});
  auto closure = Closure(conn);
  CHECK(closure["esgf"] ==
        std::set<std::string>{"CMIP6:2", "CORDEX-CMIP6:2", "CMIP7:2", "obs4REF:3"});
  CHECK(closure["esgf-east-obs"] == std::set<std::string>{"obs4REF:1"});

  // When the file drops the catalog, its harvested sub-catalog goes with it.
  Apply(conn, Without(federation, "esgf-east"));
  CHECK(Column(conn, "SELECT id FROM stacfed.catalogs WHERE origin = 'harvest'").empty());
  CHECK(Column(conn, "SELECT count(*) FROM stacfed.catalog_links WHERE origin = 'harvest'") ==
        std::vector<std::string>{"0"});
}

TEST_CASE("the crawler's batch of links adds each new child once, after the file's", "[federation][db]") {
  stacfed::testing::TestDatabase db;
  Connection conn = Open(db);
  Apply(conn, Parse(kFederation));

  // CMIP6 is the file's link; CMIP8 comes twice in the batch.
  auto added = fed::AddHarvestedLinks(conn, "esgf-east", fed::ChildKind::kCollection,
                                      {"CMIP8", "CMIP6", "CMIP7", "CMIP8"});
  REQUIRE(added.ok());
  CHECK(*added == 2);
  CHECK(Column(conn, "SELECT child_id || ' ' || origin || ' ' || position FROM stacfed.catalog_links "
                     "WHERE parent_id = 'esgf-east' ORDER BY position, child_id") ==
        std::vector<std::string>{"CMIP6 federation 0", "CORDEX-CMIP6 federation 1",
                                 "CMIP8 harvest 2", "CMIP7 harvest 3"});
  // The same batch again adds nothing, so the caller need not refresh the closure.
  added = fed::AddHarvestedLinks(conn, "esgf-east", fed::ChildKind::kCollection,
                                 {"CMIP8", "CMIP6", "CMIP7"});
  REQUIRE(added.ok());
  CHECK(*added == 0);
  added = fed::AddHarvestedLinks(conn, "esgf-east", fed::ChildKind::kCollection, {});
  REQUIRE(added.ok());
  CHECK(*added == 0);
  REQUIRE(fed::RefreshCatalogClosure(conn).ok());
  CHECK(Closure(conn)["esgf"] ==
        std::set<std::string>{"CMIP6:2", "CORDEX-CMIP6:2", "CMIP7:2", "CMIP8:2"});
}

TEST_CASE("federation show prints the tree with counts", "[federation][db]") {
  stacfed::testing::TestDatabase db;
  Connection conn = Open(db);
  Apply(conn, Parse(kFederation));
  LoadCollectionWithItems(conn, "CMIP6", 2);
  auto tree = fed::RenderTree(conn);
  REQUIRE(tree.ok());
  CHECK(*tree ==
        "dkrz  DKRZ  (0 collections, 0 items)\n"
        "  eerie  EERIE  (0 collections, 0 items)\n"
        "    eerie-hist  (collection, not loaded yet)\n"
        "km-scale  (0 collections, 0 items)\n"
        "  eerie  EERIE  (0 collections, 0 items)\n"
        "    eerie-hist  (collection, not loaded yet)\n"
        "esgf  ESGF  (1 collection, 2 items)\n"
        "  esgf-east  ESGF East  (1 collection, 2 items)\n"
        "    CMIP6  (collection, 2 items)\n"
        "    CORDEX-CMIP6  (collection, not loaded yet)\n"
        "cmip6  (1 collection, 2 items)\n"
        "  CMIP6  (collection, 2 items)\n");
}

namespace {

// The shared node of the conformance fixture: CMIP6 under esgf-west and esgf-east (west first
// in the file), and a catalog under two parents (eerie under dkrz, then km-scale). `mark`
// goes into esgf-east's entry for CMIP6, `eerie_mark` into km-scale's entry for eerie.
std::string SharedNodes(std::string_view mark, std::string_view eerie_mark = "") {
  return std::string(R"({
  "stacfed_federation": "1.2",
  "catalogs": [
    {"id": "esgf", "description": "ESGF", "children": [{"catalog": "esgf-west"}, {"catalog": "esgf-east"}]},
    {"id": "esgf-west", "description": "ESGF West", "children": [{"collection": "CMIP6"}]},
    {"id": "esgf-east", "description": "ESGF East",
     "children": [{"collection": "CORDEX-CMIP6"}, {"collection": "CMIP6")") + std::string(mark) + R"(}]},
    {"id": "dkrz", "description": "DKRZ", "children": [{"catalog": "eerie"}]},
    {"id": "km-scale", "description": "Km-scale", "children": [{"catalog": "eerie")" +
         std::string(eerie_mark) + R"(}]},
    {"id": "eerie", "description": "EERIE", "children": [{"collection": "eerie-hist"}]}
  ]
})";
}

// "parent->child" for every link of the tree (catalog_links.in_tree), and for the others.
std::vector<std::string> Links(Connection& conn, bool in_tree) {
  return Column(conn,
                "SELECT parent_id || '->' || child_id FROM stacfed.catalog_links "
                "WHERE in_tree = $1 ORDER BY parent_id, child_id",
                {std::string(in_tree ? "true" : "false")});
}

}  // namespace

TEST_CASE("without a mark the first parent in the file is the tree parent", "[federation][db]") {
  stacfed::testing::TestDatabase db;
  Connection conn = Open(db);
  Apply(conn, Parse(SharedNodes("")));
  CHECK(Column(conn, "SELECT count(*) FROM stacfed.catalog_links WHERE is_primary") ==
        std::vector<std::string>{"0"});
  // esgf-west comes before esgf-east in the file (although "esgf-east" sorts first), dkrz
  // before km-scale.
  CHECK(Links(conn, false) == std::vector<std::string>{"esgf-east->CMIP6", "km-scale->eerie"});
  CHECK(Links(conn, true) ==
        std::vector<std::string>{"dkrz->eerie", "eerie->eerie-hist", "esgf->esgf-east",
                                 "esgf->esgf-west", "esgf-east->CORDEX-CMIP6", "esgf-west->CMIP6"});
  // esgf-east holds CMIP6 but its tree does not reach it.
  CHECK(Column(conn, "SELECT id FROM stacfed.catalogs WHERE NOT walk_complete ORDER BY id") ==
        std::vector<std::string>{"esgf-east", "km-scale"});
}

TEST_CASE("a child marked primary hangs in the tree under that parent", "[federation][db]") {
  stacfed::testing::TestDatabase db;
  Connection conn = Open(db);
  fed::ApplyReport first =
      Apply(conn, Parse(SharedNodes(R"(, "primary": true)", R"(, "primary": true)")));
  CHECK(first.links.added == 8);
  CHECK(Column(conn, "SELECT parent_id || '->' || child_id FROM stacfed.catalog_links "
                     "WHERE is_primary ORDER BY parent_id") ==
        std::vector<std::string>{"esgf-east->CMIP6", "km-scale->eerie"});
  CHECK(Links(conn, false) == std::vector<std::string>{"dkrz->eerie", "esgf-west->CMIP6"});
  CHECK(Column(conn, "SELECT count(*) FROM stacfed.catalog_links WHERE in_tree") ==
        std::vector<std::string>{"6"});
  CHECK(Column(conn, "SELECT id FROM stacfed.catalogs WHERE NOT walk_complete ORDER BY id") ==
        std::vector<std::string>{"dkrz", "esgf-west"});
  // The closure does not depend on the tree: both parents still scope CMIP6.
  auto closure = Closure(conn);
  CHECK(closure["esgf-west"] == std::set<std::string>{"CMIP6:1"});
  CHECK(closure["esgf-east"] == std::set<std::string>{"CMIP6:1", "CORDEX-CMIP6:1"});

  // Applying the same file again changes nothing.
  fed::ApplyReport again =
      Apply(conn, Parse(SharedNodes(R"(, "primary": true)", R"(, "primary": true)")));
  CHECK_FALSE(again.Changed());
  CHECK(again.closure_rows_changed == 0);
}

TEST_CASE("adding or dropping a primary mark alone updates the link and moves the tree",
          "[federation][db]") {
  stacfed::testing::TestDatabase db;
  Connection conn = Open(db);
  Apply(conn, Parse(SharedNodes("")));
  CHECK(Links(conn, false) == std::vector<std::string>{"esgf-east->CMIP6", "km-scale->eerie"});

  fed::ApplyReport marked = Apply(conn, Parse(SharedNodes(R"(, "primary": true)")));
  CHECK(marked.Changed());
  CHECK(marked.links.updated == 1);
  CHECK(marked.links.added == 0);
  CHECK(marked.links.removed == 0);
  CHECK(marked.links.unchanged == 7);
  CHECK(marked.catalogs.unchanged == 6);
  // The closure (what each catalog scopes) is the same; only the tree moved.
  CHECK(marked.closure_rows_changed == 0);
  CHECK(Column(conn, "SELECT in_tree::text FROM stacfed.catalog_links "
                     "WHERE parent_id = 'esgf-east' AND child_id = 'CMIP6'") ==
        std::vector<std::string>{"true"});
  CHECK(Column(conn, "SELECT in_tree::text FROM stacfed.catalog_links "
                     "WHERE parent_id = 'esgf-west' AND child_id = 'CMIP6'") ==
        std::vector<std::string>{"false"});
  CHECK(Links(conn, false) == std::vector<std::string>{"esgf-west->CMIP6", "km-scale->eerie"});

  // "primary": false is no mark: the first parent in the file wins again.
  fed::ApplyReport unmarked = Apply(conn, Parse(SharedNodes(R"(, "primary": false)")));
  CHECK(unmarked.links.updated == 1);
  CHECK(unmarked.links.unchanged == 7);
  CHECK(Links(conn, false) == std::vector<std::string>{"esgf-east->CMIP6", "km-scale->eerie"});
  CHECK(Column(conn, "SELECT count(*) FROM stacfed.catalog_links WHERE is_primary") ==
        std::vector<std::string>{"0"});

  // The same file without the member changes nothing more.
  CHECK_FALSE(Apply(conn, Parse(SharedNodes(""))).Changed());
}

TEST_CASE("a primary mark moves a harvested link's node into the file's tree",
          "[federation][db]") {
  stacfed::testing::TestDatabase db;
  Connection conn = Open(db);
  Apply(conn, Parse(SharedNodes("")));
  // The crawler hangs CMIP6 under dkrz too: a later parent in the file, not in the tree.
  REQUIRE(fed::AddHarvestedLink(conn, "dkrz", fed::ChildKind::kCollection, "CMIP6").ok());
  REQUIRE(fed::RefreshCatalogClosure(conn).ok());
  CHECK(Links(conn, false) ==
        std::vector<std::string>{"dkrz->CMIP6", "esgf-east->CMIP6", "km-scale->eerie"});
  // Marking esgf-east takes precedence over file order; the harvest link stays out of the tree.
  Apply(conn, Parse(SharedNodes(R"(, "primary": true)")));
  CHECK(Links(conn, false) ==
        std::vector<std::string>{"dkrz->CMIP6", "esgf-west->CMIP6", "km-scale->eerie"});
  CHECK(Column(conn, "SELECT origin FROM stacfed.catalog_links "
                     "WHERE parent_id = 'dkrz' AND child_id = 'CMIP6'") ==
        std::vector<std::string>{"harvest"});
}

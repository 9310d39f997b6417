// Annotation through the real harvest path: the fake upstream serves an API whose items live
// at several sites (tests/crawler/upstream/sites), the walker normalises and annotates them
// with the sites of a federation document, and the sink writes them into a throwaway
// PostgreSQL. A second run over the unchanged upstream must write nothing: annotation is
// part of the content hash, so it has to be deterministic.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "crawler/annotate/annotate.hpp"
#include "crawler/harvest.hpp"
#include "libstac/federation/federation.hpp"
#include "libstac/pg/connection.hpp"
#include "tests/crawler/fake_upstream.hpp"
#include "tests/crawler/spawn_stacfed.hpp"
#include "tests/support/test_database.hpp"


namespace stacfed::crawler {
namespace {

using testing::FakeUpstream;
using testing::TestDatabase;

constexpr char kFederation[] = R"({
  "stacfed_federation": "1.1",
  "sites": {
    "dkrz": {"name": "DKRZ", "country": "DE", "kind": "hpc", "hosts": [".dkrz.de"],
             "paths": ["/pool/data", "/scratch/bm1344", "/arch"]},
    "ceda": {"name": "CEDA", "country": "GB", "kind": "datacentre", "hosts": [".ceda.ac.uk"]}
  },
  "catalogs": [{"id": "multi-site", "description": "d", "sites": ["ceda", "dkrz"]}]
})";

FakeUpstream& Upstream() {
  static FakeUpstream upstream;
  return upstream;
}

struct Db {
  TestDatabase database;
  pg::Connection conn;

  Db() : conn(Open(database.url())) {
    REQUIRE(conn.Execute("INSERT INTO stacfed.catalogs (id, content) VALUES ('multi-site', '{}')").ok());
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
};

SourceSpec MultiSiteSource() {
  auto federation = federation::ParseFederation(kFederation);
  REQUIRE(federation.ok());
  SourceSpec source;
  source.id = "multi-site";
  source.catalog_id = "multi-site";
  source.url = Upstream().Url("/sites/");
  source.sites = SiteRegistry::ForCatalog(*federation, "multi-site");
  return source;
}

HarvestSummary Run(const SourceSpec& source, Db& db) {
  RecordingClock clock;
  HarvestOptions options;
  options.database_url = db.database.url();
  options.http.read_timeout = std::chrono::milliseconds(2000);
  options.http.max_attempts = 2;
  options.clock = &clock;
  HarvestSummary summary = Harvest(source, options);
  INFO(summary.ToJson());
  return summary;
}

// One asset field of one stored item.
std::string AssetField(Db& db, const std::string& item_id_like, const std::string& path) {
  return db.Scalar("SELECT coalesce(content::json #>> '{assets," + path + "}', '') FROM stacfed.items WHERE id LIKE '" +
                   item_id_like + "'");
}

TEST_CASE("harvested items and collections carry site locality and access hints", "[crawler][annotate][harvest]") {
  Db db;
  const SourceSpec source = MultiSiteSource();
  HarvestSummary first = Run(source, db);
  REQUIRE_FALSE(first.failed);
  CHECK(first.walk.errors == 0);
  CHECK(first.sink.added == 3);
  CHECK(first.sink.quarantined == 0);

  // Every item declares the extension and has a derived online status.
  const std::string uri(kSiteAccessExtension);
  CHECK(db.Count("SELECT count(*) FROM stacfed.items WHERE content::jsonb->'stac_extensions' ? '" + uri + "'") == 3);
  CHECK(db.Count("SELECT count(*) FROM stacfed.items WHERE properties ? 'access:online_status'") == 3);
  // The properties column (what CQL2 filters read) has the locations too.
  CHECK(db.Scalar("SELECT properties->>'site:locations' FROM stacfed.items WHERE id LIKE '%MPI-ESM1-2-HR%'") ==
        R"(["ceda", "dkrz"])");
  CHECK(db.Scalar("SELECT properties->>'access:online_status' FROM stacfed.items WHERE id LIKE '%MPI-ESM1-2-HR%'") ==
        "online");
  CHECK(db.Count("SELECT count(*) FROM stacfed.items WHERE properties->'site:locations' ? 'dkrz'") == 2);
  // A data node that is no site of the federation: no location, but access hints.
  CHECK(db.Scalar("SELECT properties ? 'site:locations' FROM stacfed.items WHERE id LIKE '%CESM2%'") == "f");
  CHECK(AssetField(db, "%CESM2%", "pr_Amon_CESM2_historical_r1i1p1f1_gn_185001-201412.nc,access:protocol") == "https");
  CHECK(AssetField(db, "%CESM2%", "pr_Amon_CESM2_historical_r1i1p1f1_gn_185001-201412.nc,site:ref") == "unknown");
  CHECK(AssetField(db, "%CESM2%", "pr_Amon_CESM2_historical_r1i1p1f1_gn_185001-201412.nc,site:tier") == "");

  // Per copy: the ESGF file and its replica ...
  const std::string tas = "tas_Amon_MPI-ESM1-2-HR_ssp585_r1i1p1f1_gn_201501-203412.nc";
  CHECK(AssetField(db, "%MPI-ESM1-2-HR%", tas + ",site:ref") == "dkrz");
  CHECK(AssetField(db, "%MPI-ESM1-2-HR%", tas + ",site:replica") == "false");
  CHECK(AssetField(db, "%MPI-ESM1-2-HR%", tas + ",access:engine") == "h5netcdf");
  CHECK(AssetField(db, "%MPI-ESM1-2-HR%", tas + ",alternate,esgf.ceda.ac.uk,site:ref") == "ceda");
  CHECK(AssetField(db, "%MPI-ESM1-2-HR%", tas + ",alternate,esgf.ceda.ac.uk,site:replica") == "true");
  CHECK(AssetField(db, "%MPI-ESM1-2-HR%", "globus,access:protocol") == "globus");
  // ... and DKRZ's disk, object store and tape.
  CHECK(AssetField(db, "%icon-esm-er%", "dkrz-disk,access:scope") == "site-internal");
  CHECK(AssetField(db, "%icon-esm-er%", "dkrz-disk,access:protocol") == "posix");
  CHECK(AssetField(db, "%icon-esm-er%", "dkrz-cloud,site:tier") == "object");
  CHECK(AssetField(db, "%icon-esm-er%", "dkrz-tape,access:status") == "nearline");
  CHECK(AssetField(db, "%icon-esm-er%", "eerie-cloud,access:protocol") == "kerchunk");
  CHECK(AssetField(db, "%icon-esm-er%", "eerie-cloud,alternate,processed,access:engine") == "zarr");
  CHECK(db.Scalar("SELECT properties->>'access:online_status' FROM stacfed.items WHERE id LIKE '%icon-esm-er%'") ==
        "partial");

  // Collections carry the catalog's sites for resolving site:ref.
  CHECK(db.Count("SELECT count(*) FROM stacfed.collections WHERE content->'site:sites'->'ceda'->>'country' = 'GB'"
                 " AND content->'site:sites'->'dkrz'->>'kind' = 'hpc'") == 2);
  CHECK(db.Count("SELECT count(*) FROM stacfed.collections WHERE content::jsonb->'stac_extensions' ? '" + uri + "'") == 2);

  // An unchanged upstream: the same annotated content, nothing written.
  const std::string before = db.Scalar(
      "SELECT max(updated_at)::text || ':' || md5(string_agg(id || content_hash, ',' ORDER BY id)) FROM stacfed.items");
  HarvestSummary second = Run(source, db);
  REQUIRE_FALSE(second.failed);
  CHECK(second.sink.added == 0);
  CHECK(second.sink.updated == 0);
  CHECK(second.sink.unchanged == 3);
  CHECK(db.Scalar("SELECT max(updated_at)::text || ':' || md5(string_agg(id || content_hash, ',' ORDER BY id))"
                  " FROM stacfed.items") == before);
}

TEST_CASE("a harvest without sites still annotates access hints", "[crawler][annotate][harvest]") {
  Db db;
  SourceSpec source = MultiSiteSource();
  source.sites = SiteRegistry();
  HarvestSummary summary = Run(source, db);
  REQUIRE_FALSE(summary.failed);
  CHECK(summary.sink.added == 3);
  CHECK(db.Count("SELECT count(*) FROM stacfed.items WHERE properties ? 'site:locations'") == 0);
  CHECK(db.Count("SELECT count(*) FROM stacfed.items WHERE properties ? 'access:online_status'") == 3);
  CHECK(db.Count("SELECT count(*) FROM stacfed.collections WHERE content::jsonb ? 'site:sites'") == 0);
  const std::string tas = "tas_Amon_MPI-ESM1-2-HR_ssp585_r1i1p1f1_gn_201501-203412.nc";
  CHECK(AssetField(db, "%MPI-ESM1-2-HR%", tas + ",site:ref") == "");
  CHECK(AssetField(db, "%MPI-ESM1-2-HR%", tas + ",access:protocol") == "https");
}

}  // namespace
}  // namespace stacfed::crawler

namespace stacfed::crawler {
namespace {

// `stacfed harvest SOURCE --federation FILE`: the CLI builds the registry from the file.
int RunCli(const std::string& database_url, const std::vector<std::string>& arguments) {
  std::vector<std::string> args = {"harvest", "--quiet"};
  args.insert(args.end(), arguments.begin(), arguments.end());
  return testing::WaitForExit(testing::SpawnStacfed(args, database_url));
}

TEST_CASE("stacfed harvest takes the sites from the federation file", "[crawler][annotate][harvest][cli]") {
  Db db;
  char path[] = "/tmp/stacfed-federation-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    // The test federation with the catalog harvested from the fake upstream.
    std::string text = kFederation;
    const std::string catalog = R"({"id": "multi-site", "description": "d", "sites": ["ceda", "dkrz"]})";
    const size_t at = text.find(catalog);
    REQUIRE(at != std::string::npos);
    text.replace(at, catalog.size(),
                 R"({"id": "multi-site", "description": "d", "sites": ["dkrz"], "harvest": {"url": ")" +
                     Upstream().Url("/sites/") + R"(", "type": "stac-api"}})");
    std::ofstream(path) << text;
  }
  CHECK(RunCli(db.database.url(), {"multi-site", "--federation", path}) == 0);
  CHECK(db.Count("SELECT count(*) FROM stacfed.items") == 3);
  CHECK(db.Scalar("SELECT properties->>'site:locations' FROM stacfed.items WHERE id LIKE '%MPI-ESM1-2-HR%'") ==
        R"(["ceda", "dkrz"])");
  // The catalog now lists one site: it alone is in the collections' site:sites (it locates
  // no copy; hosts and paths do).
  CHECK(db.Count("SELECT count(*) FROM stacfed.collections WHERE content->'site:sites'->'dkrz' IS NOT NULL"
                 " AND content->'site:sites'->'ceda' IS NULL") == 2);

  // --url/--into with the same file: the sites of --into.
  Db adhoc;
  CHECK(RunCli(adhoc.database.url(), {"--url", Upstream().Url("/sites/"), "--type", "stac-api", "--into",
                                      "multi-site", "--federation", path}) == 0);
  CHECK(adhoc.Count("SELECT count(*) FROM stacfed.items WHERE properties->'site:locations' ? 'dkrz'") == 2);
  std::remove(path);
}

}  // namespace
}  // namespace stacfed::crawler

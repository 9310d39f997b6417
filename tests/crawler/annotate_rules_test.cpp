// The annotation rules one by one (crawler/annotate/rules.hpp), on documents in the shapes
// the providers publish (tests/crawler/annotate/*.json, written after
// ../shared/fixtures/upstream): the EERIE static catalog's collections, CDSE items with
// storage schemes and an HTTPS gateway, DestinE HDA v2 items naming their backend, CEDA
// CMIP6 items with kerchunk references and reports. Every test case carries the tags of the
// rules it shows ([rule:<name>]); annotate_test checks that every rule has one.
//
// Two federation files: the sites as a 1.1 file can describe them (hosts and paths), and as
// an operator describes them with format 1.3 (gateways with their tier, backend names).

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "crawler/annotate/annotate.hpp"
#include "crawler/annotate/site_registry.hpp"
#include "libstac/federation/federation.hpp"
#include "tests/crawler/fake_upstream.hpp"

namespace stacfed::crawler {
namespace {

namespace json = boost::json;

constexpr char kHostsAndPaths[] = R"({
  "stacfed_federation": "1.1",
  "sites": {
    "dkrz": {"name": "DKRZ", "country": "DE", "kind": "hpc", "hosts": [".dkrz.de"],
             "paths": ["/pool/data", "/scratch/bm1344", "/arch"]},
    "ceda": {"name": "CEDA", "country": "GB", "kind": "datacentre", "hosts": [".ceda.ac.uk"]},
    "cdse": {"name": "CDSE", "country": "PL", "kind": "cloud", "hosts": ["eodata.dataspace.copernicus.eu"]},
    "lumi": {"name": "LUMI", "country": "FI", "kind": "hpc", "hosts": [".lumi.data.destination-earth.eu"]}
  },
  "catalogs": [
    {"id": "eerie", "description": "d", "sites": ["dkrz"]},
    {"id": "esgf-east", "description": "d", "sites": ["ceda"]},
    {"id": "cdse", "description": "d", "sites": ["cdse"]},
    {"id": "destine", "description": "d", "sites": ["lumi"]},
    {"id": "elsewhere", "description": "d"}
  ]
})";

constexpr char kOperatorStated[] = R"({
  "stacfed_federation": "1.3",
  "sites": {
    "dkrz": {"name": "DKRZ", "country": "DE", "kind": "hpc", "hosts": [".dkrz.de"]},
    "cdse": {"name": "CDSE", "country": "PL", "kind": "cloud",
             "gateways": [{"host": "eodata.dataspace.copernicus.eu", "tier": "object"},
                          {"host": "zipper.dataspace.copernicus.eu", "tier": "object"},
                          {"host": "download.dataspace.copernicus.eu", "tier": "object"}]},
    "lumi": {"name": "LUMI", "country": "FI", "kind": "hpc", "hosts": [".lumi.data.destination-earth.eu"],
             "backends": ["dedt_lumi"]},
    "eumetsat": {"name": "EUMETSAT Data Store", "country": "DE", "kind": "datacentre", "backends": ["eumetsat"]}
  },
  "catalogs": [
    {"id": "cdse", "description": "d", "sites": ["cdse"]},
    {"id": "destine", "description": "d", "sites": ["lumi"]},
    {"id": "elsewhere", "description": "d"}
  ]
})";

SiteRegistry Registry(const char* federation_text, std::string_view catalog) {
  auto federation = federation::ParseFederation(federation_text);
  INFO((federation.ok() ? std::string() : std::string(federation.status().message())));
  REQUIRE(federation.ok());
  return SiteRegistry::ForCatalog(*federation, catalog);
}

json::object Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(value.is_object());
  return std::move(value.get_object());
}

json::object Fixture(std::string_view name) {
  std::string path = testing::CrawlerTestDir();
  path.append("/annotate/").append(name);
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str());
}

// A member as text ("" when absent; JSON for non-strings).
std::string Field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(json::string_view(key.data(), key.size()));
  if (value == nullptr) return "";
  if (value->is_string()) return std::string(value->get_string());
  return json::serialize(*value);
}
const json::object& Asset(const json::object& document, std::string_view key) {
  return document.at("assets").as_object().at(json::string_view(key.data(), key.size())).as_object();
}
const json::object& Alternate(const json::object& document, std::string_view asset, std::string_view key) {
  return Asset(document, asset).at("alternate").as_object().at(json::string_view(key.data(), key.size())).as_object();
}
const json::object& Properties(const json::object& item) { return item.at("properties").as_object(); }

// ---- the catalog's site locates nothing --------------------------------------------------

TEST_CASE("EERIE static collection: documentation on foreign hosts is at no site, not at the catalog's",
          "[crawler][annotate][rule:host][rule:site-host][rule:site-key]") {
  json::object collection = Fixture("eerie_static_collection.json");
  CHECK(AnnotateCollection(collection, Registry(kHostsAndPaths, "eerie")));
  // pad.gwdg.de and raw.githubusercontent.com: no site serves them, the catalog's only site
  // (DKRZ) does not hold them.
  CHECK(Field(Asset(collection, "doc"), "site:ref") == "unknown");
  CHECK(Field(Asset(collection, "template"), "site:ref") == "unknown");
  // A key naming a site says nothing about an href on another host.
  CHECK(Field(Asset(collection, "dkrz-notes"), "site:ref") == "unknown");
  // Nor is their tier guessed; access hints still apply.
  CHECK(Field(Asset(collection, "doc"), "site:tier") == "");
  CHECK(Field(Asset(collection, "doc"), "access:protocol") == "https");
  // A host DKRZ lists: DKRZ's, on disk (a host a site serves its data from itself).
  CHECK(Field(Asset(collection, "gridlook"), "site:ref") == "dkrz");
  CHECK(Field(Asset(collection, "gridlook"), "site:tier") == "disk");
  // The catalog's sites are still the collection's site descriptions.
  CHECK(collection.at("site:sites").as_object().contains("dkrz"));
}

TEST_CASE("a copy no rule locates is at site \"unknown\"; without sites there is no site:ref at all",
          "[crawler][annotate][rule:esgf-data-node]") {
  json::object item = Fixture("ceda_cmip6_item.json");
  CHECK(AnnotateItem(item, Registry(kHostsAndPaths, "esgf-east")));
  const std::string file = "psl_Amon_MCM-UA-1-0_ssp245_r1i1p1f2_gn_201501-210012.nc";
  CHECK(Field(Asset(item, file), "site:ref") == "ceda");
  // ESGF names the replica's data node; no site serves it.
  const auto& ornl = Alternate(item, file, "esgf-node.ornl.gov");
  CHECK(Field(ornl, "site:ref") == "unknown");
  CHECK(Field(ornl, "site:tier") == "");  // a data server of unknown storage
  CHECK(Field(ornl, "access:protocol") == "opendap");
  CHECK(Field(ornl, "access:status") == "online");
  CHECK(Field(ornl, "site:replica") == "true");
  // "unknown" is no location.
  CHECK(Field(Properties(item), "site:locations") == R"(["ceda"])");

  json::object without_sites = Fixture("ceda_cmip6_item.json");
  CHECK(AnnotateItem(without_sites, SiteRegistry()));
  CHECK(Field(Alternate(without_sites, file, "esgf-node.ornl.gov"), "site:ref") == "");
  CHECK(Field(Asset(without_sites, file), "site:ref") == "");
}

TEST_CASE("ESGF data node: a node some site serves locates the copy wherever its href points",
          "[crawler][annotate][rule:esgf-data-node][rule:site-host]") {
  json::object item = Parse(R"({
    "type": "Feature", "stac_version": "1.1.0", "id": "CMIP6.x", "geometry": null,
    "properties": {"datetime": "2000-01-01T00:00:00Z"}, "links": [],
    "assets": {"globus": {"href": "https://app.globus.org/file-manager?origin_id=x&origin_path=/css03_data/CMIP6/",
                          "type": "text/html", "roles": ["data"], "alternate:name": "esgf-data.dkrz.de",
                          "node": "esgf-data.dkrz.de", "protocol": "globus"}}
  })");
  CHECK(AnnotateItem(item, Registry(kHostsAndPaths, "elsewhere")));
  CHECK(Field(Asset(item, "globus"), "site:ref") == "dkrz");
  CHECK(Field(Asset(item, "globus"), "site:tier") == "disk");  // the node is a host DKRZ serves from
  CHECK(Field(Asset(item, "globus"), "access:protocol") == "globus");
}

TEST_CASE("tier only on evidence: an https copy on a host no site lists has none",
          "[crawler][annotate][rule:site-host][rule:object-store]") {
  json::object item = Parse(R"({
    "type": "Feature", "stac_version": "1.1.0", "id": "u", "geometry": null,
    "properties": {"datetime": "2000-01-01T00:00:00Z"}, "links": [],
    "assets": {
      "data": {"href": "https://data.example.org/files/u.grib2", "type": "application/x-grib", "roles": ["data"]},
      "bucket": {"href": "https://s3.eu-central-1.amazonaws.com/bucket/u.grib2", "type": "application/x-grib",
                 "roles": ["data"]}
    }
  })");
  CHECK(AnnotateItem(item, Registry(kHostsAndPaths, "eerie")));
  CHECK(Field(Asset(item, "data"), "site:ref") == "unknown");
  CHECK(Field(Asset(item, "data"), "site:tier") == "");
  CHECK(Field(Asset(item, "data"), "access:protocol") == "https");
  CHECK(Field(Asset(item, "data"), "access:engine") == "cfgrib");
  CHECK(Field(Asset(item, "bucket"), "site:ref") == "unknown");
  CHECK(Field(Asset(item, "bucket"), "site:tier") == "object");  // the host says object store
  CHECK(Field(Properties(item), "site:locations") == "");
  CHECK(Field(Properties(item), "access:online_status") == "online");
}

// ---- DKRZ: paths, keys, tape, object store -----------------------------------------------

TEST_CASE("DKRZ EERIE item: site paths and keys on paths, tape, object store",
          "[crawler][annotate][rule:site-path][rule:site-key][rule:posix-path][rule:tape][rule:object-store]"
          "[rule:reference-href][rule:kerchunk-endpoint]") {
  json::object item = Parse(R"({
    "type": "Feature", "stac_version": "1.1.0", "id": "icon-esm-er.hist-1950.atmos", "geometry": null,
    "properties": {"datetime": "2000-01-01T00:00:00Z"}, "links": [],
    "assets": {
      "dkrz-disk": {"href": "reference::/scratch/bm1344/k203123/experiments/hist-1950/atmos/combined.parq",
                    "type": "application/vnd+zarr", "roles": ["data"],
                    "xarray:open_kwargs": {"engine": "zarr", "consolidated": false}},
      "dkrz-tape": {"href": "slk:///pool/tape/bm1344/eerie/hist-1950/atmos/combined_slk.parq",
                    "type": "application/vnd+zarr", "roles": ["data"],
                    "xarray:storage_options": {"lazy": true, "remote_protocol": "slk"}},
      "dkrz-cloud": {"href": "https://swift.dkrz.de/v1/dkrz_0123/eerie/hist-1950/atmos.zarr",
                     "type": "application/vnd+zarr", "roles": ["data"]},
      "eerie-cloud": {"href": "https://eerie.cloud.dkrz.de/datasets/icon-esm-er.hist-1950.atmos/kerchunk",
                      "type": "application/vnd+zarr", "roles": ["data"]}
    }
  })");
  CHECK(AnnotateItem(item, Registry(kHostsAndPaths, "elsewhere")));
  const auto& disk = Asset(item, "dkrz-disk");
  CHECK(Field(disk, "site:ref") == "dkrz");  // /scratch/bm1344 is DKRZ's
  CHECK(Field(disk, "site:tier") == "disk");
  CHECK(Field(disk, "access:protocol") == "kerchunk");
  CHECK(Field(disk, "access:scope") == "site-internal");
  // slk:///pool/tape is under no site path: the key names the site.
  const auto& tape = Asset(item, "dkrz-tape");
  CHECK(Field(tape, "site:ref") == "dkrz");
  CHECK(Field(tape, "site:tier") == "tape");
  CHECK(Field(tape, "access:status") == "nearline");
  const auto& cloud = Asset(item, "dkrz-cloud");
  CHECK(Field(cloud, "site:ref") == "dkrz");
  CHECK(Field(cloud, "site:tier") == "object");
  CHECK(Field(cloud, "access:protocol") == "zarr");
  const auto& served = Asset(item, "eerie-cloud");
  CHECK(Field(served, "access:protocol") == "kerchunk");
  CHECK(Field(served, "access:engine") == "kerchunk");
}

// ---- CDSE: storage schemes and the HTTPS gateway -----------------------------------------

TEST_CASE("CDSE item: the gateway route and the s3 route are one copy in the object store",
          "[crawler][annotate][rule:gateway][rule:storage-scheme]") {
  json::object item = Fixture("cdse_item.json");
  CHECK(AnnotateItem(item, Registry(kOperatorStated, "cdse")));
  const auto& s3 = Asset(item, "LST_in");
  CHECK(Field(s3, "site:ref") == "cdse");  // storage:refs -> cdse-s3 -> eodata.dataspace.copernicus.eu
  CHECK(Field(s3, "site:tier") == "object");
  CHECK(Field(s3, "access:protocol") == "s3");
  const auto& https = Alternate(item, "LST_in", "https");
  CHECK(Field(https, "site:ref") == "cdse");
  CHECK(Field(https, "site:tier") == "object");  // behind zipper: the same object, not a disk copy
  CHECK(Field(https, "access:protocol") == "https");
  CHECK(Field(https, "access:engine") == "h5netcdf");
  const auto& product = Asset(item, "product");
  CHECK(Field(product, "site:ref") == "cdse");
  CHECK(Field(product, "site:tier") == "object");
  // The quicklook's host is no CDSE host the operator listed.
  CHECK(Field(Asset(item, "thumbnail"), "site:ref") == "unknown");
  CHECK(Field(Properties(item), "site:locations") == R"(["cdse"])");
}

TEST_CASE("CDSE item harvested into another catalog: the storage scheme still locates the s3 copy",
          "[crawler][annotate][rule:storage-scheme]") {
  json::object item = Fixture("cdse_item.json");
  CHECK(AnnotateItem(item, Registry(kHostsAndPaths, "elsewhere")));
  CHECK(Field(Asset(item, "LST_in"), "site:ref") == "cdse");
  CHECK(Field(Asset(item, "LST_in"), "site:tier") == "object");
  // A 1.1 file lists no gateway: the zipper route is at no site, its tier not guessed.
  CHECK(Field(Alternate(item, "LST_in", "https"), "site:ref") == "unknown");
  CHECK(Field(Alternate(item, "LST_in", "https"), "site:tier") == "");
}

TEST_CASE("storage schemes whose endpoints belong to two sites locate nothing",
          "[crawler][annotate][rule:storage-scheme]") {
  constexpr char kTwoEndpoints[] = R"({
    "stacfed_federation": "1.3",
    "sites": {
      "cdse": {"name": "CDSE", "country": "PL", "kind": "cloud",
               "gateways": [{"host": "eodata.dataspace.copernicus.eu", "tier": "object"}]},
      "creodias": {"name": "CREODIAS", "country": "PL", "kind": "cloud",
                   "gateways": [{"host": "eodata.cloudferro.com", "tier": "object"}]}
    },
    "catalogs": [{"id": "cdse", "description": "d", "sites": ["cdse"]}]
  })";
  json::object item = Fixture("cdse_item.json");
  CHECK(AnnotateItem(item, Registry(kTwoEndpoints, "cdse")));
  CHECK(Field(Asset(item, "LST_in"), "site:ref") == "unknown");
  CHECK(Field(Asset(item, "LST_in"), "site:tier") == "object");
}

// ---- DestinE HDA v2: backends and origins ------------------------------------------------

TEST_CASE("DestinE item from the external fresh data pool: the s3://eodata origin is CDSE's",
          "[crawler][annotate][rule:destine-eodata][rule:host]") {
  json::object item = Fixture("destine_hda_v2_external_fdp_item.json");
  CHECK(AnnotateItem(item, Registry(kHostsAndPaths, "destine")));
  const auto& download = Asset(item, "F1_BT_fn.nc");
  CHECK(Field(download, "site:ref") == "lumi");
  const auto& origin = Alternate(item, "F1_BT_fn.nc", "origin");
  CHECK(Field(origin, "site:ref") == "cdse");  // not the catalog's LUMI
  CHECK(Field(origin, "site:tier") == "object");
  CHECK(Field(origin, "access:protocol") == "s3");
  CHECK(Field(Properties(item), "site:locations") == R"(["cdse","lumi"])");

  // The rule is DestinE's: an s3://eodata href elsewhere names a bucket of unknown endpoint.
  json::object other = Parse(R"({
    "type": "Feature", "stac_version": "1.1.0", "id": "o", "geometry": null,
    "properties": {"datetime": "2000-01-01T00:00:00Z"}, "links": [],
    "assets": {"a": {"href": "s3://eodata/Sentinel-3/x.nc", "type": "application/x-netcdf", "roles": ["data"]}}
  })");
  CHECK(AnnotateItem(other, Registry(kHostsAndPaths, "destine")));
  CHECK(Field(Asset(other, "a"), "site:ref") == "unknown");
}

TEST_CASE("DestinE Digital Twin orderable item: the backend it names holds its data",
          "[crawler][annotate][rule:destine-backend]") {
  json::object item = Fixture("destine_hda_v2_dt_orderable_item.json");
  CHECK(AnnotateItem(item, Registry(kOperatorStated, "elsewhere")));
  CHECK(Field(Properties(item), "site:locations") == R"(["lumi"])");  // dedt_lumi
  CHECK(Field(Properties(item), "access:online_status") == "offline");

  // A backend no site declares locates nothing.
  json::object unnamed = Fixture("destine_hda_v2_dt_orderable_item.json");
  CHECK(AnnotateItem(unnamed, Registry(kHostsAndPaths, "destine")));
  CHECK(Field(Properties(unnamed), "site:locations") == "");
}

TEST_CASE("DestinE item from EUMETSAT: the origin alternate is at the backend's site",
          "[crawler][annotate][rule:destine-origin][rule:destine-backend][rule:host]") {
  json::object item = Fixture("destine_hda_v2_eumetsat_item.json");
  CHECK(AnnotateItem(item, Registry(kOperatorStated, "destine")));
  CHECK(Field(Asset(item, "Oa01_reflectance.nc"), "site:ref") == "lumi");  // the LUMI download host
  const auto& origin = Alternate(item, "Oa01_reflectance.nc", "origin");
  CHECK(Field(origin, "site:ref") == "eumetsat");  // api.eumetsat.int, the backend's own service
  CHECK(Field(origin, "site:tier") == "");         // of unknown storage
  CHECK(Field(Properties(item), "site:locations") == R"(["eumetsat","lumi"])");
}

// ---- kerchunk only on evidence -----------------------------------------------------------

TEST_CASE("CEDA item: a JSON report with role reference is no kerchunk file",
          "[crawler][annotate][rule:named-reference-file][rule:xpystac-references]") {
  json::object item = Fixture("ceda_cmip6_item.json");
  CHECK(AnnotateItem(item, Registry(kHostsAndPaths, "esgf-east")));
  const auto& report = Asset(item, "qc_report");
  CHECK(Field(report, "access:protocol") == "https");
  CHECK(Field(report, "access:engine") == "");
  CHECK(Field(report, "site:replica") == "false");  // ESGF's "reference": the publisher's copy
  CHECK(Field(report, "site:ref") == "ceda");
  // CEDA's reference file: zstd, role reference, a path under /kerchunk/ and open_zarr_kwargs.
  const auto& references = Asset(item, "reference_file");
  CHECK(Field(references, "access:protocol") == "kerchunk");
  CHECK(Field(references, "access:engine") == "kerchunk");
  CHECK(Field(references, "site:replica") == "");
  // xpystac's convention: application/json with role index.
  CHECK(Field(Asset(item, "index"), "access:protocol") == "kerchunk");
}

TEST_CASE("kerchunk from the media type and from ESGF's protocol",
          "[crawler][annotate][rule:kerchunk-media-type][rule:esgf-kerchunk-protocol]") {
  json::object item = Parse(R"({
    "type": "Feature", "stac_version": "1.1.0", "id": "k", "geometry": null,
    "properties": {"datetime": "2000-01-01T00:00:00Z"}, "links": [],
    "assets": {
      "virtual": {"href": "https://esgf-data.dkrz.de/virtual/tas.json", "type": "application/vnd.zarr+kerchunk",
                  "roles": ["data", "virtual"]},
      "refs": {"href": "https://esgf-data.dkrz.de/refs/tas.json", "type": "application/json",
               "roles": ["data", "reference"], "protocol": "kerchunk"},
      "same-without-protocol": {"href": "https://esgf-data.dkrz.de/refs/tas.json", "type": "application/json",
                                "roles": ["data", "reference"]}
    }
  })");
  CHECK(AnnotateItem(item, Registry(kHostsAndPaths, "elsewhere")));
  CHECK(Field(Asset(item, "virtual"), "access:engine") == "kerchunk");
  CHECK(Field(Asset(item, "refs"), "access:engine") == "kerchunk");
  CHECK(Field(Asset(item, "same-without-protocol"), "access:engine") == "");
  CHECK(Field(Asset(item, "same-without-protocol"), "access:protocol") == "https");
}

}  // namespace
}  // namespace stacfed::crawler

// Site locality and access hints (crawler/annotate) on documents shaped like what the
// providers publish (../shared/reference/providers.md): ESGF-NG CMIP6 items with data nodes
// and replicas, DKRZ EERIE items whose asset keys name site and tier, DestinE items on the
// LUMI download host and orderable ones, and hosts no site serves. The registry comes from a
// real federation document through the real parser. annotate_rules_test goes rule by rule;
// here also the rule list itself (named, documented, tested) and the registry.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "crawler/annotate/annotate.hpp"
#include "crawler/annotate/copy.hpp"
#include "crawler/annotate/rules.hpp"
#include "crawler/annotate/site_registry.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/federation/federation.hpp"
#include "tests/crawler/fake_upstream.hpp"

namespace stacfed::crawler {
namespace {

namespace json = boost::json;

constexpr char kFederation[] = R"({
  "stacfed_federation": "1.1",
  "sites": {
    "dkrz": {"name": "DKRZ", "country": "DE", "kind": "hpc", "operator": "DKRZ GmbH",
             "hosts": [".dkrz.de"], "paths": ["/pool/data", "/scratch/bm1344", "/arch"],
             "compute": [{"type": "jupyterhub", "href": "https://jupyterhub.dkrz.de"}]},
    "ceda": {"name": "CEDA", "country": "GB", "kind": "datacentre", "hosts": [".ceda.ac.uk"], "paths": ["/badc"]},
    "esgf-west": {"name": "ESGF West", "country": "US", "kind": "cloud", "hosts": ["eagle.alcf.anl.gov"]},
    "cdse-cloud": {"name": "CDSE cloud", "country": "PL", "kind": "cloud", "hosts": ["zipper.dataspace.copernicus.eu"]},
    "lumi": {"name": "LUMI", "country": "FI", "kind": "hpc", "hosts": [".lumi.data.destination-earth.eu"]},
    "bsc": {"name": "BSC", "country": "ES", "kind": "hpc", "hosts": [".marenostrum.data.destination-earth.eu"]}
  },
  "catalogs": [
    {"id": "esgf", "description": "d", "sites": ["ceda", "esgf-west"]},
    {"id": "eerie", "description": "d", "sites": ["dkrz"]},
    {"id": "cdse", "description": "d", "sites": ["cdse-cloud"]},
    {"id": "destine", "description": "d", "sites": ["lumi", "bsc"]},
    {"id": "elsewhere", "description": "d"}
  ]
})";

const federation::Federation& Federation() {
  static const federation::Federation federation = [] {
    auto parsed = federation::ParseFederation(kFederation);
    REQUIRE(parsed.ok());
    return *parsed;
  }();
  return federation;
}

SiteRegistry Sites(std::string_view catalog) { return SiteRegistry::ForCatalog(Federation(), catalog); }

json::object Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(value.is_object());
  return std::move(value.get_object());
}

// A member as text ("" when absent; JSON for non-strings), for compact checks.
std::string Field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(json::string_view(key.data(), key.size()));
  if (value == nullptr) return "";
  if (value->is_string()) return std::string(value->get_string());
  return json::serialize(*value);
}

// An item "x" (no stac_extensions) with these assets (a JSON object).
json::object ItemWithAssets(std::string_view assets) {
  return Parse(StrCat(R"({"type": "Feature", "stac_version": "1.1.0", "id": "x", "geometry": null,
    "properties": {"datetime": "2000-01-01T00:00:00Z"}, "links": [], "assets": )", assets, "}"));
}

const json::object& Asset(const json::object& item, std::string_view key) {
  return item.at("assets").as_object().at(json::string_view(key.data(), key.size())).as_object();
}
const json::object& Alternate(const json::object& item, std::string_view asset, std::string_view key) {
  return Asset(item, asset).at("alternate").as_object().at(json::string_view(key.data(), key.size())).as_object();
}
const json::object& Properties(const json::object& item) { return item.at("properties").as_object(); }

bool DeclaresExtension(const json::object& document) {
  for (const json::value& uri : document.at("stac_extensions").as_array()) {
    if (uri.as_string() == kSiteAccessExtension) return true;
  }
  return false;
}

// ---- ESGF-NG -----------------------------------------------------------------------------

constexpr char kEsgfItem[] = R"({
  "type": "Feature", "stac_version": "1.1.0",
  "stac_extensions": ["https://stac-extensions.github.io/cmip6/v3.0.2/schema.json",
                      "https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json"],
  "id": "CMIP6.ScenarioMIP.MPI-M.MPI-ESM1-2-HR.ssp585.r1i1p1f1.Amon.tas.gn.v20190710",
  "collection": "CMIP6", "geometry": null,
  "properties": {"datetime": null, "start_datetime": "2015-01-16T12:00:00Z", "end_datetime": "2034-12-16T12:00:00Z",
                 "latest": true, "retracted": false, "access": ["HTTPServer", "Globus"]},
  "links": [],
  "assets": {
    "tas_Amon_MPI-ESM1-2-HR_ssp585_r1i1p1f1_gn_201501-203412.nc": {
      "href": "https://esgf-data.dkrz.de/thredds/fileServer/cmip6/ScenarioMIP/tas_201501-203412.nc",
      "type": "application/netcdf", "roles": ["data", "reference"],
      "alternate:name": "esgf-data.dkrz.de", "node": "esgf-data.dkrz.de", "protocol": "https",
      "file:size": 123456789, "file:checksum": "1220ab",
      "file:local_path": "CMIP6/ScenarioMIP/MPI-M/tas_201501-203412.nc",
      "alternate": {
        "esgf.ceda.ac.uk": {"href": "https://dap.ceda.ac.uk/badc/cmip6/data/tas_201501-203412.nc",
                            "alternate:name": "esgf.ceda.ac.uk", "node": "esgf.ceda.ac.uk",
                            "protocol": "https", "roles": ["data", "replica"]},
        "esgf-node.ornl.gov": {"href": "https://esgf-node.ornl.gov/thredds/dodsC/cmip6/tas_201501-203412.nc",
                               "alternate:name": "esgf-node.ornl.gov", "node": "esgf-node.ornl.gov",
                               "protocol": "opendap", "roles": ["data", "replica"]}
      }
    },
    "globus": {"href": "https://app.globus.org/file-manager?origin_id=x&origin_path=/css03_data/CMIP6/",
               "type": "text/html", "roles": ["data"], "alternate:name": "eagle.alcf.anl.gov",
               "node": "eagle.alcf.anl.gov", "protocol": "globus"},
    "reference_file": {"href": "https://dap.ceda.ac.uk/badc/cmip6/metadata/kerchunk/tas_kr1.0.json",
                       "type": "application/zstd", "roles": ["reference", "data"],
                       "alternate:name": "esgf.ceda.ac.uk", "protocol": "kerchunk"}
  }
})";

TEST_CASE("ESGF-NG item: data nodes, replicas, protocols and engines", "[crawler][annotate]") {
  json::object item = Parse(kEsgfItem);
  CHECK(AnnotateItem(item, Sites("esgf")));
  const auto& file = Asset(item, "tas_Amon_MPI-ESM1-2-HR_ssp585_r1i1p1f1_gn_201501-203412.nc");
  // The data node names the site, even though the catalog lists others.
  CHECK(Field(file, "site:ref") == "dkrz");
  CHECK(Field(file, "site:tier") == "disk");
  CHECK(Field(file, "site:replica") == "false");
  CHECK(Field(file, "access:protocol") == "https");
  CHECK(Field(file, "access:scope") == "public");
  CHECK(Field(file, "access:status") == "online");
  CHECK(Field(file, "access:engine") == "h5netcdf");
  CHECK(Field(file, "file:size") == "123456789");  // the rest stays as it was

  const auto& ceda = Alternate(item, "tas_Amon_MPI-ESM1-2-HR_ssp585_r1i1p1f1_gn_201501-203412.nc", "esgf.ceda.ac.uk");
  CHECK(Field(ceda, "site:ref") == "ceda");
  CHECK(Field(ceda, "site:replica") == "true");
  CHECK(Field(ceda, "access:protocol") == "https");
  CHECK(Field(ceda, "access:engine") == "h5netcdf");  // media type inherited from the asset

  const auto& ornl = Alternate(item, "tas_Amon_MPI-ESM1-2-HR_ssp585_r1i1p1f1_gn_201501-203412.nc", "esgf-node.ornl.gov");
  CHECK(Field(ornl, "site:ref") == "unknown");  // a data node that is no known site: nothing invented
  CHECK(Field(ornl, "access:protocol") == "opendap");
  CHECK(Field(ornl, "access:engine") == "netcdf4");
  CHECK(Field(ornl, "site:replica") == "true");

  const auto& globus = Asset(item, "globus");
  CHECK(Field(globus, "site:ref") == "esgf-west");
  CHECK(Field(globus, "access:protocol") == "globus");
  CHECK(Field(globus, "access:engine") == "");  // an HTML page says nothing about opening data

  const auto& reference = Asset(item, "reference_file");
  CHECK(Field(reference, "site:ref") == "ceda");
  CHECK(Field(reference, "access:protocol") == "kerchunk");
  CHECK(Field(reference, "access:engine") == "kerchunk");
  CHECK(Field(reference, "site:replica") == "");  // "reference" here means a kerchunk file

  const auto& properties = Properties(item);
  CHECK(Field(properties, "site:locations") == R"(["ceda","dkrz","esgf-west"])");
  CHECK(Field(properties, "access:online_status") == "online");
  CHECK(DeclaresExtension(item));
  CHECK(item.at("stac_extensions").as_array().size() == 3);  // the upstream's two kept
}

TEST_CASE("annotation is deterministic and a second pass adds nothing", "[crawler][annotate]") {
  json::object first = Parse(kEsgfItem);
  json::object second = Parse(kEsgfItem);
  AnnotateItem(first, Sites("esgf"));
  AnnotateItem(second, Sites("esgf"));
  CHECK(json::serialize(first) == json::serialize(second));
  const std::string before = json::serialize(first);
  CHECK_FALSE(AnnotateItem(first, Sites("esgf")));
  CHECK(json::serialize(first) == before);
}

// ---- DKRZ EERIE --------------------------------------------------------------------------

constexpr char kEerieItem[] = R"({
  "type": "Feature", "stac_version": "1.1.0", "stac_extensions": [],
  "id": "icon-esm-er.hist-1950.v20240618.atmos.native.2d_monthly_mean", "collection": "icon-esm-er.hist-1950",
  "geometry": null, "properties": {"datetime": "2000-01-01T00:00:00Z"}, "links": [],
  "assets": {
    "dkrz-disk": {"href": "reference::/scratch/bm1344/k203123/experiments/hist-1950/atmos/combined.parq",
                  "type": "application/vnd+zarr", "roles": ["data"],
                  "xarray:open_kwargs": {"engine": "zarr", "chunks": "auto", "consolidated": false},
                  "xarray:storage_options": {"lazy": true, "remote_protocol": "file"}},
    "dkrz-cloud": {"href": "https://swift.dkrz.de/v1/dkrz_0123/eerie/hist-1950/atmos.zarr",
                   "type": "application/vnd+zarr", "roles": ["data"]},
    "dkrz-tape": {"href": "slk:///arch/bm1344/eerie/hist-1950/atmos/combined_slk.parq",
                  "type": "application/vnd+zarr", "roles": ["data"],
                  "xarray:storage_options": {"lazy": true, "remote_protocol": "slk"}},
    "eerie-cloud": {"href": "https://eerie.cloud.dkrz.de/datasets/icon-esm-er.hist-1950.atmos/kerchunk",
                    "type": "application/vnd+zarr", "roles": ["data"],
                    "alternate": {"processed": {"href": "https://eerie.cloud.dkrz.de/datasets/icon-esm-er.hist-1950.atmos/zarr"}}},
    "jupyterlite": {"href": "https://swift.dkrz.de/v1/dkrz_0123/jupyterlite/index.html", "type": "text/html",
                    "roles": ["analysis"]}
  }
})";

TEST_CASE("DKRZ EERIE item: asset keys name site and tier", "[crawler][annotate]") {
  json::object item = Parse(kEerieItem);
  CHECK(AnnotateItem(item, Sites("eerie")));
  const auto& disk = Asset(item, "dkrz-disk");
  CHECK(Field(disk, "site:ref") == "dkrz");
  CHECK(Field(disk, "site:tier") == "disk");
  CHECK(Field(disk, "access:protocol") == "kerchunk");
  CHECK(Field(disk, "access:scope") == "site-internal");
  CHECK(Field(disk, "access:status") == "online");
  CHECK(Field(disk, "access:engine") == "zarr");  // the upstream's own xarray engine

  const auto& cloud = Asset(item, "dkrz-cloud");
  CHECK(Field(cloud, "site:ref") == "dkrz");
  CHECK(Field(cloud, "site:tier") == "object");
  CHECK(Field(cloud, "access:protocol") == "zarr");
  CHECK(Field(cloud, "access:scope") == "public");
  CHECK(Field(cloud, "access:engine") == "zarr");

  const auto& tape = Asset(item, "dkrz-tape");
  CHECK(Field(tape, "site:ref") == "dkrz");
  CHECK(Field(tape, "site:tier") == "tape");
  CHECK(Field(tape, "access:protocol") == "slk");
  CHECK(Field(tape, "access:status") == "nearline");
  CHECK(Field(tape, "access:scope") == "site-internal");  // recalled by DKRZ's users only

  const auto& served = Asset(item, "eerie-cloud");
  CHECK(Field(served, "site:ref") == "dkrz");  // eerie.cloud.dkrz.de under .dkrz.de
  CHECK(Field(served, "site:tier") == "disk");
  CHECK(Field(served, "access:protocol") == "kerchunk");
  CHECK(Field(served, "access:engine") == "kerchunk");
  const auto& processed = Alternate(item, "eerie-cloud", "processed");
  CHECK(Field(processed, "access:protocol") == "zarr");
  CHECK(Field(processed, "access:engine") == "zarr");
  CHECK(Field(processed, "site:ref") == "dkrz");

  CHECK(Field(Asset(item, "jupyterlite"), "access:engine") == "");
  const auto& properties = Properties(item);
  CHECK(Field(properties, "site:locations") == R"(["dkrz"])");
  // The tape asset has no online copy of its own: DMT says partial.
  CHECK(Field(properties, "access:online_status") == "partial");
}

TEST_CASE("DKRZ item with a file:// disk copy and tape as an alternate is online", "[crawler][annotate]") {
  json::object item = ItemWithAssets(R"({
    "dkrz-disk": {"href": "file:///pool/data/CMIP6/data/tas.nc", "type": "application/x-netcdf",
                  "roles": ["data"],
                  "alternate": {"dkrz-tape": {"href": "slk:///arch/ik1017/CMIP6/tas.nc"}}}})");
  CHECK(AnnotateItem(item, Sites("elsewhere")));  // no default site: paths and keys say dkrz
  const auto& disk = Asset(item, "dkrz-disk");
  CHECK(Field(disk, "site:ref") == "dkrz");
  CHECK(Field(disk, "access:protocol") == "posix");
  CHECK(Field(disk, "access:scope") == "site-internal");
  CHECK(Field(disk, "access:engine") == "netcdf4");
  const auto& tape = Alternate(item, "dkrz-disk", "dkrz-tape");
  CHECK(Field(tape, "site:ref") == "dkrz");
  CHECK(Field(tape, "site:tier") == "tape");
  CHECK(Field(tape, "access:status") == "nearline");
  CHECK(Field(tape, "access:scope") == "site-internal");
  CHECK(Field(Properties(item), "access:online_status") == "online");
  CHECK(item.at("stac_extensions").as_array().size() == 1);  // created where it was missing
}

TEST_CASE("a copy read through DKRZ's tape archive is site-internal whatever its href",
          "[crawler][annotate]") {
  json::object item = ItemWithAssets(R"({
    "refs": {"href": "https://eerie.cloud.dkrz.de/refs/combined_slk.json", "roles": ["data"],
             "type": "application/vnd+zarr",
             "xarray:storage_options": {"lazy": true, "remote_protocol": "slk"}},
    "recall": {"href": "https://eerie.cloud.dkrz.de/recall/tas.nc", "access:protocol": "slk"},
    "served": {"href": "https://eerie.cloud.dkrz.de/datasets/tas/zarr", "roles": ["data"],
               "type": "application/vnd+zarr"}})");
  CHECK(AnnotateItem(item, Sites("eerie")));
  CHECK(Field(Asset(item, "refs"), "access:scope") == "site-internal");   // chunks through slk
  CHECK(Field(Asset(item, "recall"), "access:scope") == "site-internal");  // the upstream's slk
  CHECK(Field(Asset(item, "recall"), "access:protocol") == "slk");        // kept as it came
  CHECK(Field(Asset(item, "served"), "access:scope") == "public");
}

// ---- DestinE (CDSE: annotate_rules_test) -------------------------------------------------

TEST_CASE("DestinE items: the LUMI download host, an origin elsewhere, an orderable item", "[crawler][annotate]") {
  json::object item = Parse(R"({
    "type": "Feature", "stac_version": "1.0.0", "id": "S3A_OL_2_WRR", "geometry": null,
    "properties": {"datetime": "2024-09-09T13:09:29Z", "federation:backends": ["eumetsat"]}, "links": [],
    "assets": {"Oa01_reflectance.nc": {
      "href": "https://hda-download.lumi.data.destination-earth.eu/data/eumetsat/S3A.SEN3/Oa01_reflectance.nc",
      "type": "application/x-netcdf", "roles": ["data"],
      "alternate": {"origin": {"href": "https://api.eumetsat.int/data/download/1.0.0/collections/x/entry?name=Oa01",
                               "type": "application/x-netcdf", "roles": ["data"]}}}}
  })");
  CHECK(AnnotateItem(item, Sites("destine")));
  const auto& band = Asset(item, "Oa01_reflectance.nc");
  CHECK(Field(band, "site:ref") == "lumi");
  CHECK(Field(band, "access:protocol") == "https");
  CHECK(Field(band, "access:engine") == "h5netcdf");
  const auto& origin = Alternate(item, "Oa01_reflectance.nc", "origin");
  CHECK(Field(origin, "site:ref") == "unknown");  // api.eumetsat.int: no site serves it
  CHECK(Field(origin, "access:status") == "online");
  CHECK(Field(Properties(item), "site:locations") == R"(["lumi"])");

  json::object orderable = Parse(R"({
    "type": "Feature", "stac_version": "1.0.0", "id": "ERA5_SL_ORDERABLE_0a1b", "geometry": null,
    "properties": {"datetime": null, "start_datetime": "2020-01-01T00:00:00Z", "end_datetime": "2020-01-02T00:00:00Z",
                   "order:status": "orderable", "storage:tier": "offline"},
    "links": [], "assets": {}
  })");
  CHECK(AnnotateItem(orderable, Sites("destine")));
  CHECK(Field(Properties(orderable), "access:online_status") == "offline");
  CHECK(Field(Properties(orderable), "site:locations") == "");
  CHECK(DeclaresExtension(orderable));
}

// ---- no site, one site, upstream fields --------------------------------------------------

constexpr char kUnknownHostItem[] = R"({
  "type": "Feature", "stac_version": "1.1.0", "id": "u", "geometry": null,
  "properties": {"datetime": "2000-01-01T00:00:00Z"}, "links": [],
  "assets": {
    "data": {"href": "https://data.example.org/files/u.grib2", "type": "application/x-grib", "roles": ["data"]},
    "named": {"href": "https://mirror.example.net/u.nc", "type": "application/netcdf", "roles": ["data"],
              "alternate:name": "esgf-node.example.net"},
    "relative": {"href": "/api/storage/v1/u.nc", "type": "application/netcdf", "roles": ["metadata"]}
  }
})";

TEST_CASE("hosts no site serves: site:ref \"unknown\", whatever the catalog's sites", "[crawler][annotate]") {
  json::object item = Parse(kUnknownHostItem);
  CHECK(AnnotateItem(item, Sites("elsewhere")));
  CHECK(Field(Asset(item, "data"), "site:ref") == "unknown");
  CHECK(Field(Asset(item, "data"), "site:tier") == "");
  CHECK(Field(Asset(item, "data"), "access:protocol") == "https");
  CHECK(Field(Asset(item, "data"), "access:engine") == "cfgrib");
  // A bare path under no site's prefix is a relative URL: nothing is claimed about it.
  CHECK(Field(Asset(item, "relative"), "site:ref") == "unknown");
  CHECK(Field(Asset(item, "relative"), "access:protocol") == "");
  CHECK(Field(Asset(item, "relative"), "access:scope") == "");
  CHECK(Field(Properties(item), "site:locations") == "");
  CHECK(Field(Properties(item), "access:online_status") == "online");

  json::object without_registry = Parse(kUnknownHostItem);
  CHECK(AnnotateItem(without_registry, SiteRegistry()));
  CHECK(Field(Asset(without_registry, "data"), "site:ref") == "");

  // The catalog's only site holds nothing by default: a host it does not list is not its.
  json::object single = Parse(kUnknownHostItem);
  AnnotateItem(single, Sites("eerie"));
  CHECK(Field(Asset(single, "data"), "site:ref") == "unknown");
  CHECK(Field(Asset(single, "named"), "site:ref") == "unknown");
  CHECK(Field(Properties(single), "site:locations") == "");
}

TEST_CASE("fields the upstream set are kept", "[crawler][annotate]") {
  json::object item = Parse(R"({
    "type": "Feature", "stac_version": "1.1.0", "id": "kept", "geometry": null,
    "stac_extensions": ["http://127.0.0.1:8080/extensions/site-access/v1.0.0/schema.json"],
    "properties": {"datetime": "2000-01-01T00:00:00Z", "site:locations": ["upstream-site"]}, "links": [],
    "assets": {
      "a": {"href": "https://esgf-data.dkrz.de/a.nc", "type": "application/netcdf", "roles": ["data"],
            "site:ref": "ceda", "site:tier": "tape", "access:status": "offline", "site:replica": true,
            "access:engine": "netcdf4"},
      "b": {"href": "https://esgf-data.dkrz.de/b.nc", "type": "application/netcdf", "roles": ["data"],
            "access:protocol": "opendap"}
    }
  })");
  CHECK(AnnotateItem(item, Sites("esgf")));
  const auto& a = Asset(item, "a");
  CHECK(Field(a, "site:ref") == "ceda");
  CHECK(Field(a, "site:tier") == "tape");
  CHECK(Field(a, "access:status") == "offline");
  CHECK(Field(a, "site:replica") == "true");
  CHECK(Field(a, "access:engine") == "netcdf4");
  CHECK(Field(a, "access:protocol") == "https");  // what was missing is still added
  const auto& b = Asset(item, "b");
  CHECK(Field(b, "access:protocol") == "opendap");
  CHECK(Field(b, "access:engine") == "netcdf4");  // derived from the upstream's protocol
  CHECK(Field(Properties(item), "site:locations") == R"(["upstream-site"])");
  // a is offline (as the upstream says), b online.
  CHECK(Field(Properties(item), "access:online_status") == "partial");
  CHECK(item.at("stac_extensions").as_array().size() == 1);  // declared once
}

// ---- collections and the registry --------------------------------------------------------

TEST_CASE("collections carry the catalog's sites", "[crawler][annotate]") {
  json::object collection = Parse(R"({"type": "Collection", "id": "c", "stac_version": "1.1.0",
      "description": "d", "license": "other", "links": [], "extent": {}})");
  CHECK(AnnotateCollection(collection, Sites("esgf")));
  const json::object& sites = collection.at("site:sites").as_object();
  CHECK(sites.size() == 2);
  CHECK(Field(sites.at("ceda").as_object(), "name") == "CEDA");
  CHECK(Field(sites.at("ceda").as_object(), "country") == "GB");
  CHECK(Field(sites.at("esgf-west").as_object(), "kind") == "cloud");
  CHECK(DeclaresExtension(collection));

  json::object dkrz = Parse(R"({"type": "Collection", "id": "d", "description": "d", "links": [],
      "assets": {"intake": {"href": "https://swift.dkrz.de/v1/x/catalog.json", "type": "application/json",
                            "roles": ["metadata", "catalog"]}}})");
  CHECK(AnnotateCollection(dkrz, Sites("eerie")));
  CHECK(Field(dkrz.at("site:sites").as_object().at("dkrz").as_object(), "compute") ==
        R"([{"type":"jupyterhub","href":"https://jupyterhub.dkrz.de"}])");
  CHECK(Field(Asset(dkrz, "intake"), "site:ref") == "dkrz");

  json::object plain = Parse(R"({"type": "Collection", "id": "e", "description": "d", "links": []})");
  CHECK_FALSE(AnnotateCollection(plain, Sites("elsewhere")));
  CHECK_FALSE(plain.contains("site:sites"));
  CHECK_FALSE(plain.contains("stac_extensions"));
}

TEST_CASE("site registry: hosts, domains, paths and keys", "[crawler][annotate]") {
  const SiteRegistry sites = Sites("esgf");
  auto id = [](const std::string* site) { return site ? *site : std::string("-"); };
  CHECK(id(sites.SiteOfHost("esgf-data.dkrz.de")) == "dkrz");
  CHECK(id(sites.SiteOfHost("ESGF-DATA.DKRZ.DE")) == "dkrz");
  CHECK(id(sites.SiteOfHost("dkrz.de")) == "dkrz");
  CHECK(id(sites.SiteOfHost("notdkrz.de")) == "-");
  CHECK(id(sites.SiteOfHost("eagle.alcf.anl.gov")) == "esgf-west");
  CHECK(id(sites.SiteOfHost("other.alcf.anl.gov")) == "-");  // an exact host covers no domain
  CHECK(id(sites.SiteOfHost("")) == "-");
  CHECK(id(sites.SiteOfPath("/pool/data/CMIP6/x.nc")) == "dkrz");
  CHECK(id(sites.SiteOfPath("/pool/data")) == "dkrz");
  CHECK(id(sites.SiteOfPath("/pool/database/x")) == "-");
  CHECK(id(sites.SiteOfPath("/badc/cmip6")) == "ceda");
  CHECK(id(sites.SiteOfKey("dkrz-tape")) == "dkrz");
  CHECK(id(sites.SiteOfKey("dkrz")) == "dkrz");
  CHECK(id(sites.SiteOfKey("dkrzx")) == "-");
  CHECK(id(sites.SiteOfKey("esgf-west-disk")) == "esgf-west");
  CHECK(id(sites.SiteOfBackend("dedt_lumi")) == "-");  // a 1.1 file names no backend
  CHECK_FALSE(sites.LocateHost("esgf-data.dkrz.de")->gateway_tier.has_value());
  CHECK(Sites("no-such-catalog").catalog_sites().empty());
}

constexpr char kGatewayFederation[] = R"({
  "stacfed_federation": "1.3",
  "sites": {
    "cdse": {"name": "CDSE", "country": "PL", "kind": "cloud", "hosts": ["portal.dataspace.copernicus.eu"],
             "gateways": [{"host": "zipper.dataspace.copernicus.eu", "tier": "object"},
                          {"host": ".eodata.example.eu", "tier": "object"}]},
    "dkrz": {"name": "DKRZ", "country": "DE", "kind": "hpc", "hosts": [".dkrz.de"],
             "gateways": [{"host": "tape-gateway.dkrz.de", "tier": "tape"}]},
    "lumi": {"name": "LUMI", "country": "FI", "kind": "hpc", "backends": ["dedt_lumi"]}
  },
  "catalogs": [{"id": "c", "description": "d"}]
})";

SiteRegistry GatewaySites() {
  auto federation = federation::ParseFederation(kGatewayFederation);
  REQUIRE(federation.ok());
  return SiteRegistry::ForCatalog(*federation, "c");
}

TEST_CASE("site registry: gateways carry the tier behind them, backends name sites", "[crawler][annotate]") {
  const SiteRegistry sites = GatewaySites();
  auto zipper = sites.LocateHost("ZIPPER.dataspace.copernicus.eu");
  REQUIRE(zipper.has_value());
  CHECK(*zipper->site == "cdse");
  CHECK(zipper->gateway_tier == federation::StorageTier::kObject);
  CHECK(sites.LocateHost("a.eodata.example.eu")->gateway_tier == federation::StorageTier::kObject);
  CHECK_FALSE(sites.LocateHost("portal.dataspace.copernicus.eu")->gateway_tier.has_value());
  // An exact gateway host wins over the site's domain.
  CHECK(sites.LocateHost("tape-gateway.dkrz.de")->gateway_tier == federation::StorageTier::kTape);
  CHECK_FALSE(sites.LocateHost("esgf-data.dkrz.de")->gateway_tier.has_value());
  CHECK_FALSE(sites.LocateHost("download.dataspace.copernicus.eu").has_value());
  CHECK(*sites.SiteOfBackend("dedt_lumi") == "lumi");
  CHECK(sites.SiteOfBackend("dedt_mn5") == nullptr);
}

// ---- the rules as a list ------------------------------------------------------------------

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("every annotation rule is named, documented in crawler/README.md and tested", "[crawler][annotate]") {
  const std::string dir = testing::CrawlerTestDir();
  const std::string readme = ReadText(StrCat(dir, "/../../crawler/README.md"));
  const std::string tests = ReadText(StrCat(dir, "/annotate_rules_test.cpp"));
  REQUIRE_FALSE(annotate::Rules().empty());
  for (const annotate::RuleInfo& rule : annotate::Rules()) {
    const std::string name(rule.name);
    INFO(name);
    CHECK_FALSE(rule.providers.empty());
    CHECK_FALSE(rule.says.empty());
    CHECK(readme.find(StrCat("`", name, "`")) != std::string::npos);
    CHECK(tests.find(StrCat("[rule:", name, "]")) != std::string::npos);
  }
}

TEST_CASE("the first rule with evidence locates a copy, and says which it was", "[crawler][annotate]") {
  const SiteRegistry sites = GatewaySites();
  auto locate = [&](std::string_view copy_json, std::string_view key = "a") {
    const json::object copy = Parse(copy_json);
    return annotate::LocateCopy(annotate::ReadCopy(copy, key, false, {}), annotate::DocumentHints{}, sites);
  };
  annotate::Location gateway = locate(R"({"href": "https://zipper.dataspace.copernicus.eu/odata/v1/x/$value"})");
  CHECK(*gateway.site == "cdse");
  CHECK(gateway.rule == "host");
  CHECK_FALSE(gateway.plain_host);
  annotate::Location node = locate(R"({"href": "https://elsewhere.example.org/x.nc", "node": "esgf-data.dkrz.de"})");
  CHECK(*node.site == "dkrz");
  CHECK(node.rule == "esgf-data-node");
  CHECK(node.plain_host);
  annotate::Location key = locate(R"({"href": "slk:///somewhere/x.nc"})", "dkrz-tape");
  CHECK(*key.site == "dkrz");
  CHECK(key.rule == "site-key");
  CHECK(locate(R"({"href": "https://pad.gwdg.de/x"})", "dkrz-doc").site == nullptr);

  const json::object copy = Parse(R"({"href": "https://zipper.dataspace.copernicus.eu/odata/v1/x/$value"})");
  const annotate::Copy read = annotate::ReadCopy(copy, "https", true, "application/netcdf");
  const annotate::Decision tier = annotate::DecideTier(read, gateway, sites);
  CHECK(tier.value == "object");
  CHECK(tier.rule == "gateway");
}

TEST_CASE("hrefs are cut with Boost.URL; POSIX paths are taken as they are", "[crawler][annotate]") {
  const annotate::Href s3 = annotate::ParseHref("s3://eodata/Sentinel-2/x.jp2");
  CHECK(s3.scheme == "s3");
  CHECK(s3.host == "eodata");
  CHECK(s3.path == "/Sentinel-2/x.jp2");
  const annotate::Href https = annotate::ParseHref("https://user@Host.Example.org:8443/a/b.nc?x=1#f");
  CHECK(https.host == "Host.Example.org");
  CHECK(https.path == "/a/b.nc");
  const annotate::Href slk = annotate::ParseHref("slk:///arch/bm1344/x.parq");
  CHECK(slk.scheme == "slk");
  CHECK(slk.host.empty());
  CHECK(slk.IsPath());
  const annotate::Href reference = annotate::ParseHref("reference::/scratch/bm1344/with space/combined.parq");
  CHECK(reference.reference);
  CHECK(reference.bare_path);
  CHECK(reference.path == "/scratch/bm1344/with space/combined.parq");
  const annotate::Href broken = annotate::ParseHref("https://host with space/x");
  CHECK(broken.scheme.empty());
  CHECK(broken.host.empty());
}

TEST_CASE("kerchunk evidence needs media type, name and roles together", "[crawler][annotate]") {
  auto evidence = [](std::string_view copy_json) {
    const json::object copy = Parse(copy_json);
    return std::string(annotate::KerchunkEvidence(annotate::ReadCopy(copy, "a", false, {})));
  };
  CHECK(evidence(R"({"href": "https://x.org/report.json", "type": "application/json", "roles": ["reference"]})") == "");
  CHECK(evidence(R"({"href": "https://x.org/kerchunk/r.json", "type": "application/json", "roles": ["reference"]})") ==
        "named-reference-file");
  CHECK(evidence(R"({"href": "https://x.org/r.zst", "type": "application/zstd", "roles": ["reference"],
                     "open_zarr_kwargs": {}})") == "named-reference-file");
  CHECK(evidence(R"({"href": "https://x.org/kerchunk/r.json", "type": "application/json", "roles": ["metadata"]})") ==
        "");
  CHECK(evidence(R"({"href": "https://x.org/r.json", "type": "application/json; charset=utf-8",
                     "roles": ["references"]})") == "xpystac-references");
  CHECK(evidence(R"({"href": "https://x.org/r.json", "type": "application/geo+json", "roles": ["index"]})") == "");
  CHECK(evidence(R"({"href": "https://x.org/datasets/d/kerchunk", "type": "application/vnd+zarr"})") ==
        "kerchunk-endpoint");
}

// ---- the extension URI -------------------------------------------------------------------

TEST_CASE("the extension URI is the served schema under STACFED_PUBLIC_URL", "[crawler][annotate]") {
  CHECK(*SiteAccessExtensionUri(std::nullopt) == "http://127.0.0.1:8080/extensions/site-access/v1.0.0/schema.json");
  CHECK(*SiteAccessExtensionUri("") == *SiteAccessExtensionUri(std::nullopt));
  CHECK(*SiteAccessExtensionUri(std::nullopt) == kSiteAccessExtension);
  CHECK(*SiteAccessExtensionUri("https://stac.example.org/fed//") ==
        "https://stac.example.org/fed/extensions/site-access/v1.0.0/schema.json");
  CHECK(*SiteAccessExtensionUri("http://[::1]:8081") == "http://[::1]:8081/extensions/site-access/v1.0.0/schema.json");
  for (std::string_view bad : {"stac.example.org", "ftp://stac.example.org", "https://h/?x=1", "https://h/#f",
                               "https://", "file:///srv/stac", "not a url"}) {
    INFO(bad);
    const auto uri = SiteAccessExtensionUri(bad);
    REQUIRE_FALSE(uri.ok());
    CHECK(absl::IsInvalidArgument(uri.status()));
    CHECK(uri.status().message().find("STACFED_PUBLIC_URL") != std::string_view::npos);
  }
  setenv("STACFED_PUBLIC_URL", "https://stac.example.org/", 1);
  CHECK(*SiteAccessExtensionUriFromEnv() == "https://stac.example.org/extensions/site-access/v1.0.0/schema.json");
  setenv("STACFED_PUBLIC_URL", "example.org", 1);
  CHECK_FALSE(SiteAccessExtensionUriFromEnv().ok());
  unsetenv("STACFED_PUBLIC_URL");
  CHECK(*SiteAccessExtensionUriFromEnv() == kSiteAccessExtension);
}

TEST_CASE("annotation names the URI it is given, once", "[crawler][annotate]") {
  const std::string uri = "https://stac.example.org/extensions/site-access/v1.0.0/schema.json";
  json::object item = Parse(kEsgfItem);
  CHECK(AnnotateItem(item, Sites("esgf"), uri));
  json::object again = item;
  AnnotateItem(again, Sites("esgf"), uri);  // nothing new: still declared once
  int named = 0;
  for (const json::value& value : again.at("stac_extensions").as_array()) {
    named += value.as_string() == uri ? 1 : 0;
    CHECK(value.as_string() != kSiteAccessExtension);
  }
  CHECK(named == 1);
  json::object collection = Parse(R"({"type": "Collection", "id": "c", "stac_version": "1.1.0",
      "description": "d", "license": "other", "links": [], "extent": {}})");
  CHECK(AnnotateCollection(collection, Sites("esgf"), uri));
  CHECK(collection.at("stac_extensions").as_array().back().as_string() == uri);
}

}  // namespace
}  // namespace stacfed::crawler

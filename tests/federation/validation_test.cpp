// Reading and validating federation files: the shipped examples, the structural cases shared
// with the JSON Schema test (cases/invalid_structure.json), and the checks only code can do.

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "libstac/base/paths.hpp"
#include "libstac/federation/federation.hpp"

namespace fed = stacfed::federation;

namespace {

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path Root() { return *stacfed::ProjectRoot(); }

// The errors of a document as "pointer: problem" lines, for readable failures.
std::string Describe(const std::vector<fed::ValidationError>& errors) {
  std::string out;
  for (const auto& error : errors) out += error.ToString() + "\n";
  return out;
}

bool HasError(const std::vector<fed::ValidationError>& errors, std::string_view pointer,
              std::string_view problem_part) {
  return std::any_of(errors.begin(), errors.end(), [&](const fed::ValidationError& error) {
    return error.pointer == pointer && error.problem.find(problem_part) != std::string::npos;
  });
}

constexpr char kHeader[] = R"({"stacfed_federation": "1.0", )";

}  // namespace

TEST_CASE("the shipped federation files are valid", "[federation][validation]") {
  for (const char* relative : {"deploy/federation.example.json", "deploy/demo/federation.json"}) {
    INFO(relative);
    auto errors = fed::ValidateFederation(ReadText(Root() / relative));
    CHECK(Describe(errors) == "");
  }
}

TEST_CASE("the example file reads into the expected structures", "[federation][validation]") {
  auto federation = fed::LoadFederationFile(Root() / "deploy/federation.example.json");
  REQUIRE(federation.ok());
  CHECK(federation->version == "1.4");

  const fed::Site* dkrz = federation->FindSite("dkrz");
  REQUIRE(dkrz != nullptr);
  CHECK(dkrz->country == "DE");
  CHECK(dkrz->kind == fed::SiteKind::kHpc);
  REQUIRE(dkrz->compute.size() == 1);
  CHECK(dkrz->compute[0].type == "jupyterhub");
  CHECK(dkrz->hosts == std::vector<std::string>{".dkrz.de"});
  REQUIRE_FALSE(dkrz->paths.empty());
  CHECK(dkrz->paths[0] == "/pool/data");
  const fed::Site* bsc = federation->FindSite("bsc");
  REQUIRE(bsc != nullptr);
  CHECK(bsc->paths.empty());  // both fields are optional
  CHECK(bsc->gateways.empty());
  const fed::Site* cdse = federation->FindSite("cdse-cloud");
  REQUIRE(cdse != nullptr);
  REQUIRE(cdse->gateways.size() == 4);
  CHECK(cdse->gateways[2].host == "zipper.dataspace.copernicus.eu");
  CHECK(cdse->gateways[2].tier == fed::StorageTier::kObject);
  CHECK(federation->FindSite("lumi")->backends == std::vector<std::string>{"dedt_lumi"});

  const fed::Catalog* east = federation->FindCatalog("esgf-east");
  REQUIRE(east != nullptr);
  REQUIRE(east->harvest.has_value());
  CHECK(east->harvest->url == "https://api.stac.esgf.ceda.ac.uk");
  CHECK(east->harvest->type == fed::HarvestType::kStacApi);
  CHECK(east->harvest->concurrency == 4);
  CHECK(east->harvest->Wants("CMIP6"));
  CHECK_FALSE(east->harvest->Wants("CMIP6Test"));
  REQUIRE(east->characterisation.institution.has_value());
  CHECK(east->characterisation.institution->country == "GBR");
  CHECK(east->characterisation.certificates == std::vector<std::string>{"CoreTrustSeal"});

  const fed::Catalog* warmworld = federation->FindCatalog("warmworld");
  REQUIRE(warmworld != nullptr);
  CHECK_FALSE(warmworld->harvest->Wants("ngc4008"));
  CHECK(warmworld->harvest->Wants("some-other-run"));

  const fed::Catalog* eerie = federation->FindCatalog("eerie");
  REQUIRE(eerie != nullptr);
  CHECK(eerie->harvest->type == fed::HarvestType::kStatic);
  CHECK(eerie->harvest->max_items_per_collection == 500);

  std::vector<std::string> top;
  for (const fed::Catalog* catalog : federation->TopLevelCatalogs()) top.push_back(catalog->id);
  CHECK(top == std::vector<std::string>{"dkrz", "esgf", "copernicus", "destine", "km-scale"});
  CHECK(federation->HarvestedCatalogs().size() == 7);
}

TEST_CASE("harvest defaults apply when the file leaves them out", "[federation][validation]") {
  auto federation = fed::ParseFederation(std::string(kHeader) + R"("catalogs": [
      {"id": "a", "description": "d", "harvest": {"url": "https://example.org/stac", "type": "stac-api"}}]})");
  REQUIRE(federation.ok());
  const fed::HarvestSource& source = *federation->catalogs[0].harvest;
  CHECK(source.schedule == "daily");
  CHECK(source.concurrency == 2);
  CHECK(source.rate_limit_per_second == 2.0);
  CHECK_FALSE(source.max_items_per_collection.has_value());
  CHECK(source.Wants("anything"));
}

TEST_CASE("structural errors match the JSON Schema cases", "[federation][validation]") {
  auto cases = boost::json::parse(ReadText(Root() / "tests/federation/cases/invalid_structure.json"));
  const auto& list = cases.at("cases").as_array();
  REQUIRE(list.size() >= 10);
  for (const auto& entry : list) {
    std::string name(entry.at("name").as_string());
    std::string pointer(entry.at("pointer").as_string());
    INFO(name);
    auto errors = fed::ValidateFederation(boost::json::serialize(entry.at("document")));
    INFO(Describe(errors));
    CHECK(std::any_of(errors.begin(), errors.end(),
                      [&](const fed::ValidationError& e) { return e.pointer == pointer; }));
  }
}

TEST_CASE("errors name the pointer and the problem", "[federation][validation]") {
  auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
      {"id": "esgf", "description": "d", "children": [{"catalog": "esgf-east"}, {"catalog": "esgf-wst"}]},
      {"id": "esgf-east", "description": "d", "sites": ["ceda"]}]})");
  CHECK(HasError(errors, "/catalogs/0/children/1", "unknown catalog \"esgf-wst\""));
  CHECK(HasError(errors, "/catalogs/1/sites/0", "unknown site \"ceda\""));
  CHECK(errors.size() == 2);

  auto status = fed::ParseFederation(std::string(kHeader) + R"("catalogs": [
      {"id": "esgf", "description": "d", "children": [{"catalog": "esgf-wst"}]}]})");
  REQUIRE_FALSE(status.ok());
  CHECK(status.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(status.status().message()) ==
        "invalid federation file (1 error):\n  /catalogs/0/children/0: unknown catalog \"esgf-wst\"");
}

TEST_CASE("a vocabulary error lists the allowed values", "[federation][validation]") {
  auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
      {"id": "a", "description": "d", "characterisation": {"api_type": ["GraphQL"]}}]})");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].pointer == "/catalogs/0/characterisation/api_type/0");
  CHECK(errors[0].problem.find("\"GraphQL\" is not one of \"FTP\"") == 0);
}

TEST_CASE("duplicate catalog ids and duplicate children are rejected", "[federation][validation]") {
  auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
      {"id": "a", "description": "d", "children": [{"collection": "c"}, {"collection": "c"}]},
      {"id": "a", "description": "again"}]})");
  CHECK(HasError(errors, "/catalogs/1/id", "duplicate catalog id \"a\" (first at /catalogs/0)"));
  CHECK(HasError(errors, "/catalogs/0/children/1",
                 "duplicate child collection \"c\" (also at /catalogs/0/children/0)"));
}

TEST_CASE("cycles are rejected and named", "[federation][validation]") {
  SECTION("a three-catalog cycle") {
    auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
        {"id": "a", "description": "d", "children": [{"catalog": "b"}]},
        {"id": "b", "description": "d", "children": [{"catalog": "c"}, {"collection": "x"}]},
        {"id": "c", "description": "d", "children": [{"catalog": "a"}]}]})");
    INFO(Describe(errors));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].pointer == "/catalogs/2/children/0");
    CHECK(errors[0].problem == "cycle: a -> b -> c -> a");
  }
  SECTION("a catalog that is its own child") {
    auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
        {"id": "a", "description": "d", "children": [{"catalog": "a"}]}]})");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].ToString() == "/catalogs/0/children/0: cycle: a -> a");
  }
  SECTION("a diamond is not a cycle") {
    auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
        {"id": "top", "description": "d", "children": [{"catalog": "left"}, {"catalog": "right"}]},
        {"id": "left", "description": "d", "children": [{"catalog": "bottom"}]},
        {"id": "right", "description": "d", "children": [{"catalog": "bottom"}]},
        {"id": "bottom", "description": "d", "children": [{"collection": "x"}]}]})");
    CHECK(Describe(errors) == "");
  }
}

TEST_CASE("broken JSON and unreadable files are reported", "[federation][validation]") {
  auto errors = fed::ValidateFederation("{\n  \"stacfed_federation\": \"1.0\",\n  \"catalogs\": [\n}");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].pointer == "");
  CHECK(errors[0].problem.find("not valid JSON (line 4") == 0);

  auto missing = fed::LoadFederationFile(Root() / "deploy/no-such-federation.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);

  auto not_object = fed::ValidateFederation("[1, 2]");
  REQUIRE(not_object.size() == 1);
  CHECK(not_object[0].ToString() == "/: expected an object, got an array");
}

TEST_CASE("a host or path prefix belongs to one site", "[federation][validation]") {
  auto errors = fed::ValidateFederation(std::string(kHeader) + R"("sites": {
      "dkrz": {"name": "n", "country": "DE", "kind": "hpc", "hosts": [".dkrz.de"], "paths": ["/pool/data/"]},
      "mirror": {"name": "m", "country": "DE", "kind": "hpc", "hosts": [".DKRZ.de", "ok.example.org"],
                 "paths": ["/pool/data", "/work"]}},
      "catalogs": [{"id": "a", "description": "d"}]})");
  INFO(Describe(errors));
  CHECK(HasError(errors, "/sites/mirror/hosts/0", "already listed by site \"dkrz\""));
  CHECK(HasError(errors, "/sites/mirror/paths/0", "already listed by site \"dkrz\""));
  CHECK(errors.size() == 2);

  auto valid = fed::ParseFederation(std::string(kHeader) + R"("sites": {
      "dkrz": {"name": "n", "country": "DE", "kind": "hpc", "hosts": [".dkrz.de", "esgf-data.dkrz.de"],
               "paths": ["/pool/data", "/scratch/bm1344/"]}},
      "catalogs": [{"id": "a", "description": "d", "sites": ["dkrz"]}]})");
  REQUIRE(valid.ok());
  CHECK(valid->sites[0].hosts == std::vector<std::string>{".dkrz.de", "esgf-data.dkrz.de"});
  CHECK(valid->sites[0].paths == std::vector<std::string>{"/pool/data", "/scratch/bm1344/"});
}

TEST_CASE("gateways and backends (1.3) belong to one site; a host is a plain host or a gateway",
          "[federation][validation]") {
  auto errors = fed::ValidateFederation(R"({"stacfed_federation": "1.3", "sites": {
      "dkrz": {"name": "n", "country": "DE", "kind": "hpc", "hosts": [".dkrz.de", "data.example.org"],
               "gateways": [{"host": "DATA.example.org", "tier": "object"}], "backends": ["dedt_lumi"]},
      "cdse": {"name": "c", "country": "PL", "kind": "cloud",
               "gateways": [{"host": ".dkrz.de", "tier": "object"}, {"host": "zipper.example.eu", "tier": "object"},
                            {"host": "zipper.example.eu", "tier": "tape"}]},
      "lumi": {"name": "l", "country": "FI", "kind": "hpc", "backends": ["dedt_lumi", "DEDT_LUMI"]}},
      "catalogs": [{"id": "a", "description": "d"}]})");
  INFO(Describe(errors));
  CHECK(HasError(errors, "/sites/dkrz/gateways/0/host", "listed as a host and as a gateway to object"));
  CHECK(HasError(errors, "/sites/cdse/gateways/0/host", "already listed by site \"dkrz\""));
  CHECK(HasError(errors, "/sites/cdse/gateways/2/host", "listed as a gateway to object and as a gateway to tape"));
  CHECK(HasError(errors, "/sites/lumi/backends/0", "already listed by site \"dkrz\""));
  CHECK(errors.size() == 4);  // backend names compare exactly: DEDT_LUMI is another name

  auto valid = fed::ParseFederation(R"({"stacfed_federation": "1.3", "sites": {
      "cdse": {"name": "c", "country": "PL", "kind": "cloud", "hosts": ["browser.dataspace.copernicus.eu"],
               "gateways": [{"host": "zipper.dataspace.copernicus.eu", "tier": "object"},
                            {"host": ".eodata.example.eu", "tier": "cache"}]},
      "lumi": {"name": "l", "country": "FI", "kind": "hpc", "backends": ["dedt_lumi"]}},
      "catalogs": [{"id": "a", "description": "d", "sites": ["cdse"]}]})");
  REQUIRE(valid.ok());
  REQUIRE(valid->sites[0].gateways.size() == 2);
  CHECK(valid->sites[0].gateways[1].host == ".eodata.example.eu");
  CHECK(valid->sites[0].gateways[1].tier == fed::StorageTier::kCache);
  CHECK(valid->sites[1].backends == std::vector<std::string>{"dedt_lumi"});
}

TEST_CASE("files of formats 1.0 to 1.2 read as before: no gateways, no backends", "[federation][validation]") {
  for (const char* version : {"1.0", "1.1", "1.2"}) {
    INFO(version);
    auto federation = fed::ParseFederation(std::string(R"({"stacfed_federation": ")") + version + R"(", "sites": {
        "dkrz": {"name": "n", "country": "DE", "kind": "hpc", "hosts": [".dkrz.de"], "paths": ["/pool/data"]}},
        "catalogs": [{"id": "a", "description": "d", "sites": ["dkrz"],
                      "children": [{"collection": "c", "primary": true}]}]})");
    REQUIRE(federation.ok());
    CHECK(federation->sites[0].gateways.empty());
    CHECK(federation->sites[0].backends.empty());
  }
  // "unknown" is the site:ref of copies no rule locates: no site may take it, in any version.
  auto reserved = fed::ValidateFederation(R"({"stacfed_federation": "1.0", "sites": {
      "unknown": {"name": "n", "country": "DE", "kind": "hpc"}}, "catalogs": [{"id": "a", "description": "d"}]})");
  CHECK(HasError(reserved, "/sites/unknown", "reserved"));
}

TEST_CASE("site keys are escaped in pointers", "[federation][validation]") {
  auto errors = fed::ValidateFederation(std::string(kHeader) + R"("sites": {"a/b": {"name": "n", "country": "DE", "kind": "hpc"}},
      "catalogs": [{"id": "a", "description": "d"}]})");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].pointer == "/sites/a~1b");
}

TEST_CASE("a child may be marked primary under one of its parents", "[federation][validation]") {
  auto federation = fed::ParseFederation(std::string(kHeader) + R"("catalogs": [
      {"id": "esgf", "description": "d", "children": [{"catalog": "esgf-west"}, {"catalog": "esgf-east"}]},
      {"id": "esgf-west", "description": "d", "children": [{"collection": "CMIP6", "primary": false}]},
      {"id": "esgf-east", "description": "d", "children": [{"collection": "CMIP6", "primary": true},
                                                           {"collection": "CORDEX-CMIP6"}]}]})");
  INFO((federation.ok() ? "" : std::string(federation.status().message())));
  REQUIRE(federation.ok());
  const fed::Catalog* west = federation->FindCatalog("esgf-west");
  const fed::Catalog* east = federation->FindCatalog("esgf-east");
  REQUIRE(west != nullptr);
  REQUIRE(east != nullptr);
  CHECK(west->children == std::vector<fed::ChildRef>{{fed::ChildKind::kCollection, "CMIP6", false}});
  CHECK(east->children == std::vector<fed::ChildRef>{{fed::ChildKind::kCollection, "CMIP6", true},
                                                     {fed::ChildKind::kCollection, "CORDEX-CMIP6", false}});
  CHECK_FALSE(federation->catalogs[0].children[0].primary);
}

TEST_CASE("a child marked primary under two parents is rejected", "[federation][validation]") {
  SECTION("a collection") {
    auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
        {"id": "esgf", "description": "d", "children": [{"catalog": "esgf-west"}, {"catalog": "esgf-east"}]},
        {"id": "esgf-west", "description": "d", "children": [{"collection": "CMIP6", "primary": true}]},
        {"id": "esgf-east", "description": "d", "children": [{"collection": "CMIP6", "primary": true}]}]})");
    INFO(Describe(errors));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].ToString() ==
          "/catalogs/2/children/0: collection \"CMIP6\" is marked primary under catalog "
          "\"esgf-east\" and under catalog \"esgf-west\" (at /catalogs/1/children/0); a child "
          "has one primary parent");
  }
  SECTION("a catalog, marked by three parents: every mark after the first is reported") {
    auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
        {"id": "dkrz", "description": "d", "children": [{"catalog": "eerie", "primary": true}]},
        {"id": "km-scale", "description": "d", "children": [{"collection": "x"}, {"catalog": "eerie", "primary": true}]},
        {"id": "eerie", "description": "d"},
        {"id": "themes", "description": "d", "children": [{"catalog": "eerie", "primary": true}]}]})");
    INFO(Describe(errors));
    CHECK(errors.size() == 2);
    CHECK(HasError(errors, "/catalogs/1/children/1",
                   "catalog \"eerie\" is marked primary under catalog \"km-scale\" and under "
                   "catalog \"dkrz\" (at /catalogs/0/children/0)"));
    CHECK(HasError(errors, "/catalogs/3/children/0",
                   "catalog \"eerie\" is marked primary under catalog \"themes\" and under "
                   "catalog \"dkrz\" (at /catalogs/0/children/0)"));
  }
  SECTION("a mark under one parent and \"primary\": false under another is fine") {
    auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
        {"id": "a", "description": "d", "children": [{"collection": "c", "primary": false}]},
        {"id": "b", "description": "d", "children": [{"collection": "c", "primary": true}]},
        {"id": "e", "description": "d", "children": [{"collection": "c", "primary": false}]}]})");
    CHECK(Describe(errors) == "");
  }
  SECTION("the same collection and catalog id are different children") {
    auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
        {"id": "a", "description": "d", "children": [{"collection": "b", "primary": true}]},
        {"id": "c", "description": "d", "children": [{"catalog": "b", "primary": true}]},
        {"id": "b", "description": "d"}]})");
    CHECK(Describe(errors) == "");
  }
  SECTION("a child listed twice by one parent is a duplicate, whatever its marks") {
    auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
        {"id": "a", "description": "d",
         "children": [{"collection": "c", "primary": true}, {"collection": "c"}, {"collection": "c", "primary": true}]}]})");
    INFO(Describe(errors));
    REQUIRE(errors.size() == 2);
    CHECK(HasError(errors, "/catalogs/0/children/1",
                   "duplicate child collection \"c\" (also at /catalogs/0/children/0)"));
    CHECK(HasError(errors, "/catalogs/0/children/2",
                   "duplicate child collection \"c\" (also at /catalogs/0/children/0)"));
  }
  SECTION("ParseFederation refuses the file") {
    auto status = fed::ParseFederation(std::string(kHeader) + R"("catalogs": [
        {"id": "a", "description": "d", "children": [{"collection": "c", "primary": true}]},
        {"id": "b", "description": "d", "children": [{"collection": "c", "primary": true}]}]})");
    REQUIRE_FALSE(status.ok());
    CHECK(status.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(status.status().message()).find(
              "/catalogs/1/children/0: collection \"c\" is marked primary under catalog \"b\"") !=
          std::string::npos);
  }
}

TEST_CASE("a malformed primary mark is reported at the mark", "[federation][validation]") {
  auto errors = fed::ValidateFederation(std::string(kHeader) + R"("catalogs": [
      {"id": "a", "description": "d", "children": [{"collection": "c", "primary": 1}, {"primary": true}]}]})");
  INFO(Describe(errors));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].ToString() == "/catalogs/0/children/0/primary: expected a boolean, got a number");
  CHECK(errors[1].pointer == "/catalogs/0/children/1");
  CHECK(errors[1].problem.find("optionally with \"primary\": true") != std::string::npos);
}

TEST_CASE("sources of one collection: priority and local ids for namesakes (1.4)", "[federation][validation]") {
  auto federation = fed::ParseFederation(R"({"stacfed_federation": "1.4", "catalogs": [
      {"id": "pc", "description": "d", "harvest": {"url": "https://example.org/stac", "type": "stac-api",
       "priority": -5, "collection_prefix": "pc-",
       "collection_ids": {"sentinel-2-l2a": "pc-s2", "landsat-c2-l2": "pc-landsat"}}}]})");
  REQUIRE(federation.ok());
  const fed::HarvestSource& source = *federation->catalogs[0].harvest;
  CHECK(source.priority == -5);
  CHECK(source.collection_prefix == "pc-");
  REQUIRE(source.collection_ids.size() == 2);
  CHECK(source.collection_ids[0] == std::pair<std::string, std::string>{"sentinel-2-l2a", "pc-s2"});

  auto defaults = fed::ParseFederation(std::string(kHeader) + R"("catalogs": [
      {"id": "a", "description": "d", "harvest": {"url": "https://example.org/stac", "type": "stac-api"}}]})");
  REQUIRE(defaults.ok());
  CHECK(defaults->catalogs[0].harvest->priority == 0);
  CHECK(defaults->catalogs[0].harvest->collection_ids.empty());
  CHECK(defaults->catalogs[0].harvest->collection_prefix.empty());

  // Two upstream ids that differ only in case name one collection: the second is an error.
  auto errors = fed::ValidateFederation(R"({"stacfed_federation": "1.4", "catalogs": [
      {"id": "pc", "description": "d", "harvest": {"url": "https://example.org/stac", "type": "stac-api",
       "collection_ids": {"sentinel-2-l2a": "a", "Sentinel-2-L2A": "b"}}}]})");
  INFO(Describe(errors));
  CHECK(HasError(errors, "/catalogs/0/harvest/collection_ids/Sentinel-2-L2A", "listed twice"));
}

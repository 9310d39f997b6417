// The merge of several sources' versions of one item or collection (crawler/sink/merge.*),
// rule by rule, without a database. The harvest-level behaviour (which versions are kept,
// withdrawal) is in merge_harvest_test.cpp.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "crawler/sink/merge.hpp"

namespace stacfed::crawler {
namespace {

namespace json = boost::json;

// An ESGF-shaped item listed by a source whose copy lives at `node` (site `site`).
std::string Version(const std::string& node, const std::string& site, const std::string& extra = "") {
  return R"({"type":"Feature","stac_version":"1.1.0","id":"CMIP6.x.v1","collection":"CMIP6",)"
         R"("geometry":null,"properties":{"datetime":"2001-01-01T00:00:00Z","latest":true,)"
         R"("retracted":false,"fill":9.969209968386869e+36,"site:locations":[")" + site + R"("],)"
         R"("access:online_status":"offline")" + extra + R"(},)"
         R"("links":[],"assets":{"f.nc":{"href":"https://)" + node + R"(/f.nc","roles":["data"],)"
         R"("site:ref":")" + site + R"(","access:status":"online"}}})";
}

json::object Parse(const std::string& text) { return json::parse(text).as_object(); }

MergedItem Merge(const std::vector<std::pair<std::string, std::string>>& versions) {
  std::vector<SourceVersion> parts;
  for (const auto& [source, text] : versions) parts.push_back({source, text});
  auto merged = MergeItem(parts);
  REQUIRE(merged.ok());
  return *merged;
}

TEST_CASE("merge: other sources' copies become per-site alternates with their source", "[merge]") {
  const std::string east = Version("esgf.ceda.ac.uk", "ceda");
  const std::string west = Version("esgf-data.dkrz.de", "dkrz");
  const MergedItem merged = Merge({{"east", east}, {"west", west}});
  const json::object item = Parse(merged.text);
  const json::object& asset = item.at("assets").at("f.nc").as_object();
  CHECK(asset.at("href") == "https://esgf.ceda.ac.uk/f.nc");
  CHECK(asset.at("stacfed:source") == "east");
  CHECK(asset.at("alternate").at("dkrz").at("href") == "https://esgf-data.dkrz.de/f.nc");
  CHECK(asset.at("alternate").at("dkrz").at("stacfed:source") == "west");
  CHECK(json::serialize(item.at("properties").at("stacfed:sources")) == R"(["east","west"])");
  CHECK(json::serialize(item.at("properties").at("site:locations")) == R"(["ceda","dkrz"])");
  // Recomputed over the merged copies (a data asset with an online copy).
  CHECK(item.at("properties").at("access:online_status") == "online");
  CHECK(json::serialize(item.at("stac_extensions")).find("alternate-assets") != std::string::npos);
  CHECK(merged.withdrawn_reason.empty());
  // The first source's text is kept where the merge left it alone.
  CHECK(merged.text.find("9.969209968386869e+36") != std::string::npos);
}

TEST_CASE("merge: a copy offered by two sources is listed once", "[merge]") {
  const std::string same = Version("esgf.ceda.ac.uk", "ceda");
  const json::object item = Parse(Merge({{"east", same}, {"west", same}}).text);
  CHECK_FALSE(item.at("assets").at("f.nc").as_object().contains("alternate"));
}

TEST_CASE("merge: an asset only one source has is added whole", "[merge]") {
  json::object west = Parse(Version("esgf-data.dkrz.de", "dkrz"));
  json::value asset = west["assets"].as_object()["f.nc"];
  west["assets"].as_object().erase("f.nc");
  west["assets"].as_object()["g.nc"] = asset;
  const json::object item = Parse(Merge({{"east", Version("esgf.ceda.ac.uk", "ceda")},
                                         {"west", json::serialize(west)}}).text);
  CHECK(item.at("assets").at("g.nc").at("stacfed:source") == "west");
  CHECK(item.at("assets").at("f.nc").at("stacfed:source") == "east");
}

TEST_CASE("merge: latest false from any source wins", "[merge]") {
  std::string east = Version("esgf.ceda.ac.uk", "ceda");
  east.replace(east.find("\"latest\":true"), 13, "\"latest\":false");
  const MergedItem merged = Merge({{"west", Version("esgf-data.dkrz.de", "dkrz")}, {"east", east}});
  CHECK(Parse(merged.text).at("properties").at("latest") == false);
  CHECK(merged.withdrawn_reason == "superseded");
}

TEST_CASE("merge: a retraction from any source wins, with no assets", "[merge]") {
  std::string east = Version("esgf.ceda.ac.uk", "ceda");
  east.replace(east.find("\"retracted\":false"), 17, "\"retracted\":true");
  const MergedItem merged = Merge({{"west", Version("esgf-data.dkrz.de", "dkrz")}, {"east", east}});
  const json::object item = Parse(merged.text);
  CHECK(item.at("properties").at("retracted") == true);
  CHECK(item.at("properties").at("latest") == false);
  CHECK(item.at("assets").as_object().empty());
  // No copy is offered, so no other source's location is added.
  CHECK(json::serialize(item.at("properties").at("site:locations")) == R"(["ceda"])");
  // The retracting source's document is served.
  CHECK(json::serialize(item.at("properties").at("stacfed:sources")) == R"(["east","west"])");
  CHECK(merged.withdrawn_reason == "retracted");
}

TEST_CASE("merge: collections take the first document and every source's extent", "[merge]") {
  auto collection = [](const std::string& title, const std::string& box, const std::string& interval) {
    return R"({"type":"Collection","id":"c","title":")" + title + R"(","extent":{"spatial":{"bbox":[)" +
           box + R"(]},"temporal":{"interval":[)" + interval + "]}}}";
  };
  const std::string first = collection("first", "[-10,-10,10,10]", R"(["2000-01-01T00:00:00Z","2010-01-01T00:00:00Z"])");
  const std::string second = collection("second", "[170,0,-170,20]", R"([null,"2020-01-01T00:00:00Z"])");
  std::vector<SourceVersion> versions{{"a", first}, {"b", second}};
  auto merged = MergeCollection(versions);
  REQUIRE(merged.ok());
  const json::object document = Parse(*merged);
  CHECK(document.at("title") == "first");
  // A box crossing the antimeridian widens the union to every longitude.
  CHECK(document.at("extent").at("spatial").at("bbox").at(0) == json::parse("[-180,-10,180,20]"));
  CHECK(document.at("extent").at("temporal").at("interval").at(0) ==
        json::parse(R"([null,"2020-01-01T00:00:00Z"])"));
  CHECK(json::serialize(document.at("stacfed:sources")) == R"(["a","b"])");
}

TEST_CASE("merge: a version that is not an object is refused", "[merge]") {
  std::vector<SourceVersion> versions{{"a", Version("h", "s")}, {"b", "[1]"}};
  CHECK(absl::IsInvalidArgument(MergeItem(versions).status()));
}

TEST_CASE("VersionMark reads ESGF's flags", "[merge]") {
  CHECK(VersionMark(R"({"properties":{"retracted":true,"latest":false}})") == "retracted");
  CHECK(VersionMark(R"({"properties":{"latest":false}})") == "superseded");
  CHECK(VersionMark(R"({"properties":{"latest":true}})").empty());
  CHECK(VersionMark("not json").empty());
}

}  // namespace
}  // namespace stacfed::crawler

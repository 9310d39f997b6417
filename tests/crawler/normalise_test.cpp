// Each provider quirk on a small document shaped like the provider's (see
// ../shared/reference/providers.md): repaired with a recorded change, or refused with a
// reason when the meaning is not clear.

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "crawler/normalise/normalise.hpp"
#include "crawler/walk/links.hpp"
#include "libstac/ingest/staged_item.hpp"

namespace stacfed::crawler {
namespace {
namespace json = boost::json;

json::object Parse(std::string_view text) { return json::parse(json::string_view(text.data(), text.size())).as_object(); }

bool Mentions(const std::vector<std::string>& changes, std::string_view what) {
  for (const auto& change : changes) {
    if (change.find(what) != std::string::npos) return true;
  }
  return false;
}

// An item the strict writer accepts once normalised.
void RequireValid(const json::object& item) {
  auto staged = ingest::PrepareItem(json::serialize(item));
  INFO(json::serialize(item));
  REQUIRE(staged.ok());
}

constexpr std::string_view kCedaItem = R"({
  "type": "Feature", "stac_version": "1.0.0", "id": "CMIP6.ScenarioMIP.EC-Earth3.ssp585.day.uas",
  "collection": "cmip6",
  "geometry": {"type": "Polygon", "coordinates": [[[1.25, -89], [358.75, -89], [358.75, 89], [1.25, 89], [1.25, -89]]]},
  "bbox": [1.25, -89, 358.75, 89],
  "properties": {"datetime": "2061-07-02T00:00:00Z", "start_datetime": "2023-01-01T12:00:00",
                 "end_datetime": "2099-12-31T12:00:00", "updated": "2023-11-29T15:27:11.251482+00:00"},
  "links": [],
  "assets": {"uas.nc": {"href": "https://dap.example/uas.nc", "type": "application/netcdf", "role": ["data"]},
             "ref": {"href": "https://dap.example/ref.zstd", "role": "reference"}}
})";

TEST_CASE("zone-less datetimes, 0..360 longitudes and asset role are repaired", "[crawler][normalise]") {
  json::object item = Parse(kCedaItem);
  auto result = NormaliseItem(item, ItemContext{"cmip6"});
  REQUIRE(result.ok());
  CHECK(Mentions(result->changes, "properties.start_datetime: '2023-01-01T12:00:00' -> '2023-01-01T12:00:00Z'"));
  CHECK(Mentions(result->changes, "properties.end_datetime"));
  CHECK(Mentions(result->changes, "-180..180 band"));
  CHECK(Mentions(result->changes, "assets.uas.nc.role -> roles"));
  CHECK(item["bbox"].as_array()[0].as_double() == -180.0);
  CHECK(item["assets"].as_object()["ref"].as_object()["roles"].as_array()[0].as_string() == "reference");
  CHECK_FALSE(item["assets"].as_object()["uas.nc"].as_object().contains("role"));
  RequireValid(item);
}

TEST_CASE("a regional 0..360 footprint is shifted, not widened", "[crawler][normalise]") {
  json::object item = Parse(R"({"type":"Feature","id":"east","collection":"c","stac_version":"1.1.0",
    "geometry":{"type":"Polygon","coordinates":[[[200,10],[250,10],[250,40],[200,40],[200,10]]]},
    "bbox":[200,10,250,40],"properties":{"datetime":"2020-01-01T00:00:00Z"},"links":[],"assets":{}})");
  REQUIRE(NormaliseItem(item, ItemContext{"c"}).ok());
  CHECK(item["bbox"].as_array()[0].as_double() == -160.0);
  CHECK(item["bbox"].as_array()[2].as_double() == -110.0);
  RequireValid(item);
}

TEST_CASE("all-null geometry, nested null bbox and legacy extensions", "[crawler][normalise]") {
  json::object item = Parse(R"({"type":"Feature","stac_version":"1.0.0","id":"maxpblz","collection":"CMIP6",
    "extensions":["https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json"],
    "geometry":{"type":"Polygon","coordinates":[[[null,null],[null,null],[null,null],[null,null],[null,null]]]},
    "bbox":[[null,null,null,null]],
    "properties":{"start_datetime":"1850-01-01T12:00:00Z","end_datetime":"2014-12-31T12:00:00Z"},
    "assets":{}})");
  auto result = NormaliseItem(item, ItemContext{"cmip6"});
  REQUIRE(result.ok());
  CHECK(item["geometry"].is_null());
  CHECK_FALSE(item.contains("bbox"));
  CHECK_FALSE(item.contains("extensions"));
  CHECK(item["stac_extensions"].as_array().size() == 1);
  // Advertised "cmip6", items say "CMIP6": the walked collection's id wins, recorded.
  CHECK(item["collection"].as_string() == "cmip6");
  CHECK(Mentions(result->changes, "collection: 'CMIP6' -> 'cmip6'"));
  // datetime missing beside start/end becomes an explicit null.
  CHECK(item["properties"].as_object()["datetime"].is_null());
  RequireValid(item);
}

TEST_CASE("model-calendar dates and date-only values", "[crawler][normalise]") {
  std::string why;
  CHECK(RepairDateTime("4029-02-30T00:00:00Z", &why) == "4029-02-28T00:00:00Z");
  CHECK(why.find("model-calendar") != std::string::npos);
  CHECK_FALSE(RepairDateTime("4029-01-16T12:00:00Z", &why).has_value());  // valid as it is
  CHECK(RepairDateTime("8121-06-01", &why) == "8121-06-01T00:00:00Z");
  CHECK(RepairDateTime("2001-02-03 04:05:06", &why) == "2001-02-03T04:05:06Z");
  CHECK(RepairDateTime("2001-02-03T04:05", &why) == "2001-02-03T04:05:00Z");
  CHECK_FALSE(RepairDateTime("yesterday", &why).has_value());
  CHECK_FALSE(RepairDateTime("2001-13-03T00:00:00Z", &why).has_value());
}

TEST_CASE("asset type Link with mediaType, in alternates too", "[crawler][normalise]") {
  json::object item = Parse(R"({"type":"Feature","stac_version":"1.0.0","id":"S3A","collection":"EO.EUM",
    "geometry":null,"properties":{"datetime":"2024-09-09T13:09:28.869824Z"},"links":[],
    "assets":{"EOPMetadata.xml":{"href":"https://x/e.xml","type":"Link","mediaType":"application/xml","roles":["metadata"],
      "alternate":{"origin":{"href":"https://y/e.xml","type":"Link","mediaType":"application/xml"}}},
      "odd":{"href":"https://x/o","type":"Link"}}})");
  auto result = NormaliseItem(item, ItemContext{"EO.EUM"});
  REQUIRE(result.ok());
  auto& asset = item["assets"].as_object()["EOPMetadata.xml"].as_object();
  CHECK(asset["type"].as_string() == "application/xml");
  CHECK_FALSE(asset.contains("mediaType"));
  CHECK(asset["alternate"].as_object()["origin"].as_object()["type"].as_string() == "application/xml");
  CHECK_FALSE(item["assets"].as_object()["odd"].as_object().contains("type"));
  CHECK(result->changes.size() == 3);
  RequireValid(item);
}

TEST_CASE("ESGF retracted and superseded items are marked", "[crawler][normalise]") {
  json::object retracted = Parse(R"({"type":"Feature","id":"a","collection":"c","geometry":null,
    "properties":{"datetime":"2020-01-01T00:00:00Z","retracted":true,"latest":true}})");
  json::object old = Parse(R"({"type":"Feature","id":"b","collection":"c","geometry":null,
    "properties":{"datetime":"2020-01-01T00:00:00Z","retracted":false,"latest":false}})");
  json::object current = Parse(R"({"type":"Feature","id":"c","collection":"c","geometry":null,
    "properties":{"datetime":"2020-01-01T00:00:00Z","retracted":false,"latest":true}})");
  CHECK(NormaliseItem(retracted, ItemContext{"c"})->withdrawn_reason == "retracted");
  CHECK(NormaliseItem(old, ItemContext{"c"})->withdrawn_reason == "superseded");
  CHECK(NormaliseItem(current, ItemContext{"c"})->withdrawn_reason.empty());
}

TEST_CASE("what cannot be repaired is refused with a reason", "[crawler][normalise]") {
  json::object partly_null = Parse(R"({"type":"Feature","id":"x","collection":"c",
    "geometry":{"type":"Point","coordinates":[null,5]},"properties":{"datetime":"2020-01-01T00:00:00Z"}})");
  auto refused = NormaliseItem(partly_null, ItemContext{"c"});
  REQUIRE_FALSE(refused.ok());
  CHECK(std::string(refused.status().message()).find("null coordinates") != std::string::npos);

  json::object foreign = Parse(R"({"type":"Feature","id":"x","collection":"other",
    "geometry":null,"properties":{"datetime":"2020-01-01T00:00:00Z"}})");
  CHECK_FALSE(NormaliseItem(foreign, ItemContext{"c"}).ok());
  json::object catalog = Parse(R"({"type":"Catalog","id":"x"})");
  CHECK_FALSE(NormaliseItem(catalog, ItemContext{"c"}).ok());
}

TEST_CASE("STAC 1.0 and 1.1 items and extension versions pass side by side", "[crawler][normalise]") {
  for (std::string_view version : {"1.0.0", "1.1.0"}) {
    json::object item = Parse(R"({"type":"Feature","id":"v","collection":"c","geometry":null,
      "stac_extensions":["https://stac-extensions.github.io/cmip6/v1.0.0/schema.json",
                         "https://stac-extensions.github.io/cmip6/v3.0.4/schema.json"],
      "properties":{"datetime":"2020-01-01T00:00:00Z"},"links":[],"assets":{}})");
    item["stac_version"] = json::string_view(version.data(), version.size());
    auto result = NormaliseItem(item, ItemContext{"c"});
    REQUIRE(result.ok());
    CHECK(result->changes.empty());
    CHECK(item["stac_extensions"].as_array().size() == 2);
    RequireValid(item);
  }
}

TEST_CASE("collections: zone-less intervals, 0..360 extents, missing license", "[crawler][normalise]") {
  json::object collection = Parse(R"({"type":"Collection","id":"cmip6","description":"d",
    "extent":{"spatial":{"bbox":[[0,-90,357.5,90]]},"temporal":{"interval":[["1850-01-01T00:00:00",null]]}},
    "links":[]})");
  auto changes = NormaliseCollection(collection);
  REQUIRE(changes.ok());
  CHECK(Mentions(*changes, "license: missing"));
  CHECK(Mentions(*changes, "stac_version: missing"));
  CHECK(Mentions(*changes, "extent.spatial.bbox"));
  CHECK(Mentions(*changes, "extent.temporal.interval"));
  CHECK(ingest::PrepareCollection(json::serialize(collection)).ok());
}

TEST_CASE("count fields: numberMatched, numMatched, context.matched, null, absent", "[crawler][normalise]") {
  CHECK(MatchedCount(Parse(R"({"numberMatched": 153346})")) == 153346);
  CHECK(MatchedCount(Parse(R"({"numMatched": 8565, "numReturned": 10})")) == 8565);
  CHECK(MatchedCount(Parse(R"({"context": {"returned": 10, "limit": 10, "matched": 114853302}})")) == 114853302);
  CHECK_FALSE(MatchedCount(Parse(R"({"numberMatched": null})")).has_value());
  CHECK_FALSE(MatchedCount(Parse(R"({"context": {"returned": 10, "limit": 10}})")).has_value());
  CHECK_FALSE(MatchedCount(Parse(R"({})")).has_value());
}

TEST_CASE("next links: GET, POST with and without merge, internal hosts", "[crawler][links]") {
  HttpRequest current;
  current.method = "POST";
  current.url = "https://hda.example.eu/stac/search";
  current.body = R"({"collections":["S1"],"limit":10,"datetime":"2023-09-09T00:00:00Z/.."})";
  bool rewritten = false;

  auto internal = NextRequest(Parse(R"({"links":[{"rel":"next","href":"http://eo-catalogue-eodag-server:8080/search",
      "method":"POST","body":{"collections":["S1"],"limit":10,"page":2}}]})"),
      current, "https://hda.example.eu/stac/", &rewritten);
  REQUIRE(internal.has_value());
  CHECK(rewritten);
  CHECK(internal->url == "https://hda.example.eu/stac/search");
  CHECK(internal->method == "POST");
  CHECK(Parse(internal->body)["page"].as_int64() == 2);
  CHECK_FALSE(Parse(internal->body).contains("datetime"));  // no merge: the body as given

  auto merged = NextRequest(Parse(R"({"links":[{"rel":"next","href":"/stac/search","method":"POST",
      "merge":true,"body":{"token":"1"}}]})"), current, "https://hda.example.eu/stac/", &rewritten);
  REQUIRE(merged.has_value());
  CHECK_FALSE(rewritten);
  CHECK(merged->url == "https://hda.example.eu/stac/search");
  CHECK(Parse(merged->body)["token"].as_string() == "1");
  CHECK(Parse(merged->body)["datetime"].as_string() == "2023-09-09T00:00:00Z/..");

  HttpRequest get = HttpRequest::Get("https://api.stac.example.ac.uk/search?collections=x");
  auto token = NextRequest(Parse(R"({"links":[{"rel":"next","method":"GET",
      "href":"https://api.stac.example.ac.uk/search?collections=x&token=WzE2Nzc1"}]})"), get, "https://api.stac.example.ac.uk/", nullptr);
  REQUIRE(token.has_value());
  CHECK(token->method == "GET");
  CHECK(token->url.ends_with("token=WzE2Nzc1"));
  CHECK_FALSE(NextRequest(Parse(R"({"links":[{"rel":"self","href":"x"}]})"), get, "", nullptr).has_value());

  auto round_trip = RequestFromJson(RequestToJson(*merged));
  REQUIRE(round_trip.has_value());
  CHECK(RequestKey(*round_trip) == RequestKey(*merged));
}

TEST_CASE("relative hrefs resolve against http and file URLs", "[crawler][links]") {
  CHECK(ResolveHref("https://raw.example.com/dkrz/catalog.json", "collections/a.json") ==
        "https://raw.example.com/dkrz/collections/a.json");
  CHECK(ResolveHref("file:///data/stac/c1/collection.json", "../catalog.json") == "file:///data/stac/catalog.json");
  CHECK(ResolveHref("file:///data/stac/c1/collection.json", "https://x.org/i") == "https://x.org/i");
}

}  // namespace
}  // namespace stacfed::crawler

// Harvested documents keep the upstream's text (issue 17, defect 2): the fake upstream serves
// a CDSE-shaped API (tests/crawler/upstream/numbers) and an EERIE-shaped static catalog
// (numbers-static) whose items and collections hold numbers that a parse and re-serialisation
// changes: notation (199980.0 as 1.9998E5), one ULP (the netCDF fill value
// 9.969209968386869e+36), long decimals (59.955799999999996 as 59.9558), integers beyond
// 2^53. What no normalisation touches must be stored as those bytes (items.content is json
// text; collections are jsonb, which keeps a number's exact decimal value), and what one
// touches must be recorded.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "crawler/harvest.hpp"
#include "libstac/pg/connection.hpp"
#include "tests/crawler/fake_upstream.hpp"
#include "tests/support/test_database.hpp"

namespace stacfed::crawler {
namespace {

using testing::FakeUpstream;
using testing::TestDatabase;

FakeUpstream& Upstream() {
  static FakeUpstream upstream;
  return upstream;
}

struct Db {
  TestDatabase database;
  pg::Connection conn;

  Db() : conn(Open(database.url())) {
    REQUIRE(conn.Execute("INSERT INTO stacfed.catalogs (id, content) VALUES ('cdse', '{}'), ('eerie', '{}')").ok());
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
    REQUIRE(result->Rows() == 1);
    return std::string(result->Scalar());
  }
  int64_t Count(const std::string& sql) { return std::stoll(Scalar(sql)); }
};

HarvestSummary Run(const std::string& id, const std::string& catalog, const std::string& path,
                   SourceType type, Db& db) {
  SourceSpec source;
  source.id = id;
  source.catalog_id = catalog;
  source.url = Upstream().Url(path);
  source.type = type;
  HarvestOptions options;
  options.database_url = db.database.url();
  options.http.read_timeout = std::chrono::milliseconds(2000);
  HarvestSummary summary = Harvest(source, options);
  INFO(summary.ToJson());
  REQUIRE_FALSE(summary.failed);
  CHECK(summary.walk.errors == 0);
  return summary;
}

// Every piece of `pieces` occurs in `text` as it is.
void CheckHolds(const std::string& text, std::initializer_list<std::string_view> pieces) {
  INFO(text);
  for (std::string_view piece : pieces) {
    INFO(piece);
    CHECK(text.find(piece) != std::string::npos);
  }
}

TEST_CASE("numbers byte-identical after harvest (including long floats and integers beyond 2^53)",
          "[crawler][harvest][exact]") {
  Db db;
  const HarvestSummary first = Run("cdse", "cdse", "/numbers/", SourceType::kStacApi, db);
  CHECK(first.sink.added == 2);
  CHECK(first.sink.quarantined == 1);

  // An item no normalisation touched: every member as the upstream wrote it, whitespace too.
  CheckHolds(db.Scalar("SELECT content FROM stacfed.items WHERE id LIKE '%20240101T103339%'"),
             {R"("geometry": {
        "type": "Polygon",
        "coordinates": [[[10.4658, 59.955799999999996], [12.0, 59.955799999999996], [12.0, 60.9], [10.4658, 60.9], [10.4658, 59.955799999999996]]]
      })",
              R"("bbox": [10.4658, 59.955799999999996, 12.0, 60.9])",
              R"("proj:bbox": [499980.0, 6590200.0, 609780.0, 6700000.0])",
              R"("proj:transform": [10.0, 0.0, 1.9998E5, 0.0, -10.0, 6.7e+6])",
              R"("eo:cloud_cover": 1.2345678901234567e-05)",
              R"("file:size": 9007199254740993)",
              R"("checksum:sum": 12345678901234567890)",
              R"("title": "caf\u00e9 \/ T32VNM")",
              R"("raster:bands": [{"nodata": 0, "scale": 1.0E-4, "offset": -0.1, "fill": 9.969209968386869e+36}])"});
  CHECK(db.Count("SELECT count(*) FROM stacfed.items WHERE id LIKE '%20240101T103339%'"
                 " AND (properties->'eo:cloud_cover')::numeric = 1.2345678901234567e-05") == 1);
  CHECK(db.Count("SELECT count(*) FROM stacfed.harvest_normalisations WHERE item_id LIKE '%20240101T103339%'") == 0);

  // An item with a repaired date-time: the change is recorded, the rest is the upstream's text.
  CheckHolds(db.Scalar("SELECT content FROM stacfed.items WHERE id LIKE '%20240102T103421%'"),
             {R"("geometry":{"type":"Point","coordinates":[10.4658,59.955799999999996]})",
              R"("bbox":[10.4658,59.955799999999996,10.4658,59.955799999999996])",
              R"("start_datetime":"2024-01-02T10:34:21Z")",
              R"("proj:transform":[10.0,0.0,199980.0,0.0,-10.0,6700000.0])",
              R"("sat:absolute_orbit":4.4e4)"});
  CHECK(db.Scalar("SELECT changes::text FROM stacfed.harvest_normalisations WHERE item_id LIKE '%20240102T103421%'") ==
        R"x(["properties.start_datetime: '2024-01-02 10:34:21' -> '2024-01-02T10:34:21Z' (space separator;)x"
        R"x( no time zone, UTC assumed)", "properties.datetime: missing -> null (start/end given)"])x");

  // An integer beyond 64 bits cannot be stored exactly (the write path, like `stacfed load`,
  // refuses it): quarantined as received, never rounded to a double.
  CHECK(db.Scalar("SELECT reason FROM stacfed.quarantine").starts_with("not valid JSON"));
  CheckHolds(db.Scalar("SELECT document FROM stacfed.quarantine"), {R"("checksum:sum":18446744073709551616)"});

  // The collection (jsonb): exact decimal values, links included.
  const std::string collection = "FROM stacfed.collections WHERE id = 'sentinel-2-l2a'";
  CHECK(db.Scalar("SELECT content->'extent'->'spatial'->'bbox'->0->>1 " + collection) == "59.955799999999996");
  CHECK(db.Scalar("SELECT content->'summaries'->>'nodata' " + collection) ==
        "[9969209968386869000000000000000000000]");
  CHECK(db.Scalar("SELECT content->'summaries'->>'ratio' " + collection) == "[0.1000000000000000055511151231257827]");
  CHECK(db.Scalar("SELECT content->'summaries'->>'proj:transform_x0' " + collection) == "[199980.0, 199980]");
  CHECK(db.Scalar("SELECT content->'summaries'->>'file:size' " + collection) ==
        "[9007199254740993, 12345678901234567890]");
  CHECK(db.Scalar("SELECT content->>'description' " + collection) == "Sentinel-2 L2A, caf\u00e9 / numbers");
  CHECK(db.Scalar("SELECT links->0->>'weight' " + collection) == "1.50");

  // The same upstream again: the same text, nothing written.
  const HarvestSummary second = Run("cdse", "cdse", "/numbers/", SourceType::kStacApi, db);
  CHECK(second.sink.added + second.sink.updated == 0);
  CHECK(second.sink.unchanged == 2);
  CHECK(second.sink.collections_changed == 0);
}

TEST_CASE("a static catalog's documents keep their numbers", "[crawler][harvest][exact]") {
  Db db;
  const HarvestSummary first =
      Run("eerie", "eerie", "/numbers-static/catalog.json", SourceType::kStatic, db);
  CHECK(first.sink.added == 1);
  CheckHolds(db.Scalar("SELECT content FROM stacfed.items"),
             {R"("bbox": [-180.0, -89.99999999999997, 180.0, 89.99999999999997])",
              R"("cube:variables": {
      "to": {"type": "data", "attrs": {"_FillValue": 9.969209968386869e+36, "missing_value": 1e20, "scale_factor": 1.0000000000000000208e-3}}
    })",
              R"("start_datetime": "1950-01-01T00:00:00Z")", R"("datetime": null)"});
  CHECK(db.Count("SELECT jsonb_array_length(changes) FROM stacfed.harvest_normalisations WHERE item_id <> ''") == 1);
  const std::string collection = "FROM stacfed.collections WHERE id = 'eerie-ocean'";
  CHECK(db.Scalar("SELECT content->'cube:variables'->'to'->>'attrs' " + collection) ==
        R"({"valid_max": 40, "_FillValue": 9969209968386869000000000000000000000, "missing_value": 100000000000000000000})");
  CHECK(db.Scalar("SELECT content->'extent'->'spatial'->'bbox'->>0 " + collection) ==
        "[-180.0, -89.99999999999997, 180.0, 89.99999999999997]");

  const HarvestSummary second =
      Run("eerie", "eerie", "/numbers-static/catalog.json", SourceType::kStatic, db);
  CHECK(second.sink.added + second.sink.updated == 0);
  CHECK(second.sink.collections_changed == 0);
}

}  // namespace
}  // namespace stacfed::crawler

// Issue 14: the write path's facet digests (items.facets) and property profiles
// (stacfed.collection_properties), and the backfill of items written before sql/0012.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "libstac/ingest/facets_backfill.hpp"
#include "libstac/ingest/property_profile.hpp"
#include "libstac/ingest/staged_item.hpp"
#include "libstac/model/facets.hpp"
#include "libstac/pg/connection.hpp"
#include "tests/ingest/load_fixtures.hpp"
#include "tests/support/test_database.hpp"

using stacfed::FacetHash;
using stacfed::FacetOverflowHash;
using stacfed::ingest::PrepareItem;
using stacfed::ingest::PropertySummary;
using stacfed::testing::Count;
using stacfed::testing::Feature;
using stacfed::testing::kCollection;
using stacfed::testing::Scalar;
using stacfed::testing::TestDatabase;
using stacfed::testing::WriteTemp;

namespace {

std::string ItemWith(const std::string& id, const std::string& properties) {
  return Feature(id, "null", R"({"datetime":"2020-01-01T00:00:00Z",)" + properties + "}");
}

std::vector<int64_t> FacetsOf(const std::string& properties) {
  auto item = PrepareItem(ItemWith("a", properties));
  REQUIRE(item.ok());
  return item->facets;
}

std::vector<int64_t> Sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// The text of a bigint[] as PostgreSQL prints it, from digests.
std::string ArrayText(std::vector<int64_t> digests) {
  std::sort(digests.begin(), digests.end());
  std::string out = "{";
  for (int64_t d : digests) {
    if (out.size() > 1) out += ',';
    out += std::to_string(d);
  }
  return out + "}";
}

}  // namespace

TEST_CASE("facet values are hashed with their key; other properties are not", "[ingest][facets]") {
  CHECK(FacetsOf(R"("cmip6:variable_id":"tas","title":"Near-surface air temperature")") ==
        std::vector<int64_t>{FacetHash("cmip6:variable_id", "tas")});
  CHECK(FacetsOf(R"("variable_id":"tas","experiment_id":"ssp585")") ==
        Sorted({FacetHash("variable_id", "tas"), FacetHash("experiment_id", "ssp585")}));
  // Array facets contribute an element each; booleans and numbers their text.
  CHECK(FacetsOf(R"("instruments":["msi","olci"],"latest":true,"gsd":10)") ==
        Sorted({FacetHash("instruments", "msi"), FacetHash("instruments", "olci"),
                FacetHash("latest", "true"), FacetHash("gsd", "10")}));
  // An escaped string is hashed unescaped.
  CHECK(FacetsOf(R"("platform":"sentinel\u002d2a")") ==
        std::vector<int64_t>{FacetHash("platform", "sentinel-2a")});
  // No facet: no digest (an empty array, not NULL).
  CHECK(FacetsOf(R"("title":"x")").empty());
}

TEST_CASE("equal numbers hash alike however they are written", "[ingest][facets]") {
  const std::vector<int64_t> ten = FacetsOf(R"("gsd":10)");
  CHECK(FacetsOf(R"("gsd":10.0)") == ten);
  CHECK(FacetsOf(R"("gsd":1e1)") == ten);
  CHECK(FacetsOf(R"("gsd":10.5)") != ten);
  CHECK(stacfed::FacetNumberText(10.0) == "10");
  CHECK(stacfed::FacetNumberText(0.1) == "0.1");
}

TEST_CASE("a facet value too long or too many becomes the overflow digest", "[ingest][facets]") {
  const std::string long_value(stacfed::kMaxFacetValueBytes + 1, 'x');
  CHECK(FacetsOf(R"("platform":")" + long_value + R"(","variable_id":"tas")") ==
        Sorted({FacetOverflowHash(), FacetHash("variable_id", "tas")}));
  std::string many = "[";
  for (size_t i = 0; i <= stacfed::kMaxFacetsPerItem; ++i) {
    if (i > 0) many += ',';
    many += std::to_string(i);
  }
  many += "]";
  CHECK(FacetsOf(R"("instruments":)" + many) == std::vector<int64_t>{FacetOverflowHash()});
}

TEST_CASE("a batch's profiles merge into types and values, capped", "[ingest][facets]") {
  PropertySummary summary;
  for (const std::string cover : {"0", "1.5", "3.0"}) {
    auto item = PrepareItem(ItemWith("a", R"("variable_id":"tas","eo:cloud_cover":)" + cover +
                                              R"(,"instruments":["msi"],"extra":{"a":1})"));
    REQUIRE(item.ok());
    summary.Add("c", item->property_profile);
  }
  const auto& properties = summary.collections().at("c");
  auto types = [&](const std::string& name) {
    const auto names = properties.at(name).TypeNames();
    return std::set<std::string>(names.begin(), names.end());
  };
  auto values = [&](const std::string& name) {
    const auto& v = properties.at(name).values;
    return std::set<std::string>(v.begin(), v.end());
  };
  CHECK(types("variable_id") == std::set<std::string>{"string"});
  CHECK(values("variable_id") == std::set<std::string>{"\"tas\""});
  CHECK(types("eo:cloud_cover") == std::set<std::string>{"integer", "number"});
  CHECK(values("eo:cloud_cover") == std::set<std::string>{"0", "1.5", "3"});
  CHECK(types("instruments") == std::set<std::string>{"array"});
  CHECK(values("instruments") == std::set<std::string>{"\"msi\""});
  CHECK(types("extra") == std::set<std::string>{"object"});
  CHECK(types("datetime") == std::set<std::string>{"string"});

  PropertySummary many;
  for (size_t i = 0; i <= stacfed::ingest::kMaxListedValues; ++i) {
    auto item = PrepareItem(ItemWith("a", R"("n":)" + std::to_string(i)));
    REQUIRE(item.ok());
    many.Add("c", item->property_profile);
  }
  CHECK(many.collections().at("c").at("n").many);
  CHECK(many.collections().at("c").at("n").values.empty());
}

TEST_CASE("loaded items carry their digests and their collection its properties", "[ingest][facets][db]") {
  TestDatabase db;
  std::string text = std::string(kCollection) + "\n";
  // Values of `n` beyond the listing limit, split across batches (batch size 3).
  for (size_t i = 0; i < stacfed::ingest::kMaxListedValues + 5; ++i) {
    text += ItemWith("item-" + std::to_string(i),
                     R"("variable_id":")" + std::string(i % 2 ? "tas" : "pr") +
                         R"(","n":)" + std::to_string(i) + R"(,"flag":true)") +
            "\n";
  }
  const std::string path = WriteTemp(text);
  auto result = stacfed::testing::Load(db.url(), path);
  unlink(path.c_str());
  CHECK(result.rejections.empty());

  CHECK(Scalar(db.url(), "SELECT facets::text FROM stacfed.items WHERE id = 'item-1'") ==
        ArrayText({FacetHash("variable_id", "tas")}));
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE facets IS NULL") == 0);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE facets && ARRAY[" +
                            std::to_string(FacetHash("variable_id", "pr")) + "]::int8[]") ==
        Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE properties->>'variable_id' = 'pr'"));
  auto row = [&](const std::string& name) {
    return Scalar(db.url(), "SELECT types::text || ' ' || coalesce(\"values\"::text, 'many')"
                            " FROM stacfed.collection_properties WHERE collection_id = 'cmip6'"
                            " AND name = '" + name + "'");
  };
  CHECK(row("variable_id") == R"({string} ["pr", "tas"])");
  CHECK(row("flag") == "{boolean} [true]");
  CHECK(row("n") == "{integer} many");
  CHECK(row("datetime") == R"({string} ["2020-01-01T00:00:00Z"])");
}

TEST_CASE("migrate computes the digests of items written before sql/0012", "[ingest][facets][db]") {
  TestDatabase db;
  std::string text = std::string(kCollection) + "\n";
  for (int i = 0; i < 2500; ++i) {  // more than one page of the backfill
    text += ItemWith("item-" + std::to_string(i),
                     R"("frequency":")" + std::string(i % 3 ? "day" : "mon") + R"(")") +
            "\n";
  }
  const std::string path = WriteTemp(text);
  auto result = stacfed::testing::Load(db.url(), path, stacfed::ingest::WriteMode::kUpsert, 500);
  unlink(path.c_str());
  CHECK(result.rejections.empty());
  const std::string expected = Scalar(
      db.url(), "SELECT md5(string_agg(id || facets::text, ',' ORDER BY id)) FROM stacfed.items");

  // As a database migrated before sql/0012 holds them.
  auto conn = stacfed::pg::Connection::Open(db.url());
  REQUIRE(conn.ok());
  REQUIRE(conn->Execute("UPDATE stacfed.items SET facets = NULL;"
                        "DELETE FROM stacfed.collection_properties;"
                        "DELETE FROM stacfed.collection_facet_counts;"
                        "INSERT INTO stacfed.facets_backfill VALUES ('cmip6')")
              .ok());
  auto updated = stacfed::ingest::BackfillFacets(*conn);
  REQUIRE(updated.ok());
  CHECK(*updated == 2500);
  CHECK(Scalar(db.url(), "SELECT md5(string_agg(id || facets::text, ',' ORDER BY id))"
                         " FROM stacfed.items") == expected);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.facets_backfill") == 0);
  // The facet counts (sql/0016) follow the digests the backfill wrote.
  CHECK(Count(db.url(), stacfed::testing::kFacetCountMismatches) == 0);
  CHECK(Count(db.url(), "SELECT items FROM stacfed.collection_facet_counts WHERE digest = " +
                            std::to_string(FacetHash("frequency", "mon"))) == 834);
  CHECK(Scalar(db.url(), "SELECT \"values\"::text FROM stacfed.collection_properties"
                         " WHERE name = 'frequency'") == R"(["day", "mon"])");
  // Nothing left: a second run updates nothing.
  CHECK(*stacfed::ingest::BackfillFacets(*conn) == 0);
}

TEST_CASE("facet counts follow every insert and update of the write path", "[ingest][db]") {
  TestDatabase db;
  auto load = [&](const std::string& suffix, int items, stacfed::ingest::WriteMode mode) {
    std::string text = std::string(kCollection) + "\n";
    for (int i = 0; i < items; ++i) {
      const char* frequency = (i % 3 == 0) ? "mon" : (i % 3 == 1 ? "day" : "fx");
      text += ItemWith("item-" + std::to_string(i),
                       R"("frequency":")" + std::string(frequency) + suffix +
                           R"(","realm":["atmos",")" + (i % 2 ? "ocean" : "land") + R"("])") +
              "\n";
    }
    const std::string path = WriteTemp(text);
    auto result = stacfed::testing::Load(db.url(), path, mode, 7);
    unlink(path.c_str());
    CHECK(result.rejections.empty());
  };
  auto items_holding = [&](const std::string& key, const std::string& value) {
    return Count(db.url(), "SELECT coalesce(sum(items), 0) FROM stacfed.collection_facet_counts"
                           " WHERE digest = " + std::to_string(FacetHash(key, value)));
  };
  load("", 30, stacfed::ingest::WriteMode::kUpsert);  // inserts
  CHECK(Count(db.url(), stacfed::testing::kFacetCountMismatches) == 0);
  CHECK(items_holding("frequency", "mon") == 10);
  CHECK(items_holding("realm", "atmos") == 30);
  CHECK(items_holding("realm", "ocean") == 15);
  load("", 30, stacfed::ingest::WriteMode::kUpsert);  // unchanged
  CHECK(Count(db.url(), stacfed::testing::kFacetCountMismatches) == 0);
  CHECK(items_holding("frequency", "mon") == 10);
  load("-v2", 20, stacfed::ingest::WriteMode::kUpsert);  // 20 changed: their values move
  CHECK(Count(db.url(), stacfed::testing::kFacetCountMismatches) == 0);
  CHECK(items_holding("frequency", "mon") == 3);  // items 21, 24, 27
  CHECK(items_holding("frequency", "mon-v2") == 7);
  CHECK(items_holding("realm", "atmos") == 30);
  load("-v3", 40, stacfed::ingest::WriteMode::kIgnore);  // 10 new, 30 left alone
  CHECK(Count(db.url(), stacfed::testing::kFacetCountMismatches) == 0);
  CHECK(items_holding("frequency", "mon-v3") == 4);  // items 30, 33, 36, 39
}

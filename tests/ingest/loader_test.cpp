#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <fstream>
#include <thread>

#include "libstac/base/paths.hpp"
#include "libstac/ingest/loader.hpp"
#include "libstac/pg/connection.hpp"
#include "tests/ingest/load_fixtures.hpp"
#include "tests/support/test_database.hpp"

using stacfed::ingest::Loader;
using stacfed::ingest::LoadOptions;
using stacfed::ingest::Rejection;
using stacfed::ingest::Warning;
using stacfed::ingest::WriteMode;

using stacfed::testing::Count;
using stacfed::testing::Feature;
using stacfed::testing::ItemLine;
using stacfed::testing::kCollection;
using stacfed::testing::Load;
using stacfed::testing::WriteTemp;

TEST_CASE("NDJSON with one bad line loads the rest and names the bad line", "[ingest][db]") {
  stacfed::testing::TestDatabase db;
  std::string text = std::string(kCollection) + "\n";
  for (int i = 0; i < 10; ++i) text += (i == 4 ? R"({"type":"Feature","id":"broken","collection":"cmip6","geometry":null,"properties":{"datetime":"yesterday"}})" : ItemLine(i)) + "\n";
  const std::string path = WriteTemp(text);
  auto result = Load(db.url(), path);
  CHECK(result.report.items_inserted == 9);
  REQUIRE(result.rejections.size() == 1);
  CHECK(result.rejections[0].line == 6);  // the collection is line 1
  CHECK(result.rejections[0].source == path);
  CHECK(result.rejections[0].reason.find("RFC 3339") != std::string::npos);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == 9);
  unlink(path.c_str());
}

TEST_CASE("loading the same data twice writes nothing the second time", "[ingest][db]") {
  stacfed::testing::TestDatabase db;
  std::string text = std::string(kCollection) + "\n";
  for (int i = 0; i < 20; ++i) text += ItemLine(i) + "\n";
  const std::string path = WriteTemp(text);
  CHECK(Load(db.url(), path).report.items_inserted == 20);
  const int64_t xmin_before = Count(db.url(), "SELECT sum(xmin::text::bigint) FROM stacfed.items");
  auto again = Load(db.url(), path);
  CHECK(again.report.items_inserted == 0);
  CHECK(again.report.items_updated == 0);
  CHECK(again.report.items_unchanged == 20);
  CHECK(again.report.collections_unchanged == 1);
  CHECK(Count(db.url(), "SELECT sum(xmin::text::bigint) FROM stacfed.items") == xmin_before);
  unlink(path.c_str());
}

TEST_CASE("upsert updates changed items; insert rejects existing ones; ignore skips them", "[ingest][db]") {
  stacfed::testing::TestDatabase db;
  const std::string first = WriteTemp(std::string(kCollection) + "\n" + ItemLine(1) + "\n" + ItemLine(2) + "\n");
  Load(db.url(), first);
  const std::string changed = WriteTemp(ItemLine(1, "2021-06-01T00:00:00Z") + "\n" + ItemLine(3) + "\n");
  auto upsert = Load(db.url(), changed);
  CHECK(upsert.report.items_updated == 1);
  CHECK(upsert.report.items_inserted == 1);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE datetime = '2021-06-01T00:00:00Z'") == 1);

  const std::string more = WriteTemp(ItemLine(2) + "\n" + ItemLine(4) + "\n");
  auto insert = Load(db.url(), more, WriteMode::kInsert);
  CHECK(insert.report.items_inserted == 1);
  REQUIRE(insert.rejections.size() == 1);
  CHECK(insert.rejections[0].line == 1);
  CHECK(insert.rejections[0].reason.find("already exists") != std::string::npos);

  const std::string again = WriteTemp(ItemLine(2) + "\n" + ItemLine(5) + "\n");
  auto ignore = Load(db.url(), again, WriteMode::kIgnore);
  CHECK(ignore.report.items_inserted == 1);
  CHECK(ignore.report.items_unchanged == 1);
  CHECK(ignore.rejections.empty());
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == 5);
  // The collection's item count (sql/0014) follows every mode.
  CHECK(Count(db.url(), "SELECT item_count FROM stacfed.collections WHERE id = 'cmip6'") == 5);
  for (const auto& p : {first, changed, more, again}) unlink(p.c_str());
}

TEST_CASE("a pretty-printed FeatureCollection reports the line of a bad feature", "[ingest][db]") {
  stacfed::testing::TestDatabase db;
  const std::string collection = WriteTemp(kCollection);
  Load(db.url(), collection);
  const std::string fc = WriteTemp(
      "{\n  \"type\": \"FeatureCollection\",\n  \"features\": [\n    " + ItemLine(1) +
      ",\n    {\"type\": \"Feature\", \"id\": \"x\",\n     \"collection\": \"cmip6\", \"properties\": {}},\n    " +
      ItemLine(2) + "\n  ]\n}\n");
  auto result = Load(db.url(), fc);
  CHECK(result.report.items_inserted == 2);
  REQUIRE(result.rejections.size() == 1);
  CHECK(result.rejections[0].line == 5);
  CHECK(result.rejections[0].reason.find("geometry") != std::string::npos);
  unlink(collection.c_str());
  unlink(fc.c_str());
}

TEST_CASE("items of an unknown collection are rejected, not lost silently", "[ingest][db]") {
  stacfed::testing::TestDatabase db;
  const std::string path = WriteTemp(ItemLine(1) + "\n");
  auto result = Load(db.url(), path);
  REQUIRE(result.rejections.size() == 1);
  CHECK(result.rejections[0].reason.find("unknown collection \"cmip6\"") != std::string::npos);
  unlink(path.c_str());
}

TEST_CASE("a concurrent insert of the same item falls back to ON CONFLICT without losing data",
          "[ingest][db]") {
  stacfed::testing::TestDatabase db;
  const std::string collection = WriteTemp(kCollection);
  Load(db.url(), collection);
  auto x = stacfed::ingest::PrepareItem(ItemLine(1, "2021-01-01T00:00:00Z"));
  auto y = stacfed::ingest::PrepareItem(ItemLine(2));
  REQUIRE((x.ok() && y.ok()));
  std::vector<stacfed::ingest::StagedItem> batch = {*x, *y};

  // Another session inserts item-1 and commits only after our batch looked it up as new.
  auto other = stacfed::pg::Connection::Open(db.url());
  REQUIRE(other.ok());
  REQUIRE(other->Execute("BEGIN").ok());
  REQUIRE(other->Execute("INSERT INTO stacfed.items (collection, id, datetime, end_datetime, properties,"
                         " content, content_hash, facets) VALUES ('cmip6', 'item-1', '2020-01-01',"
                         " '2020-01-01', '{}', '{}', 42, '{1,2}');"
                         // as the write path counts its facets (sql/0016)
                         "INSERT INTO stacfed.collection_facet_counts VALUES ('cmip6', 1, 1), ('cmip6', 2, 1)").ok());
  absl::StatusOr<stacfed::ingest::BatchResult> result;
  std::thread writer([&] {
    auto conn = stacfed::pg::Connection::Open(db.url());
    REQUIRE(conn.ok());
    result = stacfed::ingest::WriteItemBatch(*conn, batch, WriteMode::kUpsert);
  });
  usleep(300000);
  REQUIRE(other->Execute("COMMIT").ok());
  writer.join();
  INFO(std::string(result.status().message()));
  REQUIRE(result.ok());
  CHECK(result->inserted == 1);
  CHECK(result->updated == 1);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE datetime = '2021-01-01T00:00:00Z'") == 1);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == 2);
  // The staging path counts what it inserted (the other session wrote item-1 by hand).
  CHECK(Count(db.url(), "SELECT item_count FROM stacfed.collections WHERE id = 'cmip6'") == 1);
  // The facet counts follow: item-1's stored facets, read under its lock, replaced by x's.
  CHECK(Count(db.url(), stacfed::testing::kFacetCountMismatches) == 0);
  CHECK(Count(db.url(), "SELECT items FROM stacfed.collection_facet_counts WHERE digest = 1") == 0);
  unlink(collection.c_str());
}

TEST_CASE("a load killed mid-way leaves every batch fully in or fully out", "[ingest][db]") {
  stacfed::testing::TestDatabase db;
  // build/tests/ingest/ingest_test -> build/stacfed
  const auto stacfed_bin = stacfed::ExecutablePath().parent_path().parent_path().parent_path() / "stacfed";
  REQUIRE(std::filesystem::exists(stacfed_bin));
  constexpr int kBatch = 7;
  std::string text = std::string(kCollection) + "\n";
  for (int i = 0; i < 60000; ++i) text += ItemLine(i) + "\n";
  const std::string path = WriteTemp(text);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    setenv("DATABASE_URL", db.url().c_str(), 1);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    execl(stacfed_bin.c_str(), "stacfed", "load", path.c_str(), "--writers", "1", "--batch-size",
          std::to_string(kBatch).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill it once some batches are in, long before the end.
  int64_t count = 0;
  for (int tries = 0; tries < 200 && count == 0; ++tries) {
    usleep(20000);
    count = Count(db.url(), "SELECT count(*) FROM stacfed.items");
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));
  count = Count(db.url(), "SELECT count(*) FROM stacfed.items");
  INFO("items after the kill: " << count);
  CHECK(count > 0);
  CHECK(count < 60000);
  // The writer's first batch is a tenth of the others (here 1 item), then 7 at a time.
  constexpr int kFirstBatch = 1;
  CHECK((count - kFirstBatch) % kBatch == 0);
  unlink(path.c_str());
}

TEST_CASE("every column survives the binary COPY, on the insert and on the update path",
          "[ingest][db]") {
  stacfed::testing::TestDatabase db;
  auto query = [&](const std::string& sql) {
    auto conn = stacfed::pg::Connection::Open(db.url());
    REQUIRE(conn.ok());
    auto rows = conn->Query(sql);
    REQUIRE(rows.ok());
    return std::string(rows->Scalar());
  };
  // Before and after 2000-01-01 (PostgreSQL's epoch for binary timestamps), a polygon, a null
  // geometry, a tab and a backslash in strings, an extra link.
  auto items = [](const std::string& title) {
    return std::string(kCollection) + "\n" +
           Feature(R"(a\tb)", R"({"type":"Polygon","coordinates":[[[0,0],[10,0],[10,5],[0,0]]]})",
                   R"({"datetime":null,"start_datetime":"1850-01-01T00:00:00Z",)"
                   R"("end_datetime":"2014-12-31T23:59:59.5Z","title":")" + title + R"("})",
                   "{}", R"([{"rel":"license","href":"https://example.org/l"}])") + "\n" +
           Feature("nogeom", "null", R"({"datetime":"1999-12-31T23:59:59Z"})") + "\n";
  };
  auto check = [&](const std::string& title) {
    CHECK(query("SELECT datetime || ' ' || end_datetime FROM stacfed.items WHERE id = E'a\\tb'") ==
          "1850-01-01 00:00:00+00 2014-12-31 23:59:59.5+00");
    CHECK(query("SELECT ST_AsText(geometry) || ' ' || ST_SRID(geometry) FROM stacfed.items WHERE id = E'a\\tb'") ==
          "POLYGON((0 0,10 0,10 5,0 0)) 4326");
    CHECK(query("SELECT properties->>'title' FROM stacfed.items WHERE id = E'a\\tb'") == title);
    CHECK(query("SELECT content::json->'properties'->>'title' FROM stacfed.items WHERE id = E'a\\tb'") == title);
    CHECK(query("SELECT links::json->0->>'rel' FROM stacfed.items WHERE id = E'a\\tb'") == "license");
    CHECK(query("SELECT (geometry IS NULL)::text || ' ' || datetime FROM stacfed.items WHERE id = 'nogeom'") ==
          "true 1999-12-31 23:59:59+00");
  };
  const std::string first = WriteTemp(items(R"(tab\there, back\\slash)"));
  CHECK(Load(db.url(), first).report.items_inserted == 2);
  check("tab\there, back\\slash");
  const std::string second = WriteTemp(items("changed"));
  auto updated = Load(db.url(), second);
  CHECK(updated.report.items_updated == 1);
  CHECK(updated.report.items_unchanged == 1);
  check("changed");
  unlink(first.c_str());
  unlink(second.c_str());
}

TEST_CASE("a collection's item time bounds widen with every write and never narrow",
          "[ingest][db]") {
  stacfed::testing::TestDatabase db;
  auto bounds = [&] {
    auto conn = stacfed::pg::Connection::Open(db.url());
    REQUIRE(conn.ok());
    auto rows = conn->Query(
        "SELECT coalesce(items_min_datetime::text, 'null') || ' / ' ||"
        " coalesce(items_max_end_datetime::text, 'null') FROM stacfed.collections WHERE id = 'cmip6'");
    REQUIRE(rows.ok());
    return std::string(rows->Scalar());
  };
  const std::string only_collection = WriteTemp(std::string(kCollection) + "\n");
  Load(db.url(), only_collection);
  CHECK(bounds() == "null / null");  // no items: searches in time skip the collection

  const std::string two = WriteTemp(std::string(kCollection) + "\n" + ItemLine(1, "2001-01-01T00:00:00Z") +
                                    "\n" + ItemLine(2, "2005-06-01T00:00:00Z") + "\n");
  Load(db.url(), two);
  CHECK(bounds() == "2001-01-01 00:00:00+00 / 2005-06-01 00:00:00+00");

  // Moving item 1 later (the update path) widens the end and keeps the old start.
  const std::string moved = WriteTemp(std::string(kCollection) + "\n" + ItemLine(1, "2010-01-01T00:00:00Z") + "\n");
  CHECK(Load(db.url(), moved).report.items_updated == 1);
  CHECK(bounds() == "2001-01-01 00:00:00+00 / 2010-01-01 00:00:00+00");

  // An earlier item in ignore mode, a batch of one, widens the start.
  const std::string early = WriteTemp(std::string(kCollection) + "\n" + ItemLine(3, "1850-01-01T00:00:00Z") + "\n");
  Load(db.url(), early, WriteMode::kIgnore, 1);
  CHECK(bounds() == "1850-01-01 00:00:00+00 / 2010-01-01 00:00:00+00");
  for (const auto& path : {only_collection, two, moved, early}) unlink(path.c_str());
}

TEST_CASE("a file larger than the read chunk loads whole; stored properties equal the item's",
          "[ingest][db]") {
  stacfed::testing::TestDatabase db;
  // 1 MB chunks: about 2.5 MB of lines, so that lines straddle the chunk boundaries, and one
  // line of 1.5 MB, longer than a chunk. Properties with unsorted and nested keys and a
  // duplicate key (jsonb keeps the last value).
  std::string text = std::string(kCollection) + "\n";
  const int kItems = 2'501;
  for (int n = 0; n < kItems; ++n) {
    const std::string padding(n == 1'234 ? 1'500'000 : 900, 'x');
    text += Feature("big-" + std::to_string(n), "null",
                    R"({"zeta":")" + padding +
                        R"(","datetime":"2020-01-01T00:00:00Z","k":1,"nested":{"yy":[1,{"b":2,"a":1}],"x":0},"k":)" +
                        std::to_string(n) + "}") +
            "\n";
  }
  REQUIRE(text.size() > (3u << 20));
  const std::string path = WriteTemp(text);
  auto result = Load(db.url(), path, WriteMode::kUpsert, 1000);
  CHECK(result.rejections.empty());
  CHECK(result.report.items_inserted == kItems);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == kItems);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items"
                        " WHERE properties = content::jsonb->'properties'"
                        " AND properties->>'k' = substr(id, 5)") == kItems);
  unlink(path.c_str());
}

TEST_CASE("a typical item's row stays whole in its partition (sql/0009)", "[ingest][db]") {
  stacfed::testing::TestDatabase db;
  // Rows of about 3.3 KB that lz4 cannot shrink (random letters): with the default TOAST
  // threshold (about 2 KB) the content would move to the TOAST table.
  std::string noise;
  uint64_t state = 42;
  for (int i = 0; i < 2000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    noise += "0123456789abcdefghijklmnopqrstuvwxyz"[(state >> 33) % 36];
  }
  std::string text = std::string(kCollection) + "\n";
  for (int n = 0; n < 20; ++n) {
    text += Feature("wide-" + std::to_string(n), "null",
                    R"({"datetime":"2020-01-01T00:00:00Z","title":")" + noise.substr(0, 500) + R"("})",
                    R"({"a":{"href":")" + noise + R"("}})") +
            "\n";
  }
  const std::string path = WriteTemp(text);
  CHECK(Load(db.url(), path).report.items_inserted == 20);
  CHECK(Count(db.url(), "SELECT count(*) FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid"
                        " WHERE i.inhparent = 'stacfed.items'::regclass"
                        " AND 'toast_tuple_target=4080' = ANY(c.reloptions)") == 1);
  CHECK(Count(db.url(), "SELECT pg_relation_size(c.reltoastrelid) FROM pg_class c"
                        " JOIN pg_inherits i ON i.inhrelid = c.oid"
                        " WHERE i.inhparent = 'stacfed.items'::regclass") == 0);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE pg_column_size(content) > 2500"
                        " AND content::jsonb->'assets'->'a'->>'href' = properties->>'title' ||"
                        " substr(content::jsonb->'assets'->'a'->>'href', 501)") == 20);
  unlink(path.c_str());
}

TEST_CASE("a new collection is written without look-ups; items met again still count right",
          "[ingest][db]") {
  // The collection is empty when the load begins, so its batches are COPYed assuming their
  // items are new. The repeated items (a later batch of the same writer) make that COPY fail;
  // the batch is written again with a look-up, and from then on the collection is looked up.
  stacfed::testing::TestDatabase db;
  std::string text = std::string(kCollection) + "\n";
  for (int i = 0; i < 10; ++i) text += ItemLine(i) + "\n";
  for (int i = 0; i < 5; ++i) text += ItemLine(i, "2021-06-01T00:00:00Z") + "\n";
  for (int i = 10; i < 13; ++i) text += ItemLine(i) + "\n";
  const std::string path = WriteTemp(text);

  auto upsert = Load(db.url(), path);
  CHECK(upsert.rejections.empty());
  CHECK(upsert.report.items_inserted == 13);
  CHECK(upsert.report.items_updated == 5);
  CHECK(upsert.report.items_repeated == 5);
  CHECK(upsert.warnings.size() == 5);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == 13);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE datetime = '2021-06-01T00:00:00Z'") == 5);
  CHECK(Count(db.url(), "SELECT item_count FROM stacfed.collections WHERE id = 'cmip6'") == 13);

  SECTION("insert mode rejects the repeats by line, naming the first copy's") {
    stacfed::testing::TestDatabase fresh;
    auto insert = Load(fresh.url(), path, WriteMode::kInsert);
    CHECK(insert.report.items_inserted == 13);
    std::vector<int64_t> lines;
    for (const Rejection& r : insert.rejections) {
      lines.push_back(r.line);
      CHECK(r.reason.find("is already at " + path + ":" + std::to_string(r.line - 10)) !=
            std::string::npos);
    }
    std::sort(lines.begin(), lines.end());
    CHECK(lines == std::vector<int64_t>{12, 13, 14, 15, 16});
    CHECK(Count(fresh.url(), "SELECT item_count FROM stacfed.collections") == 13);
    CHECK(Count(fresh.url(), "SELECT count(*) FROM stacfed.items WHERE datetime = '2021-06-01T00:00:00Z'") == 0);
  }
  unlink(path.c_str());
}

TEST_CASE("recycled batch slots carry nothing over from the items they held before", "[ingest][db]") {
  // Batches of 2 come back from the writers and are filled again: items with a geometry and
  // an extra link alternate with items without either.
  stacfed::testing::TestDatabase db;
  std::string text = std::string(kCollection) + "\n";
  for (int n = 0; n < 40; ++n) {
    const bool full = n % 2 == 0;
    text += Feature("r-" + std::to_string(n),
                    full ? R"({"type":"Point","coordinates":[1,2]})" : "null",
                    R"({"datetime":"2020-01-01T00:00:00Z","n":)" + std::to_string(n) + "}", "{}",
                    full ? R"([{"rel":"license","href":"https://example.org/l"}])" : "[]") +
            "\n";
  }
  const std::string path = WriteTemp(text);
  CHECK(Load(db.url(), path, WriteMode::kUpsert, 2).report.items_inserted == 40);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE geometry IS NULL"
                        " AND links IS NULL AND content::json->'bbox' IS NULL"
                        " AND (properties->>'n')::int % 2 = 1") == 20);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE geometry IS NOT NULL"
                        " AND links::json->0->>'rel' = 'license'"
                        " AND (properties->>'n')::int % 2 = 0") == 20);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE content::json->>'id' = id"
                        " AND 'r-' || (properties->>'n') = id") == 40);
  unlink(path.c_str());
}

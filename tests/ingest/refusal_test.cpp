// Issue 13: records that PostgreSQL refuses. Validation now refuses up front what the
// database would; what it refuses all the same (here a trigger the validator cannot see) is
// found by splitting its batch, and costs neither the rest of that batch nor later ones.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <random>
#include <regex>
#include <string>

#include "libstac/pg/connection.hpp"
#include "tests/ingest/load_fixtures.hpp"
#include "tests/support/test_database.hpp"

using stacfed::ingest::LoadOptions;
using stacfed::ingest::Rejection;
using stacfed::ingest::WriteMode;
using stacfed::testing::Count;
using stacfed::testing::Feature;
using stacfed::testing::ItemLine;
using stacfed::testing::kCollection;
using stacfed::testing::Load;
using stacfed::testing::RunStacfed;
using stacfed::testing::Scalar;
using stacfed::testing::TestDatabase;
using stacfed::testing::WriteTemp;

namespace {

// Letters and digits at random: text that neither pglz nor lz4 can shrink, so the key's
// full length reaches the btree.
std::string RandomId(size_t length, unsigned seed) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::mt19937 random(seed);
  std::string id;
  for (size_t i = 0; i < length; ++i) id += kAlphabet[random() % 62];
  return id;
}

std::string WithProperties(const std::string& id, const std::string& more_properties) {
  return Feature(id, "null", R"({"datetime":"2020-01-01T00:00:00Z",)" + more_properties + "}");
}

// A trigger on the items table that refuses the items whose id starts with "poison", as a
// constraint of the database that validation knows nothing of.
void AddPoisonTrigger(const std::string& url) {
  auto conn = stacfed::pg::Connection::Open(url);
  REQUIRE(conn.ok());
  REQUIRE(conn->Execute(
                  "CREATE FUNCTION public.refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$"
                  " BEGIN IF NEW.id LIKE 'poison%' THEN RAISE EXCEPTION 'poisoned item %', NEW.id;"
                  " END IF; RETURN NEW; END $$;"
                  " CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON stacfed.items"
                  " FOR EACH ROW EXECUTE FUNCTION public.refuse_poison()")
              .ok());
}

int64_t LineOf(const std::vector<Rejection>& rejections, const std::string& reason_part) {
  for (const Rejection& r : rejections) {
    if (r.reason.find(reason_part) != std::string::npos) return r.line;
  }
  return -1;
}

}  // namespace

TEST_CASE("values PostgreSQL would refuse are rejected up front, next to valid items in one batch",
          "[ingest][db]") {
  TestDatabase db;
  const std::string ring_to_minus_zero =
      R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[-0.0,0]]]})";
  const std::vector<std::string> lines = {
      kCollection,                                                         // 1
      ItemLine(0),                                                         // 2
      WithProperties(RandomId(3000, 1), R"("n":1)"),                       // 3: index row too big
      ItemLine(1),                                                         // 4
      WithProperties("tiny", R"("n":1e-16384)"),                           // 5: numeric overflow
      WithProperties("long-fraction", R"("n":0.)" + std::string(16384, '0') + "1"),  // 6
      WithProperties("deep", R"("n":)" + std::string(511, '[') + std::string(511, ']')),  // 7
      Feature("minus-zero", ring_to_minus_zero, R"({"datetime":"2020-01-01T00:00:00Z"})"),  // 8
      ItemLine(2, "0001-01-01T00:00:00+23:59"),                            // 9: year 0 in UTC
      ItemLine(3, "9999-12-31T23:59:59-23:59"),                            // 10: year 10000
      WithProperties(RandomId(1024, 2), R"("n":1e-16383)"),                // 11: both at the edge
      ItemLine(4),                                                         // 12
  };
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  const std::string path = WriteTemp(text);
  // One writer and batches of 100: every item is in the same batch.
  LoadOptions options;
  options.writers = 1;
  auto result = Load(db.url(), path, WriteMode::kUpsert, 100, options);

  CHECK(result.report.items_inserted == 7);
  CHECK(result.report.rejected == 4);
  REQUIRE(result.rejections.size() == 4);
  CHECK(LineOf(result.rejections, "\"id\" is 3000 bytes long; at most 1024 are accepted") == 3);
  CHECK(LineOf(result.rejections, "properties: the number 1e-16384 has more than 16383 digits") == 5);
  CHECK(LineOf(result.rejections, "properties: the number 0.0000000000") == 6);
  CHECK(LineOf(result.rejections, "nested deeper than 512 levels") == 7);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == 7);
  // Stored with the right instants (PostgreSQL reads no offset beyond 15:59: they are
  // written here in UTC; year 0 is 1 BC), which widen the collection's time bounds.
  const std::string year_0 = "'0001-12-31 00:01:00+00 BC'::timestamptz";
  const std::string year_10000 = "'10000-01-01 23:58:59+00'::timestamptz";
  CHECK(Scalar(db.url(), "SELECT datetime = " + year_0 + " FROM stacfed.items WHERE id = 'item-2'") == "t");
  CHECK(Scalar(db.url(), "SELECT datetime = " + year_10000 + " FROM stacfed.items WHERE id = 'item-3'") == "t");
  CHECK(Scalar(db.url(), "SELECT items_min_datetime = " + year_0 + " AND items_max_end_datetime = " +
                             year_10000 + " FROM stacfed.collections") == "t");
  CHECK(Scalar(db.url(), "SELECT ST_IsValid(geometry) FROM stacfed.items WHERE id = 'minus-zero'") == "t");
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE length(id) = 1024") == 1);
  unlink(path.c_str());
}

TEST_CASE("a collection the database refuses is rejected with its plain reason", "[ingest][db]") {
  TestDatabase db;
  auto collection = [](const std::string& id, const std::string& extent) {
    return R"({"type":"Collection","id":")" + id + R"(","description":"d","license":"other","extent":)" +
           extent + "}";
  };
  const std::string text =
      collection("c1", R"({"spatial":{"bbox":[["w",-90,180,90]]}})") + "\n" +
      collection("c2", R"({"temporal":{"interval":[["the day before",null]]}})") + "\n" +
      kCollection + "\n" + ItemLine(1) + "\n";
  const std::string path = WriteTemp(text);
  auto result = Load(db.url(), path);
  REQUIRE(result.rejections.size() == 2);
  CHECK(result.rejections[0].line == 1);
  CHECK(result.rejections[0].reason == "extent.spatial.bbox must hold numbers");
  CHECK(result.rejections[1].line == 2);
  CHECK(result.rejections[1].reason ==
        "collection \"c2\": the database refused it: invalid input syntax for type timestamp with"
        " time zone: \"the day before\"");
  CHECK(result.report.collections_changed == 1);
  CHECK(result.report.items_inserted == 1);
  unlink(path.c_str());
}

TEST_CASE("a record only the database refuses is found by splitting its batch", "[ingest][db]") {
  TestDatabase db;
  AddPoisonTrigger(db.url());
  std::string text = std::string(kCollection) + "\n";
  for (int i = 0; i < 2000; ++i) {
    const bool poisoned = i == 500 || i == 1000 || i == 1001 || i == 1999;
    text += (poisoned ? Feature("poison-" + std::to_string(i), "null",
                                R"({"datetime":"2020-01-01T00:00:00Z"})")
                      : ItemLine(i)) +
            "\n";
  }
  const std::string path = WriteTemp(text);
  auto result = Load(db.url(), path, WriteMode::kUpsert, 100);
  CHECK(result.report.items_inserted == 1996);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == 1996);
  std::vector<int64_t> lines;
  for (const Rejection& r : result.rejections) {
    lines.push_back(r.line);
    CHECK(r.reason == "the database refused it: poisoned item poison-" + std::to_string(r.line - 2));
  }
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<int64_t>{502, 1002, 1003, 2001});

  SECTION("on the update path too") {
    std::string changed = std::string(kCollection) + "\n";
    for (int i = 0; i < 2000; ++i) {
      changed += (i == 700 ? Feature("poison-700", "null", R"({"datetime":"2021-01-01T00:00:00Z"})")
                           : ItemLine(i, "2021-01-01T00:00:00Z")) +
                 "\n";
    }
    const std::string again = WriteTemp(changed);
    auto updated = Load(db.url(), again, WriteMode::kUpsert, 100);
    CHECK(updated.report.items_updated == 1995);
    CHECK(updated.report.items_inserted == 4);  // the items poisoned before are ordinary now
    REQUIRE(updated.rejections.size() == 1);
    CHECK(updated.rejections[0].line == 702);
    CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE datetime = '2021-01-01'") == 1999);
    unlink(again.c_str());
  }
  unlink(path.c_str());
}

TEST_CASE("a lost connection stops the load; the summary says what was committed",
          "[ingest][db][cli]") {
  TestDatabase db;
  {
    auto conn = stacfed::pg::Connection::Open(db.url());
    REQUIRE(conn.ok());
    REQUIRE(conn->Execute(
                    "CREATE FUNCTION public.lose_connection() RETURNS trigger LANGUAGE plpgsql AS $$"
                    " BEGIN IF NEW.id = 'item-1500' THEN PERFORM pg_terminate_backend(pg_backend_pid());"
                    " END IF; RETURN NEW; END $$;"
                    " CREATE TRIGGER lose_connection BEFORE INSERT ON stacfed.items"
                    " FOR EACH ROW EXECUTE FUNCTION public.lose_connection()")
                .ok());
  }
  std::string text = std::string(kCollection) + "\n";
  for (int i = 0; i < 3000; ++i) text += ItemLine(i) + "\n";
  const std::string path = WriteTemp(text);
  auto run = RunStacfed({"load", path, "--batch-size", "100", "--writers", "1"}, db.url());
  INFO(run.out << run.err);
  CHECK(run.exit_status == 1);
  CHECK(run.err.find("stacfed load: stopped: the database connection was lost while writing the"
                     " items from " + path + ":") != std::string::npos);
  std::smatch loaded;
  REQUIRE(std::regex_search(run.out, loaded, std::regex(R"(^loaded 1 collections \(0 unchanged\); items: (\d+) inserted, 0 updated, 0 unchanged, 0 repeated; 0 rejected; [0-9.]+ s, \d+ items/s; stopped early: the counts are what was committed\n$)")));
  const int64_t inserted = std::stoll(loaded[1]);
  CHECK(inserted < 1500);
  CHECK(inserted >= 1000);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == inserted);
  unlink(path.c_str());
}

// The report's case: 19,999 valid items with bad ones in the middle, loaded by `stacfed load`
// with small batches and two writers.
TEST_CASE("poisoned records: every valid one loads, each bad one is named, the summary is printed",
          "[ingest][db][cli]") {
  TestDatabase db;
  AddPoisonTrigger(db.url());
  std::string text = std::string(kCollection) + "\n";
  int64_t line = 1;
  std::vector<std::pair<int64_t, std::string>> expected;  // line, reason
  auto bad = [&](const std::string& record, const std::string& reason) {
    text += record + "\n";
    expected.emplace_back(++line, reason);
  };
  for (int i = 0; i < 19999; ++i) {
    if (i == 5000) {
      bad(WithProperties(RandomId(3000, 3), R"("n":1)"),
          "\"id\" is 3000 bytes long; at most 1024 are accepted (it is a database key)");
    }
    if (i == 10000) {
      bad(WithProperties("tiny", R"("n":1e-16384)"),
          "properties: the number 1e-16384 has more than 16383 digits after the decimal point,"
          " more than PostgreSQL's numeric type holds");
    }
    if (i == 15000) bad(WithProperties("poison", R"("n":1)"), "the database refused it: poisoned item poison");
    // Valid since -0 is written as 0; PostGIS refused its ring before.
    text += (i == 12000 ? Feature("minus-zero", R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[-0.0,0]]]})",
                                  R"({"datetime":"2020-01-01T00:00:00Z"})")
                        : ItemLine(i)) +
            "\n";
    ++line;
  }
  const std::string path = WriteTemp(text);
  auto run = RunStacfed({"load", path, "--batch-size", "50", "--writers", "2"}, db.url());
  INFO(run.err.substr(0, 2000));
  CHECK(run.exit_status == 1);
  CHECK(std::regex_search(run.out, std::regex(R"(^loaded 1 collections \(0 unchanged\); items: 19999 inserted, 0 updated, 0 unchanged, 0 repeated; 3 rejected; [0-9.]+ s, \d+ items/s\n$)")));
  std::string wanted;
  for (const auto& [bad_line, reason] : expected) {
    wanted += path + ":" + std::to_string(bad_line) + ": rejected: " + reason + "\n";
  }
  std::string rejected_lines;  // stderr in line order
  {
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t end; (end = run.err.find('\n', start)) != std::string::npos; start = end + 1) {
      lines.push_back(run.err.substr(start, end - start + 1));
    }
    std::sort(lines.begin(), lines.end(), [&](const std::string& a, const std::string& b) {
      return std::stoll(a.substr(path.size() + 1)) < std::stoll(b.substr(path.size() + 1));
    });
    for (const std::string& l : lines) rejected_lines += l;
  }
  CHECK(rejected_lines == wanted);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == 19999);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE id = 'minus-zero'") == 1);
  unlink(path.c_str());
}

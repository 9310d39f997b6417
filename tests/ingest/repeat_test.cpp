// Issue 13: an item that comes twice in one `stacfed load` (same collection and id, in one
// file or in two) is reported with the lines of both copies, never collapsed silently.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <regex>
#include <string>

#include "tests/ingest/load_fixtures.hpp"
#include "tests/support/test_database.hpp"

using stacfed::ingest::WriteMode;
using stacfed::testing::Count;
using stacfed::testing::ItemLine;
using stacfed::testing::kCollection;
using stacfed::testing::Load;
using stacfed::testing::LoadResult;
using stacfed::testing::RunStacfed;
using stacfed::testing::TestDatabase;
using stacfed::testing::WriteTemp;

namespace {

// Items 0-9 with item 3 again right after it (the same batch), item 5 again near the end
// (a later batch), and, in a second file, item 7 again: each repeat changes the datetime.
struct Input {
  std::string first = WriteTemp([] {
    std::string text = std::string(kCollection) + "\n";  // line 1
    for (int i = 0; i < 10; ++i) {
      text += ItemLine(i) + "\n";                                   // item i: line i + 2
      if (i == 3) text += ItemLine(3, "2021-03-03T00:00:00Z") + "\n";  // line 6
    }
    text += ItemLine(5, "2021-05-05T00:00:00Z") + "\n";  // line 13
    return text;
  }());
  std::string second = WriteTemp(ItemLine(7, "2021-07-07T00:00:00Z") + "\n" + ItemLine(10) + "\n");
  ~Input() {
    unlink(first.c_str());
    unlink(second.c_str());
  }
  LoadResult Load(const std::string& url, WriteMode mode) const {
    return stacfed::testing::Load(url, std::vector<std::string>{first, second}, mode, 4);
  }
};

std::string DatetimeOf(const std::string& url, int item) {
  return stacfed::testing::Scalar(url, "SELECT to_char(datetime AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
                                       " FROM stacfed.items WHERE id = 'item-" + std::to_string(item) + "'");
}

}  // namespace

TEST_CASE("upsert: a later copy of an item replaces the earlier one, with a warning", "[ingest][db]") {
  TestDatabase db;
  Input input;
  LoadResult result = input.Load(db.url(), WriteMode::kUpsert);
  CHECK(result.rejections.empty());
  CHECK(result.report.items_repeated == 3);
  REQUIRE(result.warnings.size() == 3);
  auto warning = [&](size_t i) { return result.warnings[i].source + ":" + std::to_string(result.warnings[i].line) + ": " + result.warnings[i].reason; };
  CHECK(warning(0) == input.first + ":6: item \"item-3\" of collection \"cmip6\" is already at " +
                          input.first + ":5 of this load; this later copy replaces it");
  CHECK(warning(1) == input.first + ":13: item \"item-5\" of collection \"cmip6\" is already at " +
                          input.first + ":8 of this load; this later copy replaces it");
  CHECK(warning(2) == input.second + ":1: item \"item-7\" of collection \"cmip6\" is already at " +
                          input.first + ":10 of this load; this later copy replaces it");
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == 11);
  CHECK(DatetimeOf(db.url(), 3) == "2021-03-03");
  CHECK(DatetimeOf(db.url(), 5) == "2021-05-05");
  CHECK(DatetimeOf(db.url(), 7) == "2021-07-07");
  // Writes: the copies of item 3 share a batch (one write); items 5 and 7 are written twice.
  CHECK(result.report.items_inserted == 11);
  CHECK(result.report.items_updated == 2);
  CHECK(result.report.items_unchanged == 0);
}

TEST_CASE("insert: a later copy of an item is rejected, naming the first", "[ingest][db]") {
  TestDatabase db;
  Input input;
  LoadResult result = input.Load(db.url(), WriteMode::kInsert);
  CHECK(result.warnings.empty());
  CHECK(result.report.rejected == 3);
  CHECK(result.report.items_repeated == 0);
  REQUIRE(result.rejections.size() == 3);
  CHECK(result.rejections[0].line == 6);
  CHECK(result.rejections[0].reason == "item \"item-3\" of collection \"cmip6\" is already at " +
                                           input.first + ":5 of this load (--mode insert keeps the first copy)");
  CHECK(result.rejections[1].line == 13);
  CHECK(result.rejections[2].source == input.second);
  CHECK(result.rejections[2].line == 1);
  CHECK(result.report.items_inserted == 11);
  CHECK(DatetimeOf(db.url(), 3) == "2020-01-01");
  CHECK(DatetimeOf(db.url(), 5) == "2020-01-01");
  CHECK(DatetimeOf(db.url(), 7) == "2020-01-01");
}

TEST_CASE("ignore: a later copy of an item is skipped, with a warning", "[ingest][db]") {
  TestDatabase db;
  Input input;
  LoadResult result = input.Load(db.url(), WriteMode::kIgnore);
  CHECK(result.rejections.empty());
  CHECK(result.report.items_repeated == 3);
  REQUIRE(result.warnings.size() == 3);
  CHECK(result.warnings[1].line == 13);
  CHECK(result.warnings[1].reason == "item \"item-5\" of collection \"cmip6\" is already at " +
                                         input.first + ":8 of this load; skipped (--mode ignore keeps the first copy)");
  CHECK(result.report.items_inserted == 11);
  CHECK(result.report.items_unchanged == 0);
  CHECK(DatetimeOf(db.url(), 3) == "2020-01-01");
  CHECK(DatetimeOf(db.url(), 7) == "2020-01-01");
}

TEST_CASE("an id in two collections is two items", "[ingest][db]") {
  TestDatabase db;
  std::string other = kCollection;
  other.replace(other.find("\"cmip6\""), 7, "\"cmip7\"");
  std::string item = ItemLine(1);
  item.replace(item.find("\"cmip6\""), 7, "\"cmip7\"");
  const std::string path = WriteTemp(std::string(kCollection) + "\n" + other + "\n" + ItemLine(1) + "\n" + item + "\n");
  LoadResult result = Load(db.url(), path, WriteMode::kInsert);
  CHECK(result.rejections.empty());
  CHECK(result.warnings.empty());
  CHECK(result.report.items_inserted == 2);
  unlink(path.c_str());
}

TEST_CASE("stacfed load prints repeats as warnings and counts them", "[ingest][db][cli]") {
  TestDatabase db;
  Input input;
  auto run = RunStacfed({"load", input.first, input.second}, db.url());
  INFO(run.err);
  CHECK(run.exit_status == 0);
  CHECK(run.err.find(input.first + ":13: warning: item \"item-5\" of collection \"cmip6\" is already at " +
                     input.first + ":8 of this load; this later copy replaces it\n") != std::string::npos);
  CHECK(std::regex_search(run.out, std::regex(R"(^loaded 1 collections \(0 unchanged\); items: \d+ inserted, \d+ updated, \d+ unchanged, 3 repeated; 0 rejected; )")));
  auto insert = RunStacfed({"load", "--mode", "insert", input.first, input.second}, db.url());
  CHECK(insert.exit_status == 1);
  CHECK(insert.err.find(input.second + ":1: rejected: item \"item-7\" of collection \"cmip6\" is already at " +
                        input.first + ":10 of this load") != std::string::npos);
}

// Issue 13: the loader's input. A record is at most STACFED_MAX_ITEM_BYTES, and a longer one
// is rejected as it is read, without being held; a document that is not newline-delimited
// is read as a stream, a FeatureCollection feature by feature: memory stays bounded whatever
// the input.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <regex>
#include <string>

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
using stacfed::testing::LoadResult;
using stacfed::testing::RunStacfed;
using stacfed::testing::TestDatabase;
using stacfed::testing::WriteTemp;

namespace {

// Item "big-N" of exactly `bytes` bytes as one line.
std::string ItemOfSize(int n, size_t bytes) {
  const std::string empty = Feature("big-" + std::to_string(n), "null",
                                    R"({"datetime":"2020-01-01T00:00:00Z","pad":""})");
  REQUIRE(bytes >= empty.size());
  return Feature("big-" + std::to_string(n), "null",
                 R"({"datetime":"2020-01-01T00:00:00Z","pad":")" + std::string(bytes - empty.size(), 'p') + "\"}");
}

std::string Rejected(const Rejection& r) { return std::to_string(r.line) + ": " + r.reason; }

LoadOptions WithLimit(size_t bytes) {
  LoadOptions options;
  options.max_record_bytes = bytes;
  return options;
}

std::string SizeReason(size_t bytes, size_t limit) {
  return "the record is " + std::to_string(bytes) + " bytes, more than STACFED_MAX_ITEM_BYTES (" +
         std::to_string(limit) + ")";
}

}  // namespace

TEST_CASE("a line longer than the record limit is rejected for its size; the lines around it load",
          "[ingest][db]") {
  TestDatabase db;
  const std::string text = std::string(kCollection) + "\n" +   // 1
                           ItemLine(0) + "\n" +                 // 2
                           ItemOfSize(1, 10'000) + "\n" +       // 3: at the limit
                           ItemOfSize(2, 10'001) + "\n" +       // 4: a byte more, held whole
                           ItemLine(3) + "\n" +                 // 5
                           "  " + ItemOfSize(4, 3'000'000) + "  \n" +  // 6: read through
                           ItemLine(5) + "\n" +                 // 7
                           std::string(5'000'000, 'x') + "\n" +  // 8: not JSON either
                           ItemLine(6) + "\n" +                 // 9
                           std::string(20'000, ' ') + "\n" +    // 10: blank
                           ItemOfSize(7, 2'000'000);            // 11: the last line, no newline
  const std::string path = WriteTemp(text);
  LoadResult result = Load(db.url(), path, WriteMode::kUpsert, 3, WithLimit(10'000));
  REQUIRE(result.rejections.size() == 4);
  CHECK(Rejected(result.rejections[0]) == "4: " + SizeReason(10'001, 10'000));
  CHECK(Rejected(result.rejections[1]) == "6: " + SizeReason(3'000'000, 10'000));
  CHECK(Rejected(result.rejections[2]) == "8: " + SizeReason(5'000'000, 10'000));
  CHECK(Rejected(result.rejections[3]) == "11: " + SizeReason(2'000'000, 10'000));
  CHECK(result.report.items_inserted == 5);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items WHERE id IN"
                        " ('item-0', 'big-1', 'item-3', 'item-5', 'item-6')") == 5);
  unlink(path.c_str());
}

TEST_CASE("a FeatureCollection longer than a record loads feature by feature; a feature above "
          "the limit is rejected", "[ingest][db]") {
  TestDatabase db;
  const std::string collection = WriteTemp(std::string(kCollection) + "\n");
  auto feature_collection = [](const std::string& separator) {
    std::string text = "{\"type\": \"FeatureCollection\", \"features\": [";
    for (int i = 0; i < 8; ++i) {
      text += (i == 0 ? "" : ",") + separator + (i == 5 ? ItemOfSize(i, 12'000) : ItemOfSize(i, 5'000));
    }
    return text + separator + "], \"links\": []}";
  };
  SECTION("pretty-printed: one feature per line") {
    const std::string path = WriteTemp(feature_collection("\n  "));
    LoadResult result = Load(db.url(), {collection, path}, WriteMode::kUpsert, 3, WithLimit(10'000));
    REQUIRE(result.rejections.size() == 1);
    CHECK(Rejected(result.rejections[0]) == "7: " + SizeReason(12'000, 10'000));
    CHECK(result.report.items_inserted == 7);
    unlink(path.c_str());
  }
  SECTION("on one line, among other lines") {
    const std::string path =
        WriteTemp(ItemLine(100) + "\n" + feature_collection("") + "\n" + ItemLine(101) + "\n");
    LoadResult result = Load(db.url(), {collection, path}, WriteMode::kUpsert, 3, WithLimit(10'000));
    REQUIRE(result.rejections.size() == 1);
    CHECK(Rejected(result.rejections[0]) == "2: " + SizeReason(12'000, 10'000));
    CHECK(result.report.items_inserted == 9);
    unlink(path.c_str());
  }
  SECTION("cut short: the features before the break load") {
    std::string text = feature_collection("\n  ");
    text.resize(text.find("big-6") - 40);
    const std::string path = WriteTemp(text);
    LoadResult result = Load(db.url(), {collection, path}, WriteMode::kUpsert, 3, WithLimit(10'000));
    REQUIRE(result.rejections.size() == 2);
    CHECK(Rejected(result.rejections[0]) == "7: " + SizeReason(12'000, 10'000));
    CHECK(Rejected(result.rejections[1]) ==
          "1: the document is not valid JSON at line 8 (the JSON value ends early); its 6 features"
          " before that were read; the rest of the file was not read");
    CHECK(result.report.items_inserted == 5);
    unlink(path.c_str());
  }
  unlink(collection.c_str());
}

TEST_CASE("a first line longer than a record is read as a line, valid JSON or not",
          "[ingest][db]") {
  TestDatabase db;
  const std::string collection = WriteTemp(std::string(kCollection) + "\n");
  std::string cut_short = ItemOfSize(1, 30'000);
  cut_short.pop_back();  // the item's closing brace: the line is not one JSON value
  const std::string fc = R"({"type":"FeatureCollection","features":[)" + ItemOfSize(2, 5'000) + "," +
                         ItemOfSize(3, 5'000) + "," + ItemOfSize(4, 5'000) + "]}";
  const std::string path = WriteTemp(cut_short + "\n" + ItemLine(5) + "\n" + fc + "\n" + ItemLine(6));
  const std::string first_fc = WriteTemp(fc + "\n" + ItemLine(7) + "\n");
  LoadResult result =
      Load(db.url(), {collection, path, first_fc}, WriteMode::kUpsert, 3, WithLimit(10'000));
  REQUIRE(result.rejections.size() == 1);
  CHECK(Rejected(result.rejections[0]) == "1: " + SizeReason(29'999, 10'000));
  CHECK(result.report.items_inserted == 6);
  unlink(collection.c_str());
  unlink(path.c_str());
  unlink(first_fc.c_str());
}

TEST_CASE("a document that is not valid JSON is read again line by line", "[ingest][db]") {
  // The first line is not a value of its own, so the input is taken for one document; it is
  // not one, and each of its lines is a record after all.
  TestDatabase db;
  const std::string path = WriteTemp(std::string(kCollection).substr(0, 50) + "\n" + kCollection +
                                     "\n" + ItemLine(1) + "\n{\"type\":\n" + ItemLine(2) + "\n");
  LoadResult result = Load(db.url(), path);
  CHECK(result.report.items_inserted == 2);
  REQUIRE(result.rejections.size() == 2);
  CHECK(result.rejections[0].line == 1);
  CHECK(result.rejections[1].line == 4);
  unlink(path.c_str());
}

TEST_CASE("stacfed load reads STACFED_MAX_ITEM_BYTES", "[ingest][db][cli]") {
  TestDatabase db;
  const std::string path = WriteTemp(std::string(kCollection) + "\n" + ItemOfSize(1, 30'000) + "\n" +
                                     ItemOfSize(2, 20'000) + "\n");
  auto run = RunStacfed({"load", path}, db.url(), {{"STACFED_MAX_ITEM_BYTES", "20000"}});
  CHECK(run.exit_status == 1);
  CHECK(run.err == path + ":2: rejected: " + SizeReason(30'000, 20'000) + "\n");
  CHECK(run.out.find("items: 1 inserted") != std::string::npos);
  auto wrong = RunStacfed({"load", path}, db.url(), {{"STACFED_MAX_ITEM_BYTES", "4 MB"}});
  CHECK(wrong.exit_status == 2);
  CHECK(wrong.err.find("STACFED_MAX_ITEM_BYTES='4 MB' must be an integer from 1024 to 33554432") !=
        std::string::npos);
  unlink(path.c_str());
}

// The report's case: a 100 MB line of '[' took the loader to 1.17 GB (it read the whole file
// and parsed it, which allocated about ten times its size).
TEST_CASE("100 MB lines of '[' and of 'x' are rejected as they are read, in bounded memory",
          "[ingest][db][cli]") {
  // The loader holds at most a record (4 MiB by default) and a read of 1 MiB, with its
  // parsers and batches: far below a line of 100 MB.
  constexpr int64_t kPeakRssBoundKb = 64 << 10;
  constexpr size_t kLine = 100 << 20;
  TestDatabase db;
  auto write_file = [](const std::vector<std::string>& parts) {
    const std::string path = WriteTemp("");
    std::ofstream out(path);
    for (const std::string& part : parts) {
      if (part == "[" || part == "x") {
        out << std::string(kLine, part[0]);
      } else {
        out << part;
      }
      out << "\n";
    }
    return path;
  };
  const std::string middle = write_file({kCollection, ItemLine(0), "[", ItemLine(1), "x", ItemLine(2)});
  const std::string first = write_file({"[", ItemLine(3)});
  auto run = RunStacfed({"load", middle, first}, db.url());
  INFO(run.err);
  CHECK(run.exit_status == 1);
  CHECK(run.err == middle + ":3: rejected: " + SizeReason(kLine, 4 << 20) + "\n" +
                       middle + ":5: rejected: " + SizeReason(kLine, 4 << 20) + "\n" +
                       first + ":1: rejected: " + SizeReason(kLine, 4 << 20) + "\n");
  CHECK(run.out.find("items: 4 inserted, 0 updated, 0 unchanged, 0 repeated; 3 rejected;") !=
        std::string::npos);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == 4);
  INFO("peak RSS " << run.peak_rss_kb << " KB");
  CHECK(run.peak_rss_kb < kPeakRssBoundKb);
  unlink(middle.c_str());
  unlink(first.c_str());
}

TEST_CASE("a large pretty-printed FeatureCollection is read one feature at a time",
          "[ingest][db][cli]") {
  // 40 MB of features, which the loader held whole and parsed with simdjson before (175 MB
  // at its peak). Now it holds a feature, a read of 1 MiB and its batches.
  constexpr int64_t kPeakRssBoundKb = 100 << 10;
  TestDatabase db;
  const std::string path = WriteTemp("");
  {
    std::ofstream out(path);
    out << "{\n \"type\": \"FeatureCollection\",\n \"features\": [\n";
    for (int i = 0; i < 10'000; ++i) out << (i == 0 ? "  " : ",\n  ") << ItemOfSize(i, 4'000);
    out << "\n ]\n}\n";
  }
  const std::string collection = WriteTemp(std::string(kCollection) + "\n");
  auto run = RunStacfed({"load", collection, path, "--batch-size", "500"}, db.url());
  INFO(run.err);
  CHECK(run.exit_status == 0);
  CHECK(Count(db.url(), "SELECT count(*) FROM stacfed.items") == 10'000);
  INFO("peak RSS " << run.peak_rss_kb << " KB");
  CHECK(run.peak_rss_kb < kPeakRssBoundKb);
  unlink(path.c_str());
  unlink(collection.c_str());
}

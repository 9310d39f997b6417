// The search SQL of the plain searches (collections, ids, bbox, intersects, datetime, their
// pages and counts) against golden copies written before the search layer was opened up
// (issue 14): the refactor must build the same statements, with the same parameters in the
// same order. STACFED_WRITE_GOLDEN=1 rewrites the file (only when the SQL is meant to change).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "libstac/base/strings.hpp"
#include "server/search/queryables.hpp"
#include "server/search/service.hpp"

namespace stacfed::search {
namespace {

constexpr char kGoldenFile[] = STACFED_SOURCE_DIR "/tests/server/golden/search_sql.txt";

// Every shape of a plain search, named, with values that say where they go.
std::vector<std::pair<std::string, SearchRequest>> Shapes() {
  std::vector<std::pair<std::string, SearchRequest>> shapes;
  for (int collections : {0, 1, 2, 3, 5, 9, 17, 33}) {
    for (bool ids : {false, true}) {
      for (int geometry : {0, 1, 2}) {  // none, bbox, intersects
        for (int time : {0, 1, 2, 3}) {  // none, start only, end only, both
          for (int page : {0, 1, 2}) {   // first, next, prev
            SearchRequest request;
            for (int i = 0; i < collections; ++i) request.collections.push_back(StrCat("c", i));
            if (ids) request.ids = {"id-a", "id-b"};
            if (geometry == 1) request.bbox = Bbox{1, 2, 3, 4};
            if (geometry == 2) request.intersects = R"({"type":"Point","coordinates":[1,2]})";
            if (time > 0) {
              DatetimeInterval interval;
              if (time & 1) interval.start = 946684800000000;
              if (time & 2) interval.end = 1577836800000000;
              request.datetime = interval;
            }
            if (page > 0) {
              request.token = PageToken{page == 1 ? PageToken::Direction::kNext
                                                  : PageToken::Direction::kPrev,
                                        {"1262304000000000", "c0", "item-7"}, 42, "fp"};
            }
            request.limit = 10;
            shapes.emplace_back(StrCat("collections=", collections, " ids=", ids,
                                       " geometry=", geometry, " time=", time, " page=", page),
                                std::move(request));
          }
        }
      }
    }
  }
  return shapes;
}

std::string Render() {
  const Queryables queryables = Queryables::Builtin();
  std::string out;
  for (const auto& [name, request] : Shapes()) {
    const absl::StatusOr<SearchQuery> built =
        BuildSearchQuery(request, SearchContext{&queryables}, 10000);
    REQUIRE(built.ok());
    const SearchQuery& query = *built;
    StrAppend(&out, "== ", name, "\n", query.page.sql, "\n");
    for (const pg::Param& param : query.params) StrAppend(&out, "  $ ", param.value_or("NULL"), "\n");
    if (!query.count.sql.empty()) {
      StrAppend(&out, "count: ", query.count.sql, "\n");
      for (const pg::Param& param : query.count_params) {
        StrAppend(&out, "  $ ", param.value_or("NULL"), "\n");
      }
    }
  }
  return out;
}

TEST_CASE("plain searches build the same SQL as before the search layer", "[search][sql][golden]") {
  const std::string rendered = Render();
  if (const char* write = std::getenv("STACFED_WRITE_GOLDEN"); write && std::string(write) == "1") {
    std::ofstream(kGoldenFile) << rendered;
  }
  std::ifstream file(kGoldenFile);
  REQUIRE(file.good());
  std::stringstream golden;
  golden << file.rdbuf();
  // Compared case by case, so that a failure names the shape.
  std::istringstream want(golden.str()), got(rendered);
  std::string want_line, got_line, shape;
  int line = 0;
  while (std::getline(want, want_line)) {
    ++line;
    if (want_line.starts_with("== ")) shape = want_line;
    REQUIRE(std::getline(got, got_line));
    INFO(shape << " (line " << line << ")");
    REQUIRE(got_line == want_line);
  }
  CHECK_FALSE(std::getline(got, got_line));
}

}  // namespace
}  // namespace stacfed::search

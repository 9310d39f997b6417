#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "libstac/base/url.hpp"

namespace stacfed {
namespace {

std::string Resolved(std::string_view base, std::string_view reference) {
  auto parsed = Url::Parse(base);
  REQUIRE(parsed.ok());
  auto resolved = parsed->Resolve(reference);
  INFO(reference);
  REQUIRE(resolved.ok());
  return std::string(resolved->str());
}

constexpr std::string_view kRfcBase = "http://a/b/c/d;p?q";

TEST_CASE("references resolve as RFC 3986 section 5.4.1 shows (normal examples)", "[url]") {
  const std::vector<std::pair<std::string_view, std::string_view>> examples = {
      {"g:h", "g:h"},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  };
  for (const auto& [reference, expected] : examples) {
    CHECK(Resolved(kRfcBase, reference) == expected);
  }
}

TEST_CASE("references resolve as RFC 3986 section 5.4.2 shows (abnormal examples)", "[url]") {
  const std::vector<std::pair<std::string_view, std::string_view>> examples = {
      // Dot segments above the root are dropped (Boost.URL 1.81 alone keeps them).
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
      {"g#s/../x", "http://a/b/c/g#s/../x"},
      {"http:g", "http:g"},  // strict parsers (section 5.2.2)
  };
  for (const auto& [reference, expected] : examples) {
    CHECK(Resolved(kRfcBase, reference) == expected);
  }
}

TEST_CASE("references against STAC-shaped bases", "[url]") {
  const std::string_view item = "https://cds.example/api/catalogue/v1/collections/era5/items/x";
  CHECK(Resolved(item, "/api/storage/v1/x") == "https://cds.example/api/storage/v1/x");
  CHECK(Resolved(item, "../x") == "https://cds.example/api/catalogue/v1/collections/era5/x");
  CHECK(Resolved(item, "x.nc") == "https://cds.example/api/catalogue/v1/collections/era5/items/x.nc");
  CHECK(Resolved(item, "?q") == "https://cds.example/api/catalogue/v1/collections/era5/items/x?q");
  CHECK(Resolved("file:///data/cat/c1/collection.json", "./items/a.json") == "file:///data/cat/c1/items/a.json");
  CHECK(Resolved("http://h:8080", "g") == "http://h:8080/g");  // empty base path (section 5.2.3)
  // Bytes a URI may not hold are encoded, as browsers do; valid encodings stay.
  CHECK(Resolved("https://h/a/b", "my file.nc") == "https://h/a/my%20file.nc");
  CHECK(Resolved("https://h/a/b", "caf\xc3\xa9%20x.nc") == "https://h/a/caf%C3%A9%20x.nc");
  CHECK_FALSE(Url::Parse("https://h/")->Resolve("a#b#c").ok());
}

TEST_CASE("a Url is absolute; its scheme and host compare without case", "[url]") {
  CHECK_FALSE(Url::Parse("/relative/path").ok());
  CHECK_FALSE(Url::Parse("no scheme here").ok());
  CHECK_FALSE(Url::Parse("").ok());
  auto url = Url::Parse("HTTPS://User@Example.ORG:8443/a/b?x=1&limit=5#f");
  REQUIRE(url.ok());
  CHECK(url->SchemeIs("https"));
  CHECK(url->IsHttp());
  CHECK_FALSE(url->SchemeIs("http"));
  CHECK(url->Host() == "example.org");
  CHECK(url->HostAndPort() == "example.org:8443");
  CHECK(url->EncodedPath() == "/a/b");
  CHECK(url->EncodedQuery() == "x=1&limit=5");
  CHECK(url->HasQueryParameter("limit"));
  CHECK_FALSE(url->HasQueryParameter("lim"));
  CHECK(Url::Parse("file:///tmp/catalog.json")->Host().empty());
  CHECK(Url::Parse("s3://bucket/key")->Host() == "bucket");
}

TEST_CASE("internal hosts are single-label names other than localhost", "[url]") {
  CHECK(Url::Parse("http://eodag-server:8080/search")->HasInternalHost());
  CHECK_FALSE(Url::Parse("http://localhost:8080/search")->HasInternalHost());
  CHECK_FALSE(Url::Parse("https://hda.data.destination-earth.eu/stac")->HasInternalHost());
  CHECK_FALSE(Url::Parse("http://127.0.0.1:8080/")->HasInternalHost());
  CHECK_FALSE(Url::Parse("http://[::1]:8080/")->HasInternalHost());
  CHECK_FALSE(Url::Parse("file:///x")->HasInternalHost());
}

TEST_CASE("query parameters are appended encoded; query and fragment can be dropped", "[url]") {
  auto url = Url::Parse("https://h/items?collections=a");
  REQUIRE(url.ok());
  url->AppendQueryParameter("limit", "100");
  CHECK(url->str() == "https://h/items?collections=a&limit=100");
  auto bare = Url::Parse("https://h/items");
  bare->AppendQueryParameter("filter", "updated >= 'x'");
  CHECK(bare->str() == "https://h/items?filter=updated%20%3E%3D%20%27x%27");
  CHECK(bare->HasQueryParameter("filter"));
  auto search = Url::Parse("https://h/search?f=json#top");
  search->RemoveQueryAndFragment();
  CHECK(search->str() == "https://h/search");
}

TEST_CASE("references: scheme and path", "[url]") {
  CHECK(HasScheme("https://h/x"));
  CHECK(HasScheme("s3://bucket/key"));
  CHECK(HasScheme("reference::/pool/data/x.json"));
  CHECK(HasScheme("https://h/a b.nc"));  // invalid bytes do not hide the scheme
  // A relative reference's first segment holds no ':' (RFC 3986 section 4.2).
  for (std::string_view relative : {"/api/storage/v1/x", "../x", "x.nc", "?q", "//h/x", "", "./a:b",
                                    "dir/a:b", "1a:b", "#a:b"}) {
    CHECK_FALSE(HasScheme(relative));
  }
  CHECK(ReferencePath("docs/overview.html?x=1#y") == "docs/overview.html");
  CHECK(ReferencePath("https://h/a/b.htm?x") == "/a/b.htm");
  CHECK(ReferencePath("docs/a b.html") == "docs/a%20b.html");
  CHECK(ReferencePath("?q").empty());
}

}  // namespace
}  // namespace stacfed

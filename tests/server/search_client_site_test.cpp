// Copies ranked for the client's site (client_site.hpp, docs/client-site.md), rule by rule on
// JSON documents: the rank of every tier/protocol pair at the client's site and elsewhere,
// site-internal copies hidden from other sites, offline copies kept out of href, ties in
// document order, which members move with a copy when it is swapped, the key the demoted
// copy gets, merged replicas of two sources, and the parameter's GET and POST forms.
#include <catch2/catch.hpp>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "libstac/base/strings.hpp"
#include "server/search/client_site.hpp"
#include "server/search/params.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

// One copy object as the harvest annotates it; empty fields are left out.
std::string CopyJson(std::string_view href, std::string_view site, std::string_view tier,
                     std::string_view protocol, std::string_view scope = "public",
                     std::string_view status = "online") {
  std::string out = "{";
  StrAppend(&out, R"("href":")", href, "\"");
  for (const auto& [name, value] :
       std::array<std::pair<std::string_view, std::string_view>, 5>{{{"site:ref", site},
                                                                     {"site:tier", tier},
                                                                     {"access:protocol", protocol},
                                                                     {"access:scope", scope},
                                                                     {"access:status", status}}}) {
    if (!value.empty()) StrAppend(&out, ",\"", name, "\":\"", value, "\"");
  }
  out += '}';
  return out;
}

// An item with one asset "data": `asset` with `alternates` ({key, copy JSON}) added.
std::string ItemWith(std::string_view asset,
                     const std::vector<std::pair<std::string, std::string>>& alternates = {}) {
  std::string assets(asset);
  if (!alternates.empty()) {
    assets.pop_back();
    assets += R"(,"alternate":{)";
    for (size_t i = 0; i < alternates.size(); ++i) {
      if (i > 0) assets += ',';
      StrAppend(&assets, "\"", alternates[i].first, "\":", alternates[i].second);
    }
    assets += "}}";
  }
  return StrCat(R"({"type":"Feature","id":"x","properties":{"datetime":null},"assets":{"data":)",
                assets, "}}");
}

json::object Ranked(std::string_view item, std::string_view site) {
  const std::string ranked = RankCopies(item, site);
  INFO(ranked);
  json::value parsed = json::parse(ranked);
  return parsed.as_object();
}

// A copy: the ranked item is often a temporary.
json::object Asset(const json::object& item, std::string_view key = "data") {
  return item.at("assets").as_object().at(key).as_object();
}

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// The hrefs of an asset in ranked order: its own, then its alternates'.
std::vector<std::string> Hrefs(const json::object& asset) {
  std::vector<std::string> hrefs = {Str(asset.at("href"))};
  if (const json::value* alternates = asset.if_contains("alternate")) {
    for (const auto& member : alternates->as_object()) {
      hrefs.push_back(Str(member.value().at("href")));
    }
  }
  return hrefs;
}

std::vector<int64_t> Ranks(const json::object& asset) {
  std::vector<int64_t> ranks = {asset.at("access:rank").as_int64()};
  if (const json::value* alternates = asset.if_contains("alternate")) {
    for (const auto& member : alternates->as_object()) {
      ranks.push_back(member.value().at("access:rank").as_int64());
    }
  }
  return ranks;
}

int RankOf(std::string_view copy_json, std::string_view site) {
  return static_cast<int>(Asset(Ranked(ItemWith(copy_json), site)).at("access:rank").as_int64());
}

constexpr std::array<std::string_view, 5> kTiers = {"", "disk", "object", "tape", "cache"};
constexpr std::array<std::string_view, 10> kProtocols = {
    "posix", "https", "s3", "opendap", "zarr", "kerchunk", "icechunk", "globus", "slk", "wps"};

// The rule table of docs/client-site.md, as a reader applies it to one online copy.
int ExpectedRank(std::string_view tier, std::string_view protocol, bool same_site) {
  if (tier == "tape" || protocol == "slk") return 7;
  if (protocol == "posix") return same_site ? 1 : 8;
  if (same_site && (tier == "object" || protocol == "s3")) return 2;
  if (protocol == "zarr" || protocol == "kerchunk" || protocol == "icechunk") return 3;
  if (protocol == "opendap") return 4;
  if (protocol == "https" || protocol == "s3") return 5;
  return 6;  // globus, wps
}

TEST_CASE("every tier/protocol pair ranks as the table says, at the client's site and elsewhere",
          "[client_site]") {
  for (std::string_view tier : kTiers) {
    for (std::string_view protocol : kProtocols) {
      for (const bool same_site : {true, false}) {
        const std::string copy =
            CopyJson("https://data.example.org/a.nc", "dkrz", tier, protocol);
        INFO(copy << " for a client at " << (same_site ? "dkrz" : "ceda"));
        CHECK(RankOf(copy, same_site ? "dkrz" : "ceda") == ExpectedRank(tier, protocol, same_site));
      }
    }
  }
}

TEST_CASE("the ranks of the access-hints example, one by one", "[client_site]") {
  // Same-site POSIX online: 1; same-site object store: 2; kerchunk: 3; OPeNDAP: 4; HTTPS: 5;
  // Globus: 6; tape: 7; offline: 8.
  CHECK(RankOf(CopyJson("/pool/data/a.nc", "dkrz", "disk", "posix", "site-internal"), "dkrz") == 1);
  CHECK(RankOf(CopyJson("s3://bucket/a.zarr", "dkrz", "object", "zarr"), "dkrz") == 2);
  CHECK(RankOf(CopyJson("s3://bucket/a.zarr", "dkrz", "object", "zarr"), "ceda") == 3);
  CHECK(RankOf(CopyJson("https://eerie.cloud.dkrz.de/d/kerchunk", "dkrz", "disk", "kerchunk"),
               "ceda") == 3);
  CHECK(RankOf(CopyJson("https://h.example/thredds/dodsC/a.nc", "ceda", "disk", "opendap"),
               "dkrz") == 4);
  CHECK(RankOf(CopyJson("https://dap.ceda.ac.uk/a.nc", "ceda", "disk", "https"), "dkrz") == 5);
  CHECK(RankOf(CopyJson("globus://ep/a.nc", "esgf-west", "", "globus"), "dkrz") == 6);
  CHECK(RankOf(CopyJson("slk:///arch/a.nc", "dkrz", "tape", "slk", "site-internal", "nearline"),
               "dkrz") == 7);
  CHECK(RankOf(CopyJson("https://dap.ceda.ac.uk/a.nc", "ceda", "disk", "https", "public",
                        "offline"),
               "dkrz") == 8);
  CHECK(RankOf(CopyJson("https://dap.ceda.ac.uk/a.nc", "ceda", "disk", "https", "public",
                        "unavailable"),
               "ceda") == 8);
  // Nearline is tape's rank whatever the protocol: it must be staged before it is read.
  CHECK(RankOf(CopyJson("/pool/a.nc", "dkrz", "disk", "posix", "site-internal", "nearline"),
               "dkrz") == 7);
}

TEST_CASE("copies without annotation rank by their href's scheme", "[client_site]") {
  CHECK(RankOf(R"({"href":"https://h.example/a.nc"})", "dkrz") == 5);
  CHECK(RankOf(R"({"href":"http://h.example/thredds/dodsC/a.nc"})", "dkrz") == 4);
  CHECK(RankOf(R"({"href":"s3://bucket/a.nc"})", "dkrz") == 5);  // an object store elsewhere
  CHECK(RankOf(R"({"href":"./a.nc"})", "dkrz") == 5);            // relative to the item's URL
  CHECK(RankOf(R"({"href":"slk:///arch/a.nc"})", "dkrz") == 7);
  CHECK(RankOf(R"({"href":"ftp://h.example/a.nc"})", "dkrz") == 8);
  // A POSIX path is site-internal: with its site known, shown at that site only.
  CHECK(RankOf(R"({"href":"/pool/data/a.nc","site:ref":"dkrz"})", "dkrz") == 1);
  CHECK(ImpliedProtocol("reference::/pool/a.json") == "kerchunk");
  CHECK(ImpliedProtocol("file:///pool/a.nc") == "posix");
  CHECK(ImpliedProtocol("gs://b/a.zarr") == "s3");
  CHECK(ImpliedProtocol("") == "");
}

TEST_CASE("an unannotated copy never goes ahead of an annotated copy of its rank",
          "[client_site]") {
  const std::string item =
      ItemWith(R"({"href":"https://mirror.example/a.nc","title":"t"})",
               {{"ceda", CopyJson("https://dap.ceda.ac.uk/a.nc", "ceda", "disk", "https")}});
  const json::object& asset = Asset(Ranked(item, "dkrz"));
  CHECK(Hrefs(asset) ==
        std::vector<std::string>{"https://dap.ceda.ac.uk/a.nc", "https://mirror.example/a.nc"});
  CHECK(Ranks(asset) == std::vector<int64_t>{5, 5});
}

TEST_CASE("site-internal copies are shown only to clients of their site", "[client_site]") {
  const std::string item = ItemWith(
      CopyJson("/pool/data/a.nc", "dkrz", "disk", "posix", "site-internal"),
      {{"ceda", CopyJson("https://dap.ceda.ac.uk/a.nc", "ceda", "disk", "https")},
       {"ceda-jasmin", CopyJson("/badc/cmip6/a.nc", "ceda", "disk", "posix", "site-internal")}});
  SECTION("at DKRZ: DKRZ's path first, CEDA's path hidden") {
    const json::object& asset = Asset(Ranked(item, "dkrz"));
    CHECK(Hrefs(asset) ==
          std::vector<std::string>{"/pool/data/a.nc", "https://dap.ceda.ac.uk/a.nc"});
    CHECK(Ranks(asset) == std::vector<int64_t>{1, 5});
  }
  SECTION("at CEDA: CEDA's path first, DKRZ's hidden") {
    const json::object& asset = Asset(Ranked(item, "ceda"));
    CHECK(Hrefs(asset) ==
          std::vector<std::string>{"/badc/cmip6/a.nc", "https://dap.ceda.ac.uk/a.nc"});
    CHECK(Ranks(asset) == std::vector<int64_t>{1, 5});
    CHECK(asset.at("site:ref") == "ceda");
  }
  SECTION("elsewhere: neither path") {
    const json::object& asset = Asset(Ranked(item, "lumi"));
    CHECK(Hrefs(asset) == std::vector<std::string>{"https://dap.ceda.ac.uk/a.nc"});
    CHECK_FALSE(asset.contains("alternate"));
  }
}

TEST_CASE("what is hidden from every client", "[client_site]") {
  // A site-internal copy no rule placed at a site, a POSIX path without access:scope, a
  // host without a dot (a service name inside someone's network).
  const std::string item = ItemWith(
      R"({"href":"https://dap.ceda.ac.uk/a.nc","site:ref":"ceda","access:protocol":"https"})",
      {{"x", CopyJson("/somewhere/a.nc", "unknown", "disk", "posix", "site-internal")},
       {"y", R"({"href":"file:///scratch/a.nc"})"},
       {"z", R"({"href":"http://eodag-server:8080/a.nc","access:scope":"public"})"}});
  for (std::string_view site : {"dkrz", "ceda"}) {
    INFO(site);
    CHECK(Hrefs(Asset(Ranked(item, site))) ==
          std::vector<std::string>{"https://dap.ceda.ac.uk/a.nc"});
  }
  SECTION("an asset none of whose copies the client may see is left out") {
    const std::string only_internal = StrCat(
        R"({"type":"Feature","id":"x","assets":{"pool":)",
        CopyJson("/pool/a.nc", "dkrz", "disk", "posix", "site-internal"),
        R"(,"web":{"href":"https://h.example/a.nc"}},"links":[]})");
    const json::object at_ceda = Ranked(only_internal, "ceda");
    CHECK_FALSE(at_ceda.at("assets").as_object().contains("pool"));
    CHECK(at_ceda.at("assets").as_object().contains("web"));
    CHECK(Ranked(only_internal, "dkrz").at("assets").as_object().contains("pool"));
  }
}

TEST_CASE("offline copies never go into href unless every copy is offline", "[client_site]") {
  SECTION("an offline same-site copy gives way to a remote online one") {
    const std::string item = ItemWith(
        CopyJson("/pool/a.nc", "dkrz", "disk", "posix", "site-internal", "offline"),
        {{"ceda", CopyJson("https://dap.ceda.ac.uk/a.nc", "ceda", "disk", "https")}});
    const json::object& asset = Asset(Ranked(item, "dkrz"));
    CHECK(Hrefs(asset) == std::vector<std::string>{"https://dap.ceda.ac.uk/a.nc", "/pool/a.nc"});
    CHECK(Ranks(asset) == std::vector<int64_t>{5, 8});
    CHECK(asset.at("alternate").at("dkrz").at("access:status") == "offline");
  }
  SECTION("every copy offline: the asset keeps its href, with the offline rank") {
    const std::string item = ItemWith(
        CopyJson("https://a.example/a.nc", "ceda", "disk", "https", "public", "unavailable"),
        {{"dkrz", CopyJson("https://b.example/a.nc", "dkrz", "disk", "https", "public",
                           "offline")}});
    const json::object& asset = Asset(Ranked(item, "dkrz"));
    CHECK(Hrefs(asset) ==
          std::vector<std::string>{"https://a.example/a.nc", "https://b.example/a.nc"});
    CHECK(Ranks(asset) == std::vector<int64_t>{8, 8});
  }
  SECTION("a POSIX copy of another site (public by mistake) is no href either") {
    const std::string item = ItemWith(
        CopyJson("/pool/a.nc", "dkrz", "disk", "posix"),
        {{"ceda", CopyJson("globus://ep/a.nc", "ceda", "", "globus")}});
    CHECK(Hrefs(Asset(Ranked(item, "ceda"))) ==
          std::vector<std::string>{"globus://ep/a.nc", "/pool/a.nc"});
  }
}

TEST_CASE("copies of one rank keep document order, the asset first", "[client_site]") {
  const std::string item =
      ItemWith(CopyJson("https://one.example/a.nc", "ceda", "disk", "https"),
               {{"b", CopyJson("https://two.example/a.nc", "esgf-west", "disk", "https")},
                {"a", CopyJson("https://three.example/a.nc", "ceda", "", "https")},
                {"c", CopyJson("https://h.example/dodsC/a.nc", "ceda", "", "opendap")}});
  const json::object& asset = Asset(Ranked(item, "dkrz"));
  CHECK(Hrefs(asset) ==
        std::vector<std::string>{"https://h.example/dodsC/a.nc", "https://one.example/a.nc",
                                 "https://two.example/a.nc", "https://three.example/a.nc"});
  CHECK(Ranks(asset) == std::vector<int64_t>{4, 5, 5, 5});
  std::vector<std::string> keys;
  for (const auto& member : asset.at("alternate").as_object()) keys.emplace_back(member.key());
  CHECK(keys == std::vector<std::string>{"ceda", "b", "a"});
}

TEST_CASE("a swap moves the copy-level members with the copy, the asset's stay",
          "[client_site]") {
  const std::string asset = R"({"href":"https://dap.ceda.ac.uk/a.nc","type":"application/netcdf",
    "title":"tas","roles":["data","replica"],"file:size":1.50e3,"file:checksum":"1220ab",
    "site:ref":"ceda","site:tier":"disk","site:replica":true,"access:protocol":"https",
    "access:scope":"public","access:status":"online","access:engine":"h5netcdf",
    "stacfed:source":"esgf-east","alternate:name":"esgf.ceda.ac.uk","node":"esgf.ceda.ac.uk",
    "protocol":"http","xarray:open_kwargs":{"engine":"h5netcdf"},"auth:refs":["x"],
    "access:rank":99})";
  const std::string dkrz = R"({"href":"/pool/data/a.nc","site:ref":"dkrz","site:tier":"disk",
    "access:protocol":"posix","access:scope":"site-internal","access:status":"online",
    "access:engine":"netcdf4","stacfed:source":"dkrz","title":"DKRZ's copy",
    "storage:refs":["pool"],"order:status":"succeeded"})";
  const json::object ranked = Ranked(ItemWith(asset, {{"dkrz", dkrz}}), "dkrz");
  const json::object& top = Asset(ranked);
  // The asset's own members, unchanged.
  CHECK(top.at("type") == "application/netcdf");
  CHECK(top.at("title") == "tas");  // the asset's title wins over the copy's
  CHECK(json::serialize(top.at("roles")) == R"(["data","replica"])");
  CHECK(top.at("file:checksum") == "1220ab");
  // The promoted copy's members, and only those.
  CHECK(top.at("href") == "/pool/data/a.nc");
  CHECK(top.at("site:ref") == "dkrz");
  CHECK(top.at("access:protocol") == "posix");
  CHECK(top.at("access:engine") == "netcdf4");
  CHECK(top.at("stacfed:source") == "dkrz");
  CHECK(json::serialize(top.at("storage:refs")) == R"(["pool"])");
  CHECK(top.at("order:status") == "succeeded");
  CHECK(top.at("access:rank") == 1);
  for (std::string_view gone : {"site:replica", "alternate:name", "node", "protocol",
                                "xarray:open_kwargs", "auth:refs"}) {
    INFO(gone);
    CHECK_FALSE(top.contains(gone));
  }
  // The asset's former copy, keyed by its site, with its copy-level members only.
  const json::object& ceda = top.at("alternate").at("ceda").as_object();
  CHECK(ceda.at("href") == "https://dap.ceda.ac.uk/a.nc");
  for (std::string_view kept : {"site:ref", "site:tier", "site:replica", "access:protocol",
                                "access:scope", "access:status", "access:engine",
                                "stacfed:source", "alternate:name", "node", "protocol",
                                "xarray:open_kwargs", "auth:refs"}) {
    INFO(kept);
    CHECK(ceda.contains(kept));
  }
  for (std::string_view stays : {"type", "title", "roles", "file:size", "file:checksum"}) {
    INFO(stays);
    CHECK_FALSE(ceda.contains(stays));
  }
  CHECK(ceda.at("access:rank") == 5);  // a stored rank is replaced
  CHECK(top.at("alternate").as_object().size() == 1);
  // Members are copied as written: the number keeps its spelling.
  CHECK(RankCopies(ItemWith(asset, {{"dkrz", dkrz}}), "dkrz").find(R"("file:size":1.50e3)") !=
        std::string::npos);
}

TEST_CASE("the key of the demoted copy: its site, else original", "[client_site]") {
  const std::string best = CopyJson("/pool/a.nc", "dkrz", "disk", "posix", "site-internal");
  auto keys_for = [&](std::string_view asset, std::vector<std::pair<std::string, std::string>> more) {
    more.insert(more.begin(), {"pool", best});
    const json::object ranked = Ranked(ItemWith(asset, more), "dkrz");
    std::vector<std::string> keys;
    const json::object top = Asset(ranked);
    for (const auto& member : top.at("alternate").as_object()) {
      keys.emplace_back(member.key());
    }
    return keys;
  };
  CHECK(keys_for(CopyJson("https://c.example/a.nc", "ceda", "", "https"), {}) ==
        std::vector<std::string>{"ceda"});
  CHECK(keys_for(CopyJson("https://c.example/a.nc", "unknown", "", "https"), {}) ==
        std::vector<std::string>{"original"});
  CHECK(keys_for(R"({"href":"https://c.example/a.nc"})", {}) ==
        std::vector<std::string>{"original"});
  // Taken keys: the site's, then "original".
  CHECK(keys_for(CopyJson("https://c.example/a.nc", "ceda", "", "https"),
                 {{"ceda", CopyJson("https://d.example/a.nc", "ceda", "", "globus")},
                  {"original", CopyJson("https://e.example/a.nc", "ceda", "", "globus")}}) ==
        std::vector<std::string>{"original-2", "ceda", "original"});
}

TEST_CASE("merged replicas of two sources are ranked across both", "[client_site]") {
  // The served document is ESGF West's (its data node's copy in href); the merge added CEDA's
  // copies from ESGF East under the key "ceda" and DKRZ's under "dkrz" (crawler/README.md,
  // "Several sources of one collection").
  const std::string item = ItemWith(
      R"({"href":"https://esgf-node.ornl.gov/a.nc","type":"application/netcdf",
          "roles":["data","replica"],"site:ref":"esgf-west","access:protocol":"https",
          "access:scope":"public","access:status":"online","stacfed:source":"esgf-west"})",
      {{"ceda", R"({"href":"https://dap.ceda.ac.uk/thredds/dodsC/a.nc","site:ref":"ceda",
                    "access:protocol":"opendap","access:status":"online",
                    "stacfed:source":"esgf-east"})"},
       {"dkrz", R"({"href":"/pool/data/a.nc","site:ref":"dkrz","site:tier":"disk",
                    "access:protocol":"posix","access:scope":"site-internal",
                    "access:status":"online","stacfed:source":"esgf-east"})"}});
  SECTION("at DKRZ") {
    const json::object& asset = Asset(Ranked(item, "dkrz"));
    CHECK(Hrefs(asset) == std::vector<std::string>{"/pool/data/a.nc",
                                                   "https://dap.ceda.ac.uk/thredds/dodsC/a.nc",
                                                   "https://esgf-node.ornl.gov/a.nc"});
    CHECK(Ranks(asset) == std::vector<int64_t>{1, 4, 5});
    CHECK(asset.at("stacfed:source") == "esgf-east");
    CHECK(asset.at("alternate").at("esgf-west").at("stacfed:source") == "esgf-west");
  }
  SECTION("at ESGF West: the OPeNDAP copy still beats its own HTTPS one") {
    const json::object& asset = Asset(Ranked(item, "esgf-west"));
    CHECK(Hrefs(asset) == std::vector<std::string>{"https://dap.ceda.ac.uk/thredds/dodsC/a.nc",
                                                   "https://esgf-node.ornl.gov/a.nc"});
  }
}

TEST_CASE("documents the rewrite does not touch", "[client_site]") {
  for (std::string_view text : {R"({"type":"Feature","id":"x"})",
                                R"({"type":"Feature","assets":[]})", "not json", "[1,2]"}) {
    INFO(text);
    CHECK(RankCopies(text, "dkrz") == text);
  }
  // Assets that are not objects are kept as they are, the others ranked.
  CHECK(RankCopies(R"({"assets":{"a":1,"b":{"href":"https://h.example/x"}}})", "dkrz") ==
        R"({"assets":{"a":1,"b":{"href":"https://h.example/x","access:rank":5}}})");
}

TEST_CASE("which members are a copy's", "[client_site]") {
  for (std::string_view name : {"href", "alternate:name", "node", "protocol", "stacfed:source",
                                "auth:refs", "expires", "site:ref", "access:rank",
                                "xarray:open_kwargs", "storage:refs", "order:status"}) {
    INFO(name);
    CHECK(IsCopyLevelMember(name));
  }
  for (std::string_view name : {"title", "type", "roles", "file:size", "description",
                                "zarr:zarr_format", "alternate"}) {
    INFO(name);
    CHECK_FALSE(IsCopyLevelMember(name));
  }
}

TEST_CASE("client_site in GET and POST, and where it is not taken", "[client_site]") {
  absl::StatusOr<SearchRequest> get = ParseQuery({{"client_site", "dkrz"}}, Family::kItemSearch);
  REQUIRE(get.ok());
  CHECK(get->client_site == "dkrz");
  absl::StatusOr<SearchRequest> items = ParseQuery({{"client_site", "dkrz"}}, Family::kItems, "C");
  REQUIRE(items.ok());
  CHECK(items->client_site == "dkrz");
  absl::StatusOr<ParsedBody> post = ParseBody(R"({"client_site":"ceda"})", Family::kItemSearch);
  REQUIRE(post.ok());
  CHECK(post->request.client_site == "ceda");
  CHECK(post->body_without_token == R"({"client_site":"ceda"})");
  CHECK(ParseBody(R"({"client_site":null})", Family::kItemSearch)->request.client_site ==
        std::nullopt);
  CHECK_FALSE(ParseBody(R"({"client_site":3})", Family::kItemSearch).ok());
  CHECK_FALSE(ParseQuery({{"client_site", ""}}, Family::kItemSearch).ok());
  CHECK_FALSE(ParseQuery({{"client_site", std::string(kMaxSiteIdBytes + 1, 'a')}},
                         Family::kItemSearch)
                  .ok());
  // It ranks, it does not select: /aggregate does not take it. Collection search takes it
  // (pystac-client sends its `parameters` with every request) and ranks nothing.
  CHECK_FALSE(ParseQuery({{"client_site", "dkrz"}}, Family::kAggregate).ok());
  CHECK(ParseQuery({{"client_site", "dkrz"}}, Family::kCollections)->client_site == "dkrz");
  // A page token stays valid for another site.
  CHECK(SearchFingerprint(*get, "/search") == SearchFingerprint(SearchRequest(), "/search"));
}

}  // namespace
}  // namespace stacfed::search

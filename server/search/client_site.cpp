#include "server/search/client_site.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <vector>

#include <boost/json/parse.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libstac/base/strings.hpp"
#include "libstac/base/url.hpp"
#include "libstac/ingest/json_scan.hpp"

namespace stacfed::search {
namespace {

using ingest::Member;
using ingest::Span;

std::string_view Text(std::string_view s, Span span) {
  return s.substr(span.begin, span.end - span.begin);
}

// The scheme of an absolute href, in lower case ("" for a relative reference).
std::string Scheme(std::string_view href) {
  if (!HasScheme(href)) return {};
  return absl::AsciiStrToLower(ToAbsl(href.substr(0, href.find(':'))));
}

bool IsPosixHref(std::string_view href) {
  return (!href.empty() && href.front() == '/' && !absl::StartsWith(ToAbsl(href), "//")) ||
         Scheme(href) == "file";
}

// An http(s) URL on a host without a dot (a service name inside a provider's network): no
// one outside that network can read it.
bool HasInternalHost(std::string_view href) {
  const std::string scheme = Scheme(href);
  if (scheme != "http" && scheme != "https") return false;
  const absl::StatusOr<Url> url = Url::Parse(href);
  return url.ok() && url->HasInternalHost();
}

// One copy of an asset: the asset itself (key empty) or one value of its alternate map.
struct Copy {
  std::string_view key;   // the alternate key as written (escapes kept), "" for the asset
  std::string_view text;  // the copy's object text; `members` index it
  std::vector<Member> members;
  CopyFacts facts;
  std::array<std::string, 6> decoded;  // escaped string values, decoded (facts point here)
  int order = 0;                       // 0 for the asset, then the alternates in order
  CopyRank rank = CopyRank::kOffline;
};

// The string value of a member, decoded; "" when it is not a string.
std::string_view StringValue(std::string_view value, std::string& storage) {
  if (value.size() < 2 || value.front() != '"') return {};
  const std::string_view inner = value.substr(1, value.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return inner;
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(value, error);
  if (error || !parsed.is_string()) return {};
  storage.assign(parsed.get_string().data(), parsed.get_string().size());
  return storage;
}

// Reads the annotation of a copy from its members.
void ReadFacts(Copy& copy) {
  struct Field {
    std::string_view name;
    std::string_view CopyFacts::*slot;
  };
  static constexpr std::array<Field, 6> kFields = {{
      {"href", &CopyFacts::href},
      {"site:ref", &CopyFacts::site},
      {"site:tier", &CopyFacts::tier},
      {"access:protocol", &CopyFacts::protocol},
      {"access:scope", &CopyFacts::scope},
      {"access:status", &CopyFacts::status},
  }};
  for (const Member& member : copy.members) {
    for (size_t i = 0; i < kFields.size(); ++i) {
      if (member.key == kFields[i].name) {
        copy.facts.*kFields[i].slot = StringValue(Text(copy.text, member.value), copy.decoded[i]);
      }
    }
  }
  copy.facts.annotated = !copy.facts.protocol.empty();
  if (!copy.facts.annotated) copy.facts.protocol = ImpliedProtocol(copy.facts.href);
}

bool SameSite(const CopyFacts& copy, std::string_view client_site) {
  return !copy.site.empty() && copy.site == client_site;
}

// The members of `copy` but access:rank (which is written anew), with `skip(name)` false.
template <typename Skip>
void AppendMembers(const Copy& copy, const Skip& skip, std::string& out, bool& first) {
  for (const Member& member : copy.members) {
    if (member.key == "access:rank" || skip(member.key)) continue;
    if (!first) out += ',';
    first = false;
    out += Text(copy.text, member.whole);
  }
}

void AppendRank(CopyRank rank, bool first, std::string& out) {
  if (!first) out += ',';
  StrAppend(&out, R"("access:rank":)", static_cast<int>(rank));
}

// The copy that takes the asset's href: the first copy (in ranked order) that may be one;
// when none may, the asset's own copy if it is shown, else the first shown.
size_t ChooseHref(const std::vector<Copy*>& ranked, std::string_view client_site) {
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (MayBeHref(ranked[i]->facts, client_site)) return i;
  }
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (ranked[i]->order == 0) return i;
  }
  return 0;
}

// Writes the asset `text` with its copies ranked; false when none of them is shown (the
// asset is then left out).
bool AppendRankedAsset(std::string_view text, std::string_view client_site, std::string& out) {
  std::deque<Copy> copies;  // stable addresses: facts point into `decoded`
  Copy& asset = copies.emplace_back();
  asset.text = text;
  if (ingest::ObjectMembers(text, 0, asset.members) == std::string_view::npos) {
    out += text;
    return true;
  }
  ReadFacts(asset);
  std::vector<std::string_view> unranked;  // alternate members that are not objects, as written
  for (const Member& member : asset.members) {
    if (member.key != "alternate") continue;
    const std::string_view map = Text(text, member.value);
    std::vector<Member> alternates;
    if (map.empty() || map.front() != '{' ||
        ingest::ObjectMembers(map, 0, alternates) == std::string_view::npos) {
      continue;
    }
    for (const Member& alternate : alternates) {
      const std::string_view value = Text(map, alternate.value);
      Copy& copy = copies.emplace_back();
      copy.key = alternate.key;
      copy.text = value;
      copy.order = static_cast<int>(copies.size()) - 1;
      if (value.front() != '{' ||
          ingest::ObjectMembers(value, 0, copy.members) == std::string_view::npos) {
        copies.pop_back();
        unranked.push_back(Text(map, alternate.whole));
        continue;
      }
      ReadFacts(copy);
    }
  }

  std::vector<Copy*> ranked;
  for (Copy& copy : copies) {
    if (!IsVisibleTo(copy.facts, client_site)) continue;
    copy.rank = RankFor(copy.facts, client_site);
    ranked.push_back(&copy);
  }
  if (ranked.empty()) return false;
  // Ties keep document order (the asset first); a copy without annotation comes after the
  // annotated copies of its rank.
  std::stable_sort(ranked.begin(), ranked.end(), [](const Copy* a, const Copy* b) {
    if (a->rank != b->rank) return a->rank < b->rank;
    return a->facts.annotated > b->facts.annotated;
  });
  const size_t best_index = ChooseHref(ranked, client_site);
  const Copy& best = *ranked[best_index];

  // The asset's own members, then the best copy's, then its rank, then the other copies.
  out += '{';
  bool first = true;
  std::vector<std::string_view> asset_level;
  AppendMembers(asset, [&](std::string_view name) {
    if (name == "alternate" || IsCopyLevelMember(name)) return true;
    asset_level.push_back(name);
    return false;
  }, out, first);
  if (best.order == 0) {
    AppendMembers(asset, [](std::string_view name) {
      return name == "alternate" || !IsCopyLevelMember(name);
    }, out, first);
  } else {
    // Every member of an alternate is its copy's; one the asset itself has (a title) stays
    // the asset's.
    AppendMembers(best, [&](std::string_view name) {
      return std::find(asset_level.begin(), asset_level.end(), name) != asset_level.end();
    }, out, first);
  }
  AppendRank(best.rank, first, out);
  if (ranked.size() == 1 && unranked.empty()) {
    out += '}';
    return true;
  }
  out += R"(,"alternate":{)";
  bool first_alternate = true;
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (i == best_index) continue;
    const Copy& copy = *ranked[i];
    if (!first_alternate) out += ',';
    first_alternate = false;
    bool first_member = true;
    if (copy.order == 0) {
      const std::string key = DemotedCopyKey(copy.facts.site, [&](std::string_view key) {
        return std::any_of(copies.begin() + 1, copies.end(),
                           [&](const Copy& other) { return other.key == key; }) ||
               std::find(unranked.begin(), unranked.end(), key) != unranked.end();
      });
      AppendJsonString(out, key);
      out += ":{";
      AppendMembers(copy, [](std::string_view name) {
        return name == "alternate" || !IsCopyLevelMember(name);
      }, out, first_member);
    } else {
      StrAppend(&out, "\"", copy.key, "\":{");
      AppendMembers(copy, [](std::string_view) { return false; }, out, first_member);
    }
    AppendRank(copy.rank, first_member, out);
    out += '}';
  }
  for (std::string_view whole : unranked) {
    if (!first_alternate) out += ',';
    first_alternate = false;
    out += whole;
  }
  out += "}}";
  return true;
}

void AppendRankedAssets(std::string_view text, std::string_view client_site, std::string& out) {
  std::vector<Member> assets;
  if (ingest::ObjectMembers(text, 0, assets) == std::string_view::npos) {
    out += text;
    return;
  }
  out += '{';
  bool first = true;
  std::string asset;
  for (const Member& member : assets) {
    const std::string_view value = Text(text, member.value);
    asset.clear();
    if (value.front() != '{') {
      asset = value;
    } else if (!AppendRankedAsset(value, client_site, asset)) {
      continue;  // no copy the client may see
    }
    if (!first) out += ',';
    first = false;
    out += text.substr(member.whole.begin, member.value.begin - member.whole.begin);
    out += asset;
  }
  out += '}';
}

}  // namespace

std::string_view ImpliedProtocol(std::string_view href) {
  if (absl::StartsWith(ToAbsl(href), "reference::")) return "kerchunk";
  if (IsPosixHref(href)) return "posix";
  const std::string scheme = Scheme(href);
  if (scheme.empty()) return href.empty() ? std::string_view() : "https";  // relative
  if (scheme == "slk") return "slk";
  if (scheme == "s3" || scheme == "gs" || scheme == "az") return "s3";
  if (scheme == "globus") return "globus";
  if (scheme == "http" || scheme == "https") {
    return absl::StrContains(ToAbsl(href), "/dodsC/") ? "opendap" : "https";
  }
  return {};
}

bool IsVisibleTo(const CopyFacts& copy, std::string_view client_site) {
  const bool internal =
      copy.scope == "site-internal" ||
      (copy.scope.empty() && IsPosixHref(copy.href)) || HasInternalHost(copy.href);
  return !internal || (SameSite(copy, client_site) && copy.site != "unknown");
}

CopyRank RankFor(const CopyFacts& copy, std::string_view client_site) {
  const std::string_view status = copy.status;
  const std::string_view protocol = copy.protocol;
  if (status == "offline" || status == "unavailable") return CopyRank::kOffline;
  if (status == "nearline" || copy.tier == "tape" || protocol == "slk") return CopyRank::kTape;
  const bool same_site = SameSite(copy, client_site);
  if (protocol == "posix") return same_site ? CopyRank::kSameSitePosix : CopyRank::kOffline;
  if (same_site && (copy.tier == "object" || protocol == "s3")) return CopyRank::kSameSiteObject;
  if (protocol == "zarr" || protocol == "kerchunk" || protocol == "icechunk") return CopyRank::kZarr;
  if (protocol == "opendap") return CopyRank::kOpendap;
  if (protocol == "https" || protocol == "s3") return CopyRank::kHttps;
  if (protocol == "globus" || protocol == "wps") return CopyRank::kGlobus;
  return CopyRank::kOffline;  // a protocol no rule knows: nothing says the client can read it
}

bool MayBeHref(const CopyFacts& copy, std::string_view client_site) {
  return RankFor(copy, client_site) != CopyRank::kOffline;
}

bool IsCopyLevelMember(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "href", "alternate:name", "node", "protocol", "stacfed:source", "auth:refs", "expires"};
  static constexpr std::array<std::string_view, 5> kPrefixes = {"site:", "access:", "xarray:",
                                                                "storage:", "order:"};
  if (std::find(kNames.begin(), kNames.end(), name) != kNames.end()) return true;
  return std::any_of(kPrefixes.begin(), kPrefixes.end(), [&](std::string_view prefix) {
    return name.substr(0, prefix.size()) == prefix;
  });
}

void AppendRankedItem(std::string_view item_json, std::string_view client_site,
                      std::string& out) {
  const std::optional<Span> assets = ingest::TopLevelValue(item_json, "assets");
  if (!assets || item_json[assets->begin] != '{') {
    out += item_json;
    return;
  }
  out += item_json.substr(0, assets->begin);
  AppendRankedAssets(Text(item_json, *assets), client_site, out);
  out += item_json.substr(assets->end);
}

std::string RankCopies(std::string_view item_json, std::string_view client_site) {
  std::string out;
  out.reserve(item_json.size() + 256);
  AppendRankedItem(item_json, client_site, out);
  return out;
}

absl::StatusOr<std::string> ParseClientSite(std::string_view value) {
  if (value.empty()) {
    return absl::InvalidArgumentError("client_site is empty: name a site of the federation");
  }
  if (value.size() > kMaxSiteIdBytes) {
    return absl::InvalidArgumentError(StrCat("client_site is longer than ", kMaxSiteIdBytes,
                                             " bytes: name a site of the federation"));
  }
  return std::string(value);
}

}  // namespace stacfed::search

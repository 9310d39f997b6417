#include "server/search/client_site.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <span>
#include <vector>

#include <boost/json/parse.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libstac/base/strings.hpp"
#include "libstac/base/url.hpp"
#include "libstac/ingest/json_scan.hpp"

namespace stacfed::search {
namespace {

// The raw scheme of an absolute href ("" for a relative reference).
std::string_view Scheme(std::string_view href) {
  if (!HasScheme(href)) return {};
  return href.substr(0, href.find(':'));
}

bool SchemeIs(std::string_view scheme, std::string_view name) {
  return absl::EqualsIgnoreCase(ToAbsl(scheme), ToAbsl(name));
}

bool IsPosixHref(std::string_view href) {
  return (!href.empty() && href.front() == '/' && !absl::StartsWith(ToAbsl(href), "//")) ||
         SchemeIs(Scheme(href), "file");
}

// An http(s) URL on a host without a dot (a service name inside a provider's network): no
// one outside that network can read it. An authority with a dot is never one (most hrefs:
// decided without parsing them).
bool HasInternalHost(std::string_view href) {
  const std::string_view scheme = Scheme(href);
  if (!SchemeIs(scheme, "https") && !SchemeIs(scheme, "http")) return false;
  const std::string_view rest = href.substr(scheme.size() + 1);
  if (!absl::StartsWith(ToAbsl(rest), "//")) return false;
  const std::string_view authority = rest.substr(2, rest.find_first_of("/?#", 2) - 2);
  if (authority.find('.') != std::string_view::npos) return false;
  const absl::StatusOr<Url> url = Url::Parse(href);
  return url.ok() && url->HasInternalHost();
}

bool SameSite(const CopyFacts& copy, std::string_view client_site) {
  return !copy.site.empty() && copy.site == client_site;
}

// One member of an object in the item's text: positions index the item.
struct Member {
  std::string_view key;  // raw, without quotes (escapes kept)
  size_t begin;          // the key's opening quote
  size_t value;          // the value's first byte
  size_t end;            // one past the value
  bool copy_level;       // IsCopyLevelMember(key), asked once
};

// One copy of an asset: the asset itself (order 0) or one value of its alternate map.
struct Copy {
  std::string_view key;  // the alternate key as written, "" for the asset
  size_t first = 0;      // its members: Scratch::asset_members for the asset, else
  size_t last = 0;       // Scratch::alternate_members[first, last)
  CopyFacts facts;
  int order = 0;  // 0 for the asset, then the alternates in order
  CopyRank rank = CopyRank::kOffline;
};

}  // namespace

struct CopyRanker::Scratch {
  std::vector<Member> asset_members;
  std::vector<Member> alternate_members;
  std::vector<Copy> copies;
  std::vector<size_t> ranked;               // indexes of the shown copies, in rank order
  std::vector<std::pair<size_t, size_t>> unranked;  // alternate members not objects: spans
  std::vector<std::string_view> asset_level;        // names of the asset's own members
  std::deque<std::string> decoded;                   // escaped string values, decoded
  std::string demoted_key;

  std::span<const Member> MembersOf(const Copy& copy) const {
    const std::vector<Member>& pool = copy.order == 0 ? asset_members : alternate_members;
    return std::span<const Member>(pool).subspan(copy.first, copy.last - copy.first);
  }
};

namespace {

using Scratch = CopyRanker::Scratch;

// The string value at s[value, end), decoded; "" when it is not a string.
std::string_view StringValue(std::string_view s, const Member& member, Scratch& scratch) {
  const std::string_view value = s.substr(member.value, member.end - member.value);
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return {};
  const std::string_view inner = value.substr(1, value.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return inner;
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(value, error);
  if (error || !parsed.is_string()) return {};
  return scratch.decoded.emplace_back(parsed.get_string().data(), parsed.get_string().size());
}

// Reads the annotation of a copy from its members.
void ReadFacts(std::string_view s, Copy& copy, Scratch& scratch) {
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
  for (const Member& member : scratch.MembersOf(copy)) {
    if (!member.copy_level) continue;  // every field read is a copy's
    for (const Field& field : kFields) {
      if (member.key == field.name) copy.facts.*field.slot = StringValue(s, member, scratch);
    }
  }
  copy.facts.annotated = !copy.facts.protocol.empty();
  if (!copy.facts.annotated) copy.facts.protocol = ImpliedProtocol(copy.facts.href);
}

// The members of one object value at s[pos], each skipped, into `members`; the end of the
// object (npos when it cannot be read).
size_t CollectMembers(std::string_view s, size_t pos, std::vector<Member>& members) {
  return ingest::VisitObjectMembers(s, pos, [&](std::string_view key, size_t begin, size_t value) {
    const size_t end = ingest::SkipJsonValue(s, value);
    if (end != std::string_view::npos) {
      members.push_back(Member{key, begin, value, end, IsCopyLevelMember(key)});
    }
    return end;
  });
}

// The copies of the asset object at s[pos] into `scratch`: its own members and those of each
// alternate, in one pass. Returns the end of the asset (npos when it cannot be read).
size_t CollectCopies(std::string_view s, size_t pos, Scratch& scratch) {
  scratch.asset_members.clear();
  scratch.alternate_members.clear();
  scratch.copies.clear();
  scratch.unranked.clear();
  scratch.copies.emplace_back();
  const size_t end =
      ingest::VisitObjectMembers(s, pos, [&](std::string_view key, size_t begin, size_t value) {
        size_t value_end;
        if (key == "alternate" && s[value] == '{') {
          value_end = ingest::VisitObjectMembers(
              s, value, [&](std::string_view alternate, size_t alt_begin, size_t alt_value) {
                if (s[alt_value] != '{') {
                  const size_t alt_end = ingest::SkipJsonValue(s, alt_value);
                  scratch.unranked.emplace_back(alt_begin, alt_end);
                  return alt_end;
                }
                Copy copy;
                copy.key = alternate;
                copy.order = static_cast<int>(scratch.copies.size());
                copy.first = scratch.alternate_members.size();
                const size_t alt_end = CollectMembers(s, alt_value, scratch.alternate_members);
                copy.last = scratch.alternate_members.size();
                scratch.copies.push_back(copy);
                return alt_end;
              });
        } else {
          value_end = ingest::SkipJsonValue(s, value);
        }
        if (value_end != std::string_view::npos) {
          scratch.asset_members.push_back(
              Member{key, begin, value, value_end, IsCopyLevelMember(key)});
        }
        return value_end;
      });
  scratch.copies.front().last = scratch.asset_members.size();
  return end;
}

// The members of `copy` but access:rank (which is written anew), with `skip(name)` false.
template <typename Skip>
void AppendMembers(std::string_view s, const Scratch& scratch, const Copy& copy, const Skip& skip,
                   std::string& out, bool& first) {
  for (const Member& member : scratch.MembersOf(copy)) {
    if ((member.copy_level && member.key == "access:rank") || skip(member)) continue;
    if (!first) out += ',';
    first = false;
    out += s.substr(member.begin, member.end - member.begin);
  }
}

void AppendRank(CopyRank rank, bool first, std::string& out) {
  if (!first) out += ',';
  out += R"("access:rank":)";
  out += static_cast<char>('0' + static_cast<int>(rank));
}

// Of the asset's own members, those of its copy.
bool IsOwnCopyMember(const Member& member) { return member.copy_level; }
// Of the asset's own members, those that stay with it.
bool IsAssetLevelMember(const Member& member) {
  return !member.copy_level && member.key != "alternate";
}

// Ranks the copies in `scratch`: the indexes of those shown, best first; returns the index
// (into `ranked`) of the copy that takes the href: the first that may (rank below 8); when
// none may, the asset's own copy if it is shown, else the first shown.
size_t RankShown(std::string_view client_site, Scratch& scratch) {
  scratch.ranked.clear();
  for (size_t i = 0; i < scratch.copies.size(); ++i) {
    Copy& copy = scratch.copies[i];
    if (!IsVisibleTo(copy.facts, client_site)) continue;
    copy.rank = RankFor(copy.facts, client_site);
    scratch.ranked.push_back(i);
  }
  // Ties keep document order (the asset first); a copy without annotation comes after the
  // annotated copies of its rank.
  const std::vector<Copy>& copies = scratch.copies;
  std::stable_sort(scratch.ranked.begin(), scratch.ranked.end(), [&](size_t a, size_t b) {
    if (copies[a].rank != copies[b].rank) return copies[a].rank < copies[b].rank;
    return copies[a].facts.annotated > copies[b].facts.annotated;
  });
  for (size_t i = 0; i < scratch.ranked.size(); ++i) {
    if (copies[scratch.ranked[i]].rank != CopyRank::kOffline) return i;
  }
  for (size_t i = 0; i < scratch.ranked.size(); ++i) {
    if (scratch.ranked[i] == 0) return i;
  }
  return 0;
}

// Writes the ranked asset collected in `scratch` (its copies ranked, `best` the index into
// scratch.ranked of the href's copy).
void AppendRankedAsset(std::string_view s, size_t best_index, Scratch& scratch, std::string& out) {
  const Copy& asset = scratch.copies.front();
  const Copy& best = scratch.copies[scratch.ranked[best_index]];
  // The asset's own members, then the best copy's, then its rank, then the other copies.
  out += '{';
  bool first = true;
  scratch.asset_level.clear();
  AppendMembers(s, scratch, asset, [&](const Member& member) {
    if (!IsAssetLevelMember(member)) return true;
    scratch.asset_level.push_back(member.key);
    return false;
  }, out, first);
  if (best.order == 0) {
    AppendMembers(s, scratch, asset, [](const Member& member) { return !IsOwnCopyMember(member); },
                  out, first);
  } else {
    // Every member of an alternate is its copy's; one the asset itself has (a title) stays
    // the asset's.
    const std::vector<std::string_view>& level = scratch.asset_level;
    AppendMembers(s, scratch, best, [&](const Member& member) {
      return !member.copy_level &&
             std::find(level.begin(), level.end(), member.key) != level.end();
    }, out, first);
  }
  AppendRank(best.rank, first, out);
  if (scratch.ranked.size() == 1 && scratch.unranked.empty()) {
    out += '}';
    return;
  }
  out += R"(,"alternate":{)";
  bool first_alternate = true;
  for (size_t i = 0; i < scratch.ranked.size(); ++i) {
    if (i == best_index) continue;
    const Copy& copy = scratch.copies[scratch.ranked[i]];
    if (!first_alternate) out += ',';
    first_alternate = false;
    bool first_member = true;
    if (copy.order == 0) {
      scratch.demoted_key = DemotedCopyKey(copy.facts.site, [&](std::string_view key) {
        return std::any_of(scratch.copies.begin() + 1, scratch.copies.end(),
                           [&](const Copy& other) { return other.key == key; }) ||
               std::any_of(scratch.unranked.begin(), scratch.unranked.end(), [&](auto span) {
                 const std::string_view whole = s.substr(span.first, span.second - span.first);
                 return whole.substr(1, key.size() + 1) == StrCat(key, "\"");
               });
      });
      AppendJsonString(out, scratch.demoted_key);
      out += ":{";
      AppendMembers(s, scratch, copy, [](const Member& member) { return !IsOwnCopyMember(member); },
                    out, first_member);
    } else {
      out += '"';
      out += copy.key;
      out += "\":{";
      AppendMembers(s, scratch, copy, [](const Member&) { return false; }, out, first_member);
    }
    AppendRank(copy.rank, first_member, out);
    out += '}';
  }
  for (const auto& [begin, end] : scratch.unranked) {
    if (!first_alternate) out += ',';
    first_alternate = false;
    out += s.substr(begin, end - begin);
  }
  out += "}}";
}

// Appends the assets object at s[pos] with every asset ranked; returns its end (npos when it
// cannot be read: `out` then holds part of it, which the caller takes back).
size_t AppendRankedAssets(std::string_view s, size_t pos, std::string_view client_site,
                          Scratch& scratch, std::string& out) {
  out += '{';
  bool first = true;
  const size_t end =
      ingest::VisitObjectMembers(s, pos, [&](std::string_view, size_t begin, size_t value) {
        if (s[value] != '{') {
          const size_t value_end = ingest::SkipJsonValue(s, value);
          if (value_end == std::string_view::npos) return value_end;
          if (!first) out += ',';
          first = false;
          out += s.substr(begin, value_end - begin);
          return value_end;
        }
        const size_t value_end = CollectCopies(s, value, scratch);
        if (value_end == std::string_view::npos) return value_end;
        for (Copy& copy : scratch.copies) ReadFacts(s, copy, scratch);
        const size_t best = RankShown(client_site, scratch);
        if (scratch.ranked.empty()) return value_end;  // no copy the client may see
        if (!first) out += ',';
        first = false;
        out += s.substr(begin, value - begin);  // the key, its colon
        AppendRankedAsset(s, best, scratch, out);
        return value_end;
      });
  out += '}';
  return end;
}

}  // namespace

std::string_view ImpliedProtocol(std::string_view href) {
  if (absl::StartsWith(ToAbsl(href), "reference::")) return "kerchunk";
  if (IsPosixHref(href)) return "posix";
  const std::string_view scheme = Scheme(href);
  if (scheme.empty()) return href.empty() ? std::string_view() : "https";  // relative
  if (SchemeIs(scheme, "slk")) return "slk";
  if (SchemeIs(scheme, "s3") || SchemeIs(scheme, "gs") || SchemeIs(scheme, "az")) return "s3";
  if (SchemeIs(scheme, "globus")) return "globus";
  if (SchemeIs(scheme, "http") || SchemeIs(scheme, "https")) {
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

CopyRanker::CopyRanker(std::string_view client_site)
    : client_site_(client_site), scratch_(std::make_unique<Scratch>()) {}
CopyRanker::~CopyRanker() = default;
CopyRanker::CopyRanker(CopyRanker&&) noexcept = default;
CopyRanker& CopyRanker::operator=(CopyRanker&&) noexcept = default;

void CopyRanker::Append(std::string_view item_json, std::string& out) {
  const size_t start = out.size();
  scratch_->decoded.clear();
  // One walk of the item's members: up to "assets", whose assets are ranked as they are
  // read; the walk then stops (npos) and the rest is copied as it is.
  size_t assets_end = std::string_view::npos;
  bool found = false;
  ingest::VisitObjectMembers(item_json, 0, [&](std::string_view key, size_t, size_t value) {
    if (key != "assets" || item_json[value] != '{') return ingest::SkipJsonValue(item_json, value);
    found = true;
    out += item_json.substr(0, value);
    assets_end = AppendRankedAssets(item_json, value, client_site_, *scratch_, out);
    return std::string_view::npos;
  });
  if (!found || assets_end == std::string_view::npos) {
    out.resize(start);
    out += item_json;
    return;
  }
  out += item_json.substr(assets_end);
}

void AppendRankedItem(std::string_view item_json, std::string_view client_site, std::string& out) {
  CopyRanker(client_site).Append(item_json, out);
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

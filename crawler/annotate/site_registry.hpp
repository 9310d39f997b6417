#pragma once
// The sites a harvest can name in `site:ref`, and how their copies are recognised: by host
// name (an href's host or ESGF's data-node name), by POSIX path prefix, or by an asset key
// that starts with a site id ("dkrz-disk"). Built once per source from the federation file
// (`sites` with their optional `hosts` and `paths`) and then only read, so lookups are plain
// hash-map and prefix comparisons: no regular expression, no allocation for short hosts.
// Immutable once built, so any number of threads may annotate with one registry.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "libstac/federation/federation.hpp"

namespace stacfed::crawler {

class SiteRegistry {
 public:
  // No sites: copies still get protocol, tier, scope, status and engine, never a site:ref.
  SiteRegistry() = default;

  // `sites`: every site of the federation (a replica may live at any of them).
  // `catalog_site_ids`: the sites the harvested catalog lists; they become the `site:sites`
  // of its collections, and when there is exactly one it is the site of copies that name no
  // other. Ids not found in `sites` are ignored (the federation validator reports them).
  SiteRegistry(const std::vector<federation::Site>& sites,
               const std::vector<std::string>& catalog_site_ids);

  // The registry for harvesting into `catalog_id` (a catalog not in the file has no sites of
  // its own, but hosts and paths of every site are still recognised).
  static SiteRegistry ForCatalog(const federation::Federation& federation,
                                 std::string_view catalog_id);

  // The id of the site serving `host` (any case; a listed ".domain" covers the domain and
  // every host below it; an exact host wins over a domain, a longer domain over a shorter
  // one); nullptr when none does.
  const std::string* SiteOfHost(std::string_view host) const;
  // The site whose path prefix holds `path` ("/pool/data" holds "/pool/data/x" but not
  // "/pool/database"); the longest prefix wins.
  const std::string* SiteOfPath(std::string_view path) const;
  // The site an asset or alternate key names: the key is a site id, or a site id followed
  // by '-' ("dkrz-tape"); the longest such id wins.
  const std::string* SiteOfKey(std::string_view key) const;
  // The catalog's only site, when it lists exactly one.
  const std::string* default_site() const { return default_ ? &ids_[*default_] : nullptr; }

  // `site:sites` for the catalog's collections: id -> {name, country, kind, operator,
  // re3data, compute}; empty when the catalog lists no site.
  const boost::json::object& catalog_sites() const { return catalog_sites_; }

  bool empty() const { return ids_.empty(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Index = std::unordered_map<std::string, size_t, Hash, std::equal_to<>>;

  std::vector<std::string> ids_;  // every site id; lookups return pointers into it
  Index exact_hosts_;             // "esgf-data.dkrz.de" -> site index
  Index domains_;                 // "dkrz.de" (listed as ".dkrz.de") -> site index
  std::vector<std::pair<std::string, size_t>> paths_;  // prefixes without trailing '/', longest first
  std::optional<size_t> default_;
  boost::json::object catalog_sites_;
};

}  // namespace stacfed::crawler

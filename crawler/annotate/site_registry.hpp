#pragma once
// The sites a harvest can name in `site:ref`, and how their copies are recognised: by host
// name (an href's host or ESGF's data-node name; a gateway host also says the tier of the
// storage behind it), by POSIX path prefix, by an asset key that starts with a site id
// ("dkrz-disk"), or by the backend name a data federation gives the site (DestinE's
// `federation:backends`). Built once per source from the federation file (`sites` with their
// optional `hosts`, `paths`, `gateways` and `backends`) and then only read, so lookups are
// plain hash-map and prefix comparisons: no regular expression, no allocation for short hosts.
// Immutable once built, so any number of threads may annotate with one registry.
//
// The catalog's own `sites` locate nothing: they are what its collections carry in
// `site:sites`. A copy no host, path, key or backend places is at the site "unknown".

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

// A host some site serves data from.
struct HostMatch {
  const std::string* site = nullptr;  // the site's id
  // The tier of the storage behind a gateway host; nullopt for a plain host (a data server
  // holding the data itself).
  std::optional<federation::StorageTier> gateway_tier;
};

class SiteRegistry {
 public:
  // No sites: copies still get protocol, tier, scope, status and engine, never a site:ref.
  SiteRegistry() = default;

  // `sites`: every site of the federation (a replica may live at any of them).
  // `catalog_site_ids`: the sites the harvested catalog lists; they become the `site:sites`
  // of its collections. Ids not found in `sites` are ignored (the federation validator
  // reports them).
  SiteRegistry(const std::vector<federation::Site>& sites,
               const std::vector<std::string>& catalog_site_ids);

  // The registry for harvesting into `catalog_id` (a catalog not in the file has no sites of
  // its own, but hosts and paths of every site are still recognised).
  static SiteRegistry ForCatalog(const federation::Federation& federation,
                                 std::string_view catalog_id);

  // The site serving `host` (any case; a listed ".domain" covers the domain and every host
  // below it; an exact host wins over a domain, a longer domain over a shorter one), as a
  // plain host or as a gateway; nullopt when none does.
  std::optional<HostMatch> LocateHost(std::string_view host) const;
  // LocateHost's site alone; nullptr when no site serves `host`.
  const std::string* SiteOfHost(std::string_view host) const;
  // The site whose path prefix holds `path` ("/pool/data" holds "/pool/data/x" but not
  // "/pool/database"); the longest prefix wins.
  const std::string* SiteOfPath(std::string_view path) const;
  // The site an asset or alternate key names: the key is a site id, or a site id followed
  // by '-' ("dkrz-tape"); the longest such id wins.
  const std::string* SiteOfKey(std::string_view key) const;
  // The site a data federation names as a backend ("dedt_lumi"); nullptr when none does.
  const std::string* SiteOfBackend(std::string_view name) const;

  // `site:sites` for the catalog's collections: id -> {name, country, kind, operator,
  // re3data, compute}; empty when the catalog lists no site.
  const boost::json::object& catalog_sites() const { return catalog_sites_; }

  // No site at all: site locality is off (no site:ref is written, not even "unknown").
  bool empty() const { return ids_.empty(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Name -> index into hosts_ (for host indexes) or ids_ (for backends).
  using Index = std::unordered_map<std::string, size_t, Hash, std::equal_to<>>;
  struct HostEntry {
    size_t site;
    std::optional<federation::StorageTier> gateway_tier;
  };

  void AddHost(std::string_view host, HostEntry entry);
  HostMatch Match(const HostEntry& entry) const;

  std::vector<std::string> ids_;  // every site id; lookups return pointers into it
  std::vector<HostEntry> hosts_;  // every listed host and gateway
  Index exact_hosts_;             // "esgf-data.dkrz.de" -> hosts_ index
  Index domains_;                 // "dkrz.de" (listed as ".dkrz.de") -> hosts_ index
  Index backends_;                // "dedt_lumi" -> ids_ index
  std::vector<std::pair<std::string, size_t>> paths_;  // prefixes without trailing '/', longest first
  boost::json::object catalog_sites_;
};

}  // namespace stacfed::crawler

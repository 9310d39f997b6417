#include "crawler/annotate/site_registry.hpp"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "libstac/base/strings.hpp"

namespace stacfed::crawler {
namespace json = boost::json;
namespace {

json::object SiteObject(const federation::Site& site) {
  json::object object;
  object["name"] = site.name;
  object["country"] = site.country;
  object["kind"] = federation::SiteKindName(site.kind);
  if (!site.operator_name.empty()) object["operator"] = site.operator_name;
  if (!site.re3data.empty()) object["re3data"] = site.re3data;
  if (!site.compute.empty()) {
    json::array compute;
    for (const federation::ComputeService& service : site.compute) {
      compute.push_back(json::object{{"type", service.type}, {"href", service.href}});
    }
    object["compute"] = std::move(compute);
  }
  return object;
}

}  // namespace

SiteRegistry::SiteRegistry(const std::vector<federation::Site>& sites,
                           const std::vector<std::string>& catalog_site_ids) {
  for (const federation::Site& site : sites) {
    const size_t index = ids_.size();
    ids_.push_back(site.id);
    for (const std::string& host : site.hosts) AddHost(host, {index, std::nullopt});
    for (const federation::Gateway& gateway : site.gateways) AddHost(gateway.host, {index, gateway.tier});
    for (const std::string& backend : site.backends) backends_.emplace(backend, index);
    for (std::string_view path : site.paths) {
      while (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
      paths_.emplace_back(std::string(path), index);
    }
  }
  std::stable_sort(paths_.begin(), paths_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const std::string& id : catalog_site_ids) {
    const auto site = std::find_if(sites.begin(), sites.end(),
                                   [&](const federation::Site& s) { return s.id == id; });
    if (site != sites.end()) catalog_sites_[id] = SiteObject(*site);
  }
}

void SiteRegistry::AddHost(std::string_view host, HostEntry entry) {
  const size_t index = hosts_.size();
  hosts_.push_back(entry);
  if (host.starts_with('.')) {
    domains_.emplace(absl::AsciiStrToLower(ToAbsl(host.substr(1))), index);
  } else {
    exact_hosts_.emplace(absl::AsciiStrToLower(ToAbsl(host)), index);
  }
}

SiteRegistry SiteRegistry::ForCatalog(const federation::Federation& federation,
                                      std::string_view catalog_id) {
  const federation::Catalog* catalog = federation.FindCatalog(catalog_id);
  return SiteRegistry(federation.sites, catalog ? catalog->sites : std::vector<std::string>{});
}

HostMatch SiteRegistry::Match(const HostEntry& entry) const {
  return HostMatch{&ids_[entry.site], entry.gateway_tier};
}

std::optional<HostMatch> SiteRegistry::LocateHost(std::string_view host) const {
  if (host.empty() || hosts_.empty()) return std::nullopt;
  // Host names are short: lower-case them on the stack.
  std::array<char, 256> buffer;
  if (host.size() > buffer.size()) return std::nullopt;
  std::transform(host.begin(), host.end(), buffer.begin(), absl::ascii_tolower);
  std::string_view lower(buffer.data(), host.size());
  if (auto it = exact_hosts_.find(lower); it != exact_hosts_.end()) return Match(hosts_[it->second]);
  // "esgf-data.dkrz.de", then "dkrz.de", then "de": the longest listed domain wins.
  while (!lower.empty()) {
    if (auto it = domains_.find(lower); it != domains_.end()) return Match(hosts_[it->second]);
    const size_t dot = lower.find('.');
    if (dot == std::string_view::npos) break;
    lower.remove_prefix(dot + 1);
  }
  return std::nullopt;
}

const std::string* SiteRegistry::SiteOfHost(std::string_view host) const {
  const std::optional<HostMatch> match = LocateHost(host);
  return match ? match->site : nullptr;
}

const std::string* SiteRegistry::SiteOfBackend(std::string_view name) const {
  const auto it = backends_.find(name);
  return it == backends_.end() ? nullptr : &ids_[it->second];
}

const std::string* SiteRegistry::SiteOfPath(std::string_view path) const {
  for (const auto& [prefix, index] : paths_) {
    if (path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/')) {
      return &ids_[index];
    }
  }
  return nullptr;
}

const std::string* SiteRegistry::SiteOfKey(std::string_view key) const {
  const std::string* best = nullptr;
  for (const std::string& id : ids_) {
    if (key.starts_with(id) && (key.size() == id.size() || key[id.size()] == '-') &&
        (best == nullptr || id.size() > best->size())) {
      best = &id;
    }
  }
  return best;
}

}  // namespace stacfed::crawler

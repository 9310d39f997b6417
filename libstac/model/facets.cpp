#include "libstac/model/facets.hpp"

#include <array>
#include <charconv>

#include "absl/container/flat_hash_set.h"
#include "libstac/base/hash.hpp"

namespace stacfed {
namespace {

// Facet names of ESGF's controlled vocabularies, found as "<name>" or "<project>:<name>".
constexpr std::array<std::string_view, 24> kProjectFacets = {
    "activity_id",       "institution_id",   "source_id",
    "experiment_id",     "member_id",        "variant_label",
    "sub_experiment_id", "table_id",         "frequency",
    "variable_id",       "grid_label",       "realm",
    "nominal_resolution", "source_type",     "product",
    "domain_id",         "driving_source_id", "driving_experiment_id",
    "driving_variant_label", "rcm_version_id", "institution",
    "mip_era",           "experiment_family", "data_specs_version",
};

// Whole keys of STAC's common metadata and extensions that are facets.
constexpr std::array<std::string_view, 25> kStacFacets = {
    "project",          "version",           "latest",
    "retracted",        "access",            "platform",
    "constellation",    "instruments",       "mission",
    "product:type",     "processing:level",  "sat:orbit_state",
    "sar:instrument_mode", "sar:polarizations", "sar:product_type",
    "storage:tier",     "order:status",      "federation:backends",
    "grid:code",        "proj:code",         "gsd",
    "collection_type",
    // The site-access extension's item fields (issue 18: locality as a search facet) and the
    // sources of a merged item.
    "site:locations",   "access:online_status", "stacfed:sources",
};

// Looked up once per property of every item written: hashed sets, not scans of the lists.
template <size_t N>
absl::flat_hash_set<std::string_view> SetOf(const std::array<std::string_view, N>& names) {
  return absl::flat_hash_set<std::string_view>(names.begin(), names.end());
}

}  // namespace

bool IsFacetKey(std::string_view key) {
  static const auto* const stac = new absl::flat_hash_set<std::string_view>(SetOf(kStacFacets));
  static const auto* const project =
      new absl::flat_hash_set<std::string_view>(SetOf(kProjectFacets));
  if (stac->contains(key)) return true;
  const size_t colon = key.rfind(':');
  return project->contains(colon == std::string_view::npos ? key : key.substr(colon + 1));
}

int64_t FacetHash(std::string_view key, std::string_view value) {
  // Key and value are length-delimited by the seed chain: no (key, value) pair can spell
  // another's bytes.
  constexpr uint64_t kSeed = 0x66616365743a7631ULL;  // "facet:v1"
  return static_cast<int64_t>(StableHash64(value, StableHash64(key, kSeed ^ key.size())));
}

std::string FacetNumberText(double value) {
  if (value == 0) value = 0;  // -0 is 0
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, ec == std::errc() ? end : buffer);
}

int64_t FacetOverflowHash() { return FacetHash("", ""); }

}  // namespace stacfed

#pragma once
// Facets: the properties by which climate and Earth observation data are searched (variable,
// experiment, model, frequency, platform, product type ...). Every item carries, besides its
// properties, the 64-bit digests of its facet values (items.facets, sql/0012), indexed with
// GIN: an equality or IN filter on a facet finds its items through that index, with exact
// statistics (PostgreSQL keeps per-element statistics of arrays) whichever collection they
// are in. The writer computes the digests (libstac/ingest) and the server computes the same
// for the values a filter names (server/search), with this one function: the database never
// has to.

#include <cstdint>
#include <string>
#include <string_view>

namespace stacfed {

// Whether properties.<key> is a facet. Facets are the identifying keys of ESGF's projects
// (CMIP6, CMIP6Plus, CMIP7, CORDEX, obs4MIPs, input4MIPs: "activity_id", "source_id",
// "variable_id" ... with or without a prefix such as "cmip6:"), and the common STAC ones
// ("platform", "constellation", "instruments", "mission", "product:type",
// "processing:level", "sat:orbit_state", "sar:instrument_mode", "project", "version",
// "latest", "retracted", ...). Long free text (titles, descriptions) and unique values
// (pids, ids, checksums) are not facets: they would bloat the index without narrowing.
bool IsFacetKey(std::string_view key);

// The digest of one facet value: `value` is the JSON value as text for numbers and booleans
// ("true", "42") and the unescaped string for strings; an array facet contributes one digest
// per element.
int64_t FacetHash(std::string_view key, std::string_view value);

// Numbers are hashed as the shortest text of their double value ("10" for 10, 10.0 and 1e1),
// so that equal numbers hash alike however they were written: this text.
std::string FacetNumberText(double value);

// The most facet values one item contributes, and the longest value indexed. An item with a
// facet value beyond them (a 500-element array, a 300-byte string) gets FacetOverflowHash()
// among its digests instead of those values: a facet condition matches items holding the
// value's digest OR the overflow digest (`facets && ARRAY[h, overflow]`), then checks the
// property itself, so results stay exact and only such rare items are read in vain.
inline constexpr size_t kMaxFacetsPerItem = 64;
inline constexpr size_t kMaxFacetValueBytes = 128;
int64_t FacetOverflowHash();

}  // namespace stacfed

#pragma once
// Provider quirks repaired before a document reaches the strict write path
// (libstac/ingest/staged_item.hpp). Each repair is applied only where the meaning is clear
// and is described in the returned change list, which the sink stores
// (stacfed.harvest_normalisations); a document that cannot be repaired is an
// InvalidArgument whose message becomes the quarantine reason. See
// ../shared/reference/providers.md for where each quirk was met.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "absl/status/statusor.h"

namespace stacfed::crawler {

struct ItemContext {
  // The collection being walked ("" when unknown, e.g. a static item outside collections).
  std::string collection_id;
  // The id it is stored under when the federation file maps it to another one (a namesake of
  // another source's collection); "" when it keeps its id.
  std::string local_collection_id;
};

struct NormalisedItem {
  std::vector<std::string> changes;  // "what: before -> after (why)", empty when none
  // ESGF: "retracted" (retracted: true) or "superseded" (latest: false); empty otherwise.
  std::string withdrawn_reason;
};

// Repairs an Item in place. Quirks handled: legacy `extensions`, missing stac_version or
// collection, collection ids in another case than the walked collection, all-null
// geometries and nested or null bboxes, 0..360 longitudes, a GeoJSON `crs` member,
// date-times without time zone / date only / with a space separator, model-calendar days
// (30 February), datetime missing beside start/end, asset `role` instead of `roles`,
// asset `type: "Link"` carrying `mediaType`.
absl::StatusOr<NormalisedItem> NormaliseItem(boost::json::object& item, const ItemContext& context);

// Repairs a Collection in place (legacy `extensions`, stac_version, type, license, description,
// extent with 0..360 longitudes or zone-less intervals). Returns the change list.
absl::StatusOr<std::vector<std::string>> NormaliseCollection(boost::json::object& collection);

// One RFC 3339 repair: returns the repaired text, or nullopt when `text` is already valid or
// beyond repair (the caller lets the strict parser report it). Exposed for tests.
std::optional<std::string> RepairDateTime(std::string_view text, std::string* why);

// The number of matching records a page announces: numberMatched, numMatched or
// context.matched; nullopt when absent or null (which is allowed).
std::optional<int64_t> MatchedCount(const boost::json::object& page);

}  // namespace stacfed::crawler

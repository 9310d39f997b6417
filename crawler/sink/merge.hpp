#pragma once
// One item or collection offered by several sources, as stacfed serves it (issue 17, defect
// 6; the rules are in crawler/README.md, "Several sources of one collection"). Pure
// functions of the sources' versions: the sink (db_sink.cpp) reads the versions kept in
// stacfed.item_sources / collection_sources and writes the result through the one write path.
//
// Item: the document of the first version (the source with the highest priority) or, when a
// source says the dataset is retracted, of the first retracting one; every other version's
// copies added to the same asset as `alternate` entries (a copy whose href is there already
// is not repeated; an asset the document lacks is added whole); every copy tagged
// `stacfed:source`; `properties.stacfed:sources` the sources in that order; ESGF flags across
// sources: `latest: false` from any source wins (replicas lag behind the publisher), and a
// retraction from any source wins, with `latest: false`, no assets and no other source's
// locations; otherwise `site:locations` is the union, `access:online_status` recomputed over
// the merged copies.
//
// Collection: the first version's document, its first spatial box and its first interval
// widened to cover every version's, `stacfed:sources` the sources in order.
//
// The first version's text is kept wherever the merge leaves a member unchanged
// (walk/exact_json.hpp), so a merged item differs from its first source's only where it must.

#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace stacfed::crawler {

// One source's version of a document, as the harvest prepared it (normalised, annotated).
struct SourceVersion {
  std::string_view source_id;
  std::string_view text;
};

struct MergedItem {
  std::string text;
  // ESGF's marks of the merged item: "retracted", "superseded" (latest: false) or "".
  std::string withdrawn_reason;
};

// `versions` in priority order (at least one). InvalidArgument when a version is not a JSON
// object.
absl::StatusOr<MergedItem> MergeItem(std::span<const SourceVersion> versions);
absl::StatusOr<std::string> MergeCollection(std::span<const SourceVersion> versions);

// ESGF's mark of one item document: "retracted", "superseded" (latest: false) or "".
std::string VersionMark(std::string_view item_text);

}  // namespace stacfed::crawler

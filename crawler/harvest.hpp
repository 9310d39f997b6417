#pragma once
// One harvest of one source, end to end: lock, walk, write, link, summarise. This is what
// `stacfed harvest` runs per source and what the tests drive.

#include <string>
#include <string_view>
#include <vector>

#include "crawler/fetch/http_client.hpp"
#include "crawler/sink/db_sink.hpp"
#include "crawler/source.hpp"
#include "crawler/walk/walker.hpp"

namespace stacfed::crawler {

struct HarvestOptions {
  std::string database_url;
  HttpClientOptions http;  // per-host limits are taken from the source
  Clock* clock = nullptr;  // tests: a RecordingClock
  Walker::ProgressFn progress;
};

struct HarvestSummary {
  std::string source_id;
  bool failed = false;
  std::string error;  // why it failed, or "" 
  WalkCounters walk;
  SinkCounters sink;
  // Included collections (include_collections) the upstream does not offer. In a total over
  // several sources each is "<source>/<collection>".
  std::vector<std::string> missing;
  double seconds = 0;

  // "failed" when the source could not be harvested at all; "partial" when it had errors or
  // a configured collection is missing; else "ok" (collections of an API without items
  // endpoints and incremental requests answered by a full walk are not faults).
  std::string_view Status() const;

  // Adds another source's counts to this total (`several`: the total spans several sources,
  // so missing collections are named with their source).
  void Add(const HarvestSummary& other, bool several);

  // {"source":...,"status":"ok"|"partial"|"failed","collections":..,
  //  "collections_without_items":..,"pages":..,"items":..,"added":..,"updated":..,
  //  "unchanged":..,"withdrawn":..,"quarantined":..,"skipped":..,"not_modified":..,
  //  "incremental_walks":..,"incremental_fallbacks":..,"missing":[..],"errors":..,
  //  "duration_s":..[,"error":..]}
  std::string ToJson() const;
};

HarvestSummary Harvest(const SourceSpec& source, const HarvestOptions& options);

}  // namespace stacfed::crawler

#pragma once
// One harvest of one source, end to end: lock, walk, write, link, summarise. This is what
// `stacfed harvest` runs per source and what the tests drive.

#include <string>

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
  double seconds = 0;

  // {"source":...,"status":"ok"|"partial"|"failed","collections":..,"pages":..,"items":..,
  //  "added":..,"updated":..,"unchanged":..,"withdrawn":..,"quarantined":..,"errors":..,
  //  "duration_s":..}
  std::string ToJson() const;
};

HarvestSummary Harvest(const SourceSpec& source, const HarvestOptions& options);

}  // namespace stacfed::crawler

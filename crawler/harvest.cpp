#include "crawler/harvest.hpp"

#include <chrono>
#include <cstdio>

#include "libstac/base/log.hpp"
#include "libstac/base/strings.hpp"

namespace stacfed::crawler {

std::string_view HarvestSummary::Status() const {
  if (failed) return "failed";
  return walk.errors > 0 || !missing.empty() ? "partial" : "ok";
}

void HarvestSummary::Add(const HarvestSummary& other, bool several) {
  walk.collections += other.walk.collections;
  walk.collections_without_items += other.walk.collections_without_items;
  walk.pages += other.walk.pages;
  walk.items += other.walk.items;
  walk.errors += other.walk.errors + (other.failed ? 1 : 0);
  walk.skipped += other.walk.skipped;
  walk.not_modified += other.walk.not_modified;
  walk.incremental_walks += other.walk.incremental_walks;
  walk.incremental_fallbacks += other.walk.incremental_fallbacks;
  sink.added += other.sink.added;
  sink.updated += other.sink.updated;
  sink.unchanged += other.sink.unchanged;
  sink.withdrawn += other.sink.withdrawn;
  sink.quarantined += other.sink.quarantined;
  for (const std::string& id : other.missing) {
    missing.push_back(several ? StrCat(other.source_id, "/", id) : id);
  }
}

std::string HarvestSummary::ToJson() const {
  std::string out = "{\"source\":";
  AppendJsonString(out, source_id);
  StrAppend(&out, ",\"status\":\"", Status(), "\",\"collections\":", walk.collections,
            ",\"collections_without_items\":", walk.collections_without_items,
            ",\"pages\":", walk.pages, ",\"items\":", walk.items, ",\"added\":", sink.added,
            ",\"updated\":", sink.updated, ",\"unchanged\":", sink.unchanged,
            ",\"withdrawn\":", sink.withdrawn, ",\"quarantined\":", sink.quarantined,
            ",\"skipped\":", walk.skipped, ",\"not_modified\":", walk.not_modified,
            ",\"incremental_walks\":", walk.incremental_walks,
            ",\"incremental_fallbacks\":", walk.incremental_fallbacks, ",\"missing\":[");
  for (size_t i = 0; i < missing.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, missing[i]);
  }
  StrAppend(&out, "],\"errors\":", walk.errors + (failed ? 1 : 0));
  char seconds_text[32];
  std::snprintf(seconds_text, sizeof seconds_text, "%.3f", seconds);
  StrAppend(&out, ",\"duration_s\":", seconds_text);
  if (!error.empty()) {
    out += ",\"error\":";
    AppendJsonString(out, error);
  }
  out += '}';
  return out;
}

namespace {

// Included collections the upstream does not offer are missing (a warning each, and the
// run is partial); excluded ones it does not offer are only warned about (a typo there
// would let a collection through).
std::vector<std::string> CheckConfiguredCollections(const SourceSpec& source,
                                                    const std::vector<std::string>& offered) {
  std::vector<std::string> missing = UnmatchedIds(source.include_collections, offered);
  for (const std::string& id : missing) {
    log::Warn("harvest ", source.id, ": collection '", id,
              "' is in include_collections but the upstream does not offer it");
  }
  for (const std::string& id : UnmatchedIds(source.exclude_collections, offered)) {
    log::Warn("harvest ", source.id, ": collection '", id,
              "' is in exclude_collections but the upstream does not offer it");
  }
  return missing;
}

}  // namespace

HarvestSummary Harvest(const SourceSpec& source, const HarvestOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  HarvestSummary summary;
  summary.source_id = source.id;
  auto finish = [&] {
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  auto sink = DbSink::Open(options.database_url, source);
  if (!sink.ok()) {
    summary.failed = true;
    summary.error = std::string(sink.status().message());
    finish();
    return summary;
  }
  HttpClientOptions http_options = options.http;
  http_options.per_host_concurrency = source.concurrency;
  http_options.per_host_requests_per_second = source.rate_limit_per_second;
  http_options.allow_file_urls = source.type == SourceType::kStatic;
  HttpClient http(http_options, options.clock);
  Walker walker(source, http, *sink, options.progress);
  absl::Status status = walker.Run();
  if (status.ok()) summary.missing = CheckConfiguredCollections(source, walker.offered_ids());
  if (status.ok()) status = sink->LinkCollections(walker.collection_ids());
  if (!status.ok()) {
    summary.failed = true;
    summary.error = std::string(status.message());
    log::Error("harvest ", source.id, ": ", summary.error);
  }
  summary.walk = walker.counters();
  summary.sink = sink->counters();
  finish();
  sink->FinishRun(summary.ToJson(), summary.error);
  return summary;
}

}  // namespace stacfed::crawler

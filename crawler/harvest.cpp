#include "crawler/harvest.hpp"

#include <chrono>
#include <cstdio>

#include "libstac/base/log.hpp"
#include "libstac/base/strings.hpp"

namespace stacfed::crawler {

std::string HarvestSummary::ToJson() const {
  const char* status = failed ? "failed" : (walk.errors > 0 ? "partial" : "ok");
  std::string out = "{\"source\":";
  AppendJsonString(out, source_id);
  StrAppend(&out, ",\"status\":\"", status, "\",\"collections\":", walk.collections,
            ",\"pages\":", walk.pages, ",\"items\":", walk.items, ",\"added\":", sink.added,
            ",\"updated\":", sink.updated, ",\"unchanged\":", sink.unchanged,
            ",\"withdrawn\":", sink.withdrawn, ",\"quarantined\":", sink.quarantined,
            ",\"skipped\":", walk.skipped, ",\"not_modified\":", walk.not_modified, ",\"incremental_walks\":", walk.incremental_walks, ",\"errors\":", walk.errors + (failed ? 1 : 0));
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

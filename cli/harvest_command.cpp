// stacfed harvest [SOURCE...|--all] [--federation FILE]
// stacfed harvest --url URL --type stac-api|static --into CATALOG_ID
//
// Harvests sources into the database. Progress goes to stderr when it is a terminal; the
// last line on stdout is one JSON summary (for cron and systemd); the exit status is
// non-zero when a source's status is not "ok" (it failed, had errors or misses a configured
// collection).

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "crawler/annotate/annotate.hpp"
#include "crawler/harvest.hpp"
#include "libstac/base/env.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/db/database_url.hpp"
#include "libstac/federation/federation.hpp"

namespace stacfed::cli {
namespace {

constexpr char kUsage[] = R"(usage: stacfed harvest [SOURCE...|--all] [--federation FILE]
       stacfed harvest --url URL --type stac-api|static --into CATALOG_ID
                       [--include ID,...] [--exclude ID,...] [--max-items N] [--search]

SOURCE is the id of a catalog with a "harvest" object in the federation file
(--federation FILE, default $STACFED_FEDERATION_FILE). With --url, a federation file, when
given, supplies the sites of CATALOG_ID for site locality. Options for both forms:
  --page-size N      items per page asked of STAC APIs (default 100)
  --quiet            no progress even on a terminal

Annotated documents name the site-access extension as $STACFED_PUBLIC_URL (the server's
public base, default http://127.0.0.1:8080) + /extensions/site-access/v1.0.0/schema.json.
)";

struct Options {
  std::vector<std::string> sources;
  bool all = false;
  std::string federation_file;
  std::string url, type, into;
  std::vector<std::string> include, exclude;
  std::optional<int64_t> max_items;
  bool via_search = false;
  int page_size = 100;
  bool quiet = false;
};

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<Options> ParseArgs(const Args& args) {
  Options options;
  options.federation_file = GetEnvOr("STACFED_FEDERATION_FILE", "");
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "stacfed harvest: %s needs a value\n", arg.c_str());
        return std::nullopt;
      }
      return args[++i];
    };
    std::optional<std::string> v;
    if (arg == "--all") {
      options.all = true;
    } else if (arg == "--quiet" || arg == "-q") {
      options.quiet = true;
    } else if (arg == "--search") {
      options.via_search = true;
    } else if (arg == "--federation" || arg == "--url" || arg == "--type" || arg == "--into" ||
               arg == "--include" || arg == "--exclude" || arg == "--max-items" ||
               arg == "--page-size") {
      if (!(v = value())) return std::nullopt;
      if (arg == "--federation") options.federation_file = *v;
      if (arg == "--url") options.url = *v;
      if (arg == "--type") options.type = *v;
      if (arg == "--into") options.into = *v;
      if (arg == "--include") options.include = SplitList(*v);
      if (arg == "--exclude") options.exclude = SplitList(*v);
      if (arg == "--max-items" || arg == "--page-size") {
        char* end = nullptr;
        const long long n = std::strtoll(v->c_str(), &end, 10);
        if (end == v->c_str() || *end != '\0' || n <= 0) {
          std::fprintf(stderr, "stacfed harvest: %s must be a positive integer\n", arg.c_str());
          return std::nullopt;
        }
        if (arg == "--max-items") options.max_items = n;
        else options.page_size = static_cast<int>(std::min<long long>(n, 10000));
      }
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "stacfed harvest: unknown option %s\n\n%s", arg.c_str(), kUsage);
      return std::nullopt;
    } else {
      options.sources.push_back(arg);
    }
  }
  const bool adhoc = !options.url.empty();
  if (adhoc && (options.type.empty() || options.into.empty() || options.all || !options.sources.empty())) {
    std::fprintf(stderr, "stacfed harvest: --url needs --type and --into, and no SOURCE or --all\n");
    return std::nullopt;
  }
  if (adhoc && options.type != "stac-api" && options.type != "static") {
    std::fprintf(stderr, "stacfed harvest: --type is stac-api or static\n");
    return std::nullopt;
  }
  if (!adhoc && !options.all && options.sources.empty()) {
    std::fputs(kUsage, stderr);
    return std::nullopt;
  }
  return options;
}

crawler::SourceSpec FromFederation(const federation::Federation& federation,
                                   const federation::Catalog& catalog, const Options& options) {
  const federation::HarvestSource& harvest = *catalog.harvest;
  crawler::SourceSpec source;
  source.sites = crawler::SiteRegistry::ForCatalog(federation, catalog.id);
  source.id = catalog.id;
  source.catalog_id = catalog.id;
  source.url = harvest.url;
  source.type = harvest.type == federation::HarvestType::kStatic ? crawler::SourceType::kStatic
                                                                 : crawler::SourceType::kStacApi;
  source.include_collections = harvest.include_collections;
  source.exclude_collections = harvest.exclude_collections;
  source.max_items_per_collection = harvest.max_items_per_collection;
  source.rate_limit_per_second = harvest.rate_limit_per_second;
  source.concurrency = harvest.concurrency;
  source.page_size = options.page_size;
  source.priority = harvest.priority;
  source.collection_ids = harvest.collection_ids;
  source.collection_prefix = harvest.collection_prefix;
  // Its place among the file's sources, whichever of them this run harvests.
  const std::vector<const federation::Catalog*> all = federation.HarvestedCatalogs();
  source.position = static_cast<int>(std::find(all.begin(), all.end(), &catalog) - all.begin());
  return source;
}

absl::StatusOr<std::vector<crawler::SourceSpec>> SelectSources(const Options& options) {
  std::vector<crawler::SourceSpec> sources;
  if (!options.url.empty()) {
    crawler::SourceSpec source;
    source.id = StrCat(options.into, ":", options.url);
    source.catalog_id = options.into;
    source.url = options.url;
    source.type = options.type == "static" ? crawler::SourceType::kStatic : crawler::SourceType::kStacApi;
    source.include_collections = options.include;
    source.exclude_collections = options.exclude;
    source.max_items_per_collection = options.max_items;
    source.items_via_search = options.via_search;
    source.page_size = options.page_size;
    // With a federation file at hand, the catalog harvested into brings its sites.
    if (!options.federation_file.empty()) {
      auto loaded = federation::LoadFederationFile(options.federation_file);
      if (!loaded.ok()) return loaded.status();
      source.sites = crawler::SiteRegistry::ForCatalog(*loaded, options.into);
    }
    sources.push_back(std::move(source));
    return sources;
  }
  if (options.federation_file.empty()) {
    return absl::InvalidArgumentError(
        "no federation file: pass --federation FILE or set STACFED_FEDERATION_FILE");
  }
  auto loaded = federation::LoadFederationFile(options.federation_file);
  if (!loaded.ok()) return loaded.status();
  for (const federation::Catalog* catalog : loaded->HarvestedCatalogs()) {
    const bool named = std::find(options.sources.begin(), options.sources.end(), catalog->id) !=
                       options.sources.end();
    if (options.all || named) sources.push_back(FromFederation(*loaded, *catalog, options));
  }
  for (const std::string& name : options.sources) {
    const bool found = std::any_of(sources.begin(), sources.end(),
                                   [&](const crawler::SourceSpec& s) { return s.id == name; });
    if (!found) {
      return absl::NotFoundError(
          StrCat("no catalog '", name, "' with a harvest source in ", options.federation_file));
    }
  }
  return sources;
}

// One line rewritten in place on the terminal.
void PrintProgress(const std::string& source_id, const crawler::WalkCounters& counters,
                   std::chrono::steady_clock::time_point started) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double rate = seconds > 0 ? counters.items / seconds : 0;
  std::string eta;
  if (counters.matched && rate > 0 && *counters.matched > counters.matched_seen) {
    const int64_t left = static_cast<int64_t>((*counters.matched - counters.matched_seen) / rate);
    eta = StrCat(", collection ETA ", left / 60, "m", left % 60, "s");
  }
  std::fprintf(stderr, "\r\033[K%s: %lld collections, %lld pages, %lld items (%.0f/s), %lld errors%s",
               source_id.c_str(), static_cast<long long>(counters.collections),
               static_cast<long long>(counters.pages), static_cast<long long>(counters.items), rate,
               static_cast<long long>(counters.errors), eta.c_str());
}

absl::StatusOr<crawler::HttpClientOptions> HttpOptionsFromEnv() {
  crawler::HttpClientOptions http;
  STACFED_ASSIGN_OR_RETURN(int64_t read_ms, GetEnvInt("STACFED_HARVEST_READ_TIMEOUT_MS", 60'000, 1'000, 3'600'000));
  STACFED_ASSIGN_OR_RETURN(int64_t attempts, GetEnvInt("STACFED_HARVEST_MAX_ATTEMPTS", 5, 1, 50));
  STACFED_ASSIGN_OR_RETURN(int64_t backoff_ms, GetEnvInt("STACFED_HARVEST_BACKOFF_MS", 500, 1, 600'000));
  STACFED_ASSIGN_OR_RETURN(int64_t max_mb, GetEnvInt("STACFED_HARVEST_MAX_RESPONSE_MB", 64, 1, 4096));
  http.read_timeout = std::chrono::milliseconds(read_ms);
  http.max_attempts = static_cast<int>(attempts);
  http.backoff_initial = std::chrono::milliseconds(backoff_ms);
  http.max_response_bytes = max_mb << 20;
  return http;
}

}  // namespace

int RunHarvest(const Args& args) {
  std::optional<Options> options = ParseArgs(args);
  if (!options) return 2;
  auto sources = SelectSources(*options);
  if (!sources.ok()) {
    std::fprintf(stderr, "stacfed harvest: %s\n", std::string(sources.status().message()).c_str());
    return 2;
  }
  auto full_walk_hours = GetEnvInt("STACFED_HARVEST_FULL_WALK_HOURS", 24, 0, 24 * 365);
  if (!full_walk_hours.ok()) {
    std::fprintf(stderr, "stacfed harvest: %s\n", std::string(full_walk_hours.status().message()).c_str());
    return 2;
  }
  // Read once for the whole run: every source names the same extension URI.
  auto extension_uri = crawler::SiteAccessExtensionUriFromEnv();
  if (!extension_uri.ok()) {
    std::fprintf(stderr, "stacfed harvest: %s\n", std::string(extension_uri.status().message()).c_str());
    return 2;
  }
  for (crawler::SourceSpec& source : *sources) {
    source.full_walk_every_s = *full_walk_hours * 3600;
    source.site_access_extension = *extension_uri;
  }
  auto http = HttpOptionsFromEnv();
  auto database_url = db::ResolveDatabaseUrl();
  if (!http.ok() || !database_url.ok()) {
    const absl::Status& status = !http.ok() ? http.status() : database_url.status();
    std::fprintf(stderr, "stacfed harvest: %s\n", std::string(status.message()).c_str());
    return 2;
  }
  const bool tty = !options->quiet && isatty(STDERR_FILENO);
  const auto started = std::chrono::steady_clock::now();
  crawler::HarvestSummary total;
  std::string per_source = "[";
  bool any_failed = false;
  size_t failed_sources = 0;
  for (const crawler::SourceSpec& source : *sources) {
    crawler::HarvestOptions harvest_options;
    harvest_options.database_url = *database_url;
    harvest_options.http = *http;
    const auto source_started = std::chrono::steady_clock::now();
    if (tty) {
      harvest_options.progress = [&](const crawler::WalkCounters& counters) {
        PrintProgress(source.id, counters, source_started);
      };
    }
    crawler::HarvestSummary summary = crawler::Harvest(source, harvest_options);
    if (tty) {
      PrintProgress(source.id, summary.walk, source_started);
      std::fputc('\n', stderr);
    }
    if (per_source.size() > 1) per_source += ',';
    per_source += summary.ToJson();
    any_failed = any_failed || summary.Status() != "ok";
    if (summary.failed) ++failed_sources;
    total.Add(summary, sources->size() > 1);
  }
  per_source += ']';
  total.source_id = sources->size() == 1 ? sources->front().id : "*";
  total.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string line = total.ToJson();  // "ok" or "partial" (errors and missing summed)
  if (failed_sources == sources->size()) {
    // Every source failed: say so rather than "partial".
    const size_t at = line.find("\"status\":\"partial\"");
    if (at != std::string::npos) line.replace(at, 18, "\"status\":\"failed\"");
  }
  line.pop_back();
  StrAppend(&line, ",\"sources\":", per_source, "}\n");
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
  return any_failed ? 1 : 0;
}

}  // namespace stacfed::cli

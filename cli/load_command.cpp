#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli/commands.hpp"
#include "libstac/base/env.hpp"
#include "libstac/db/database_url.hpp"
#include "libstac/ingest/loader.hpp"

namespace stacfed::cli {
namespace {

constexpr char kUsage[] =
    "usage: stacfed load FILE... [--mode upsert|insert|ignore] [--batch-size N] [--writers N]\n"
    "  FILE is a Collection, Item, FeatureCollection or newline-delimited JSON of those;\n"
    "  '-' reads standard input. Collections must come before their items.\n";

int Usage() {
  std::fputs(kUsage, stderr);
  return 2;
}

}  // namespace

int RunLoad(const Args& args) {
  // Every batch frees a few tens of MB of items that the next batch allocates again; by
  // default glibc hands such memory back to the kernel and the loader faults it in again.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ingest::LoadOptions options;
  auto writers = GetEnvInt("STACFED_LOAD_WRITERS", 2, 1, 16);
  if (!writers.ok()) {
    std::fprintf(stderr, "stacfed load: %s\n", std::string(writers.status().message()).c_str());
    return 2;
  }
  options.writers = int(*writers);
  auto max_record_bytes = ingest::MaxRecordBytesFromEnv();
  if (!max_record_bytes.ok()) {
    std::fprintf(stderr, "stacfed load: %s\n", std::string(max_record_bytes.status().message()).c_str());
    return 2;
  }
  options.max_record_bytes = *max_record_bytes;
  std::vector<std::string> files;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--mode" && i + 1 < args.size()) {
      const std::string& mode = args[++i];
      if (mode == "upsert") options.mode = ingest::WriteMode::kUpsert;
      else if (mode == "insert") options.mode = ingest::WriteMode::kInsert;
      else if (mode == "ignore") options.mode = ingest::WriteMode::kIgnore;
      else return Usage();
    } else if (arg == "--batch-size" && i + 1 < args.size()) {
      options.batch_size = std::strtoul(args[++i].c_str(), nullptr, 10);
      if (options.batch_size == 0) return Usage();
    } else if (arg == "--writers" && i + 1 < args.size()) {
      options.writers = std::atoi(args[++i].c_str());
      if (options.writers < 1) return Usage();
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg.starts_with("--")) {
      return Usage();
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) return Usage();
  options.on_rejection = [](const ingest::Rejection& r) {
    std::fprintf(stderr, "%s:%lld: rejected: %s\n", r.source.c_str(),
                 static_cast<long long>(r.line), r.reason.c_str());
  };
  options.on_warning = [](const ingest::Warning& w) {
    std::fprintf(stderr, "%s:%lld: warning: %s\n", w.source.c_str(),
                 static_cast<long long>(w.line), w.reason.c_str());
  };

  auto url = db::ResolveDatabaseUrl();
  if (!url.ok()) {
    std::fprintf(stderr, "stacfed load: %s\n", std::string(url.status().message()).c_str());
    return 1;
  }
  const auto started = std::chrono::steady_clock::now();
  auto loader = ingest::Loader::Open(*url, options);
  if (!loader.ok()) {
    std::fprintf(stderr, "stacfed load: %s\n", std::string(loader.status().message()).c_str());
    return 1;
  }
  for (const auto& file : files) {
    if (!(*loader)->LoadFile(file).ok()) break;  // Finish reports why
  }
  // The summary comes whatever happened: after an error it says what was committed.
  const ingest::LoadReport report = (*loader)->Finish();
  if (!report.stopped.ok()) {
    std::fprintf(stderr, "stacfed load: stopped: %s\n", std::string(report.stopped.message()).c_str());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const int64_t items = report.items_inserted + report.items_updated + report.items_unchanged;
  std::printf(
      "loaded %lld collections (%lld unchanged); items: %lld inserted, %lld updated, %lld "
      "unchanged, %lld repeated; %lld rejected; %.2f s, %.0f items/s%s\n",
      static_cast<long long>(report.collections_changed),
      static_cast<long long>(report.collections_unchanged),
      static_cast<long long>(report.items_inserted), static_cast<long long>(report.items_updated),
      static_cast<long long>(report.items_unchanged), static_cast<long long>(report.items_repeated),
      static_cast<long long>(report.rejected), seconds, seconds > 0 ? double(items) / seconds : 0.0,
      report.stopped.ok() ? "" : "; stopped early: the counts are what was committed");
  return report.rejected > 0 || !report.stopped.ok() ? 1 : 0;
}

}  // namespace stacfed::cli

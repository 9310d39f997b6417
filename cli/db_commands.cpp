#include <cstdio>

#include "cli/commands.hpp"
#include "libstac/base/paths.hpp"
#include "libstac/db/database_url.hpp"
#include "libstac/db/embedded_cluster.hpp"
#include "libstac/db/migrations.hpp"
#include "libstac/ingest/facets_backfill.hpp"
#include "libstac/pg/connection.hpp"

namespace stacfed::cli {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "stacfed: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int RunDb(const Args& args) {
  if (args.size() != 1) {
    std::fputs("usage: stacfed db start|stop|status|url\n", stderr);
    return 2;
  }
  auto config = db::ClusterConfigFromEnv();
  if (!config.ok()) return Fail(config.status());
  db::EmbeddedCluster cluster(*config);
  const std::string& action = args[0];
  if (action == "start") {
    if (auto status = cluster.Start(); !status.ok()) return Fail(status);
    std::printf("%s\n", config->Url().c_str());
    return 0;
  }
  if (action == "stop") {
    if (auto status = cluster.Stop(); !status.ok()) return Fail(status);
    std::fprintf(stderr, "stacfed: database stopped\n");
    return 0;
  }
  if (action == "status" || action == "url") {
    auto running = cluster.IsRunning();
    if (!running.ok()) return Fail(running.status());
    if (action == "url") {
      std::printf("%s\n", config->Url().c_str());
      return *running ? 0 : 3;
    }
    std::printf("%s: %s\n", *running ? "running" : "stopped", config->Url().c_str());
    std::printf("data: %s\nport: %d (127.0.0.1 and the socket in %s)\n",
                config->DataDir().c_str(), config->port, config->home.c_str());
    return *running ? 0 : 3;  // pg_ctl's convention for "not running"
  }
  std::fprintf(stderr, "stacfed db: unknown action '%s'\n", action.c_str());
  return 2;
}

int RunMigrate(const Args& args) {
  if (!args.empty()) {
    std::fputs("usage: stacfed migrate\n", stderr);
    return 2;
  }
  auto root = ProjectRoot();
  if (!root.ok()) return Fail(root.status());
  auto url = db::ResolveDatabaseUrl();
  if (!url.ok()) return Fail(url.status());
  auto conn = pg::Connection::Open(*url);
  if (!conn.ok()) return Fail(conn.status());
  auto report = db::Migrate(*conn, *root / "sql");
  if (!report.ok()) return Fail(report.status());
  for (const auto& name : report->applied) std::printf("applied %s\n", name.c_str());
  std::printf("%zu applied, %d already up to date\n", report->applied.size(),
              report->already_applied);
  auto backfilled = ingest::BackfillFacets(*conn);
  if (!backfilled.ok()) return Fail(backfilled.status());
  if (*backfilled > 0) std::printf("computed the facets of %lld items\n", static_cast<long long>(*backfilled));
  return 0;
}

}  // namespace stacfed::cli

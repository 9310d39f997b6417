// stacfed serve [--listen HOST:PORT]: the STAC API server. Configuration comes from the
// environment (server/http/server.hpp and server/api/handlers.hpp list the variables);
// --listen overrides STACFED_LISTEN. The database is found as by every subcommand
// (DATABASE_URL, else the embedded cluster); migrating it is `stacfed migrate`'s job.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cli/commands.hpp"
#include "libstac/base/env.hpp"
#include "libstac/db/database_url.hpp"
#include "server/api/catalogs_handlers.hpp"
#include "server/api/handlers.hpp"
#include "server/http/router.hpp"
#include "server/http/server.hpp"
#include "server/http/server_options.hpp"
#include "server/portal/portal.hpp"

namespace stacfed::cli {
namespace {

constexpr std::string_view kServeUsage =
    "usage: stacfed serve [--listen HOST:PORT]   (default 127.0.0.1:8080)\n";

// Session settings of the server's database connections, passed through libpq's PGOPTIONS
// (kept when the environment already has some). Searches take milliseconds: starting
// parallel workers or JIT-compiling a plan costs tens of milliseconds more than it saves,
// and on a small machine the workers compete with the server's own threads.
void SetServerSessionOptions() {
  std::string options = GetEnvOr("PGOPTIONS", "");
  if (!options.empty()) options += ' ';
  options += "-c max_parallel_workers_per_gather=0 -c jit=off";
  setenv("PGOPTIONS", options.c_str(), 1);
}

int Fail(std::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "stacfed serve: %.*s: %s\n", int(what.size()), what.data(),
               std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int RunServe(const Args& args) {
  absl::StatusOr<http::ServerOptions> options = http::ServerOptionsFromEnv();
  if (!options.ok()) return Fail("configuration", options.status());
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    std::string_view listen;
    if (arg == "--listen" && i + 1 < args.size()) {
      listen = args[++i];
    } else if (arg.starts_with("--listen=")) {
      listen = arg.substr(std::string_view("--listen=").size());
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kServeUsage.data(), stdout);
      return 0;
    } else {
      std::fputs(kServeUsage.data(), stderr);
      return 2;
    }
    if (absl::Status status = http::ParseListen(listen, *options); !status.ok()) {
      return Fail("--listen", status);
    }
  }
  absl::StatusOr<std::string> database_url = db::ResolveDatabaseUrl();
  if (!database_url.ok()) return Fail("database", database_url.status());
  options->database_url = *database_url;
  SetServerSessionOptions();

  absl::StatusOr<api::ApiOptions> api_options =
      api::ApiOptionsFromEnv(api::ReadTokenKey(*database_url));
  if (!api_options.ok()) return Fail("configuration", api_options.status());
  http::Router router;
  api::RegisterRoutes(router, *api_options);
  api::RegisterCatalogRoutes(router, *api_options);  // replaces "/" with the catalog tree's
  // /browser/, and "/" for browsers: after the landing page's route, which it wraps.
  portal::RegisterPortalRoutes(router, portal::PortalOptionsFromEnv(api_options->landing.title));
  if (absl::Status status = http::RunServer(*options, router); !status.ok()) {
    return Fail("server", status);
  }
  return 0;
}

}  // namespace stacfed::cli

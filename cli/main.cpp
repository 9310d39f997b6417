// stacfed: one executable, subcommands for the server, the crawler and the admin tasks.
// This file only dispatches; the work lives in libstac/, server/ and crawler/.

#include <cstdio>
#include <string>
#include <string_view>

#include "cli/commands.hpp"

namespace {

constexpr std::string_view kUsage = R"(usage: stacfed <command> [options]

commands:
  db start|stop|status|url   manage the embedded PostgreSQL cluster under $STACFED_HOME
  migrate                    apply pending schema migrations from sql/
  load FILE... [--mode M]    load Collections, Items, FeatureCollections or NDJSON
                             (FILE '-' reads stdin; M is upsert (default), insert or ignore)
  serve [--listen HOST:PORT] the STAC API (default 127.0.0.1:8080)
  federation validate|apply FILE, federation show
                             the catalog tree described by a federation file
  harvest [SOURCE...|--all]  harvest the sources of the federation file
  harvest --url URL --type stac-api|static --into CATALOG
                             harvest one source into an existing catalog

The database is $DATABASE_URL when set, else the embedded cluster (started on demand).
`stacfed <command> --help` tells more; the README lists every environment variable.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h" ||
      std::string_view(argv[1]) == "help") {
    std::fputs(kUsage.data(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  stacfed::cli::Args args(argv + 2, argv + argc);
  if (command == "db") return stacfed::cli::RunDb(args);
  if (command == "migrate") return stacfed::cli::RunMigrate(args);
  if (command == "load") return stacfed::cli::RunLoad(args);
  if (command == "serve") return stacfed::cli::RunServe(args);
  if (command == "federation") return stacfed::cli::RunFederation(args);
  if (command == "harvest") return stacfed::cli::RunHarvest(args);
  std::fprintf(stderr, "stacfed: unknown command '%s'\n\n%s", command.c_str(), kUsage.data());
  return 2;
}

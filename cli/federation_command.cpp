// `stacfed federation validate|apply|show`: wiring only; the work is in libstac/federation.
#include <cstdio>
#include <string>

#include "cli/commands.hpp"
#include "libstac/db/database_url.hpp"
#include "libstac/federation/apply.hpp"
#include "libstac/federation/federation.hpp"
#include "libstac/pg/connection.hpp"

namespace stacfed::cli {
namespace {

constexpr char kUsage[] =
    "usage: stacfed federation validate FILE   check a federation file (no database)\n"
    "       stacfed federation apply FILE      make the catalog tree match FILE\n"
    "       stacfed federation show            print the catalog tree with counts\n";

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "stacfed federation: %s\n", std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<pg::Connection> OpenDatabase() {
  auto url = db::ResolveDatabaseUrl();
  if (!url.ok()) return url.status();
  return pg::Connection::Open(*url);
}

int Validate(const std::string& path) {
  auto federation = federation::LoadFederationFile(path);
  if (!federation.ok()) return Fail(federation.status());
  std::printf("%s: valid (%zu sites, %zu catalogs, %zu harvested)\n", path.c_str(),
              federation->sites.size(), federation->catalogs.size(),
              federation->HarvestedCatalogs().size());
  return 0;
}

int Apply(const std::string& path) {
  auto federation = federation::LoadFederationFile(path);
  if (!federation.ok()) return Fail(federation.status());
  auto conn = OpenDatabase();
  if (!conn.ok()) return Fail(conn.status());
  auto report = federation::ApplyFederation(*conn, *federation);
  if (!report.ok()) return Fail(report.status());
  std::printf("%s\n%s\n", report->ToString().c_str(),
              report->Changed() ? "applied" : "already up to date");
  return 0;
}

int Show() {
  auto conn = OpenDatabase();
  if (!conn.ok()) return Fail(conn.status());
  auto tree = federation::RenderTree(*conn);
  if (!tree.ok()) return Fail(tree.status());
  std::fputs(tree->c_str(), stdout);
  return 0;
}

}  // namespace

int RunFederation(const Args& args) {
  if (args.size() == 2 && args[0] == "validate") return Validate(args[1]);
  if (args.size() == 2 && args[0] == "apply") return Apply(args[1]);
  if (args.size() == 1 && args[0] == "show") return Show();
  bool help = args.size() == 1 && (args[0] == "--help" || args[0] == "-h");
  std::fputs(kUsage, help ? stdout : stderr);
  return help ? 0 : 2;
}

}  // namespace stacfed::cli

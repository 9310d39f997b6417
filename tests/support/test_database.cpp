#include "tests/support/test_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "libstac/base/env.hpp"
#include "libstac/base/paths.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/db/embedded_cluster.hpp"
#include "libstac/db/migrations.hpp"
#include "libstac/pg/connection.hpp"

namespace stacfed::testing {
namespace fs = std::filesystem;
namespace {

constexpr char kTemplate[] = "stacfed_template";

[[noreturn]] void Die(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "test database: %s: %s\n", what.c_str(),
               std::string(status.message()).c_str());
  std::abort();
}

struct Cluster {
  std::string host;
  int port = 0;
  bool owned = false;  // started by this process: stop and remove it at exit
  fs::path home;
};

Cluster& TheCluster() {
  // Never destroyed: the atexit handler below still needs it after static destructors ran.
  static Cluster& cluster = *new Cluster([] {
    Cluster c;
    if (auto home = GetEnv("STACFED_TEST_PG_HOME")) {
      c.host = *home;
      c.port = std::atoi(GetEnvOr("STACFED_TEST_PG_PORT", "5439").c_str());
      return c;
    }
    // Our own throwaway cluster. /tmp is reachable by the unprivileged cluster user.
    char pattern[] = "/tmp/stacfed-test-XXXXXX";
    if (mkdtemp(pattern) == nullptr) Die("mkdtemp", absl::InternalError("failed"));
    fs::permissions(pattern, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    db::ClusterConfig config;
    config.home = pattern;
    config.port = 20000 + getpid() % 20000;
    config.bin_dir = GetEnvOr("STACFED_PG_BIN", "/usr/lib/postgresql/15/bin");
    config.os_user = GetEnvOr("STACFED_DB_OS_USER", "stacfed");
    config.database = kTemplate;
    config.ephemeral = true;
    db::EmbeddedCluster embedded(config);
    if (auto status = embedded.Start(); !status.ok()) Die("starting a cluster", status);
    auto conn = pg::Connection::Open(config.Url());
    if (!conn.ok()) Die("connecting", conn.status());
    auto root = ProjectRoot();
    if (!root.ok()) Die("finding sql/", root.status());
    if (auto report = db::Migrate(*conn, *root / "sql"); !report.ok()) {
      Die("migrating the template", report.status());
    }
    c.host = config.home.string();
    c.port = config.port;
    c.owned = true;
    c.home = config.home;
    std::atexit([] {
      Cluster& self = TheCluster();
      db::ClusterConfig stop_config;
      stop_config.home = self.home;
      stop_config.port = self.port;
      stop_config.bin_dir = GetEnvOr("STACFED_PG_BIN", "/usr/lib/postgresql/15/bin");
      stop_config.os_user = GetEnvOr("STACFED_DB_OS_USER", "stacfed");
      (void)db::EmbeddedCluster(stop_config).Stop();
      std::error_code ec;
      fs::remove_all(self.home, ec);
    });
    return c;
  }());
  return cluster;
}

std::string UrlFor(const std::string& database) {
  const Cluster& c = TheCluster();
  return StrCat("postgresql:///", database, "?host=", c.host, "&port=", c.port,
                "&user=stacfed");
}

}  // namespace

std::string TestClusterAdminUrl() { return UrlFor("postgres"); }

TestDatabase::TestDatabase() {
  static std::atomic<int> counter{0};
  name_ = StrCat("test_", getpid(), "_", counter++);
  auto admin = pg::Connection::Open(TestClusterAdminUrl());
  if (!admin.ok()) Die("connecting", admin.status());
  // A template must have no other sessions while it is copied; retry briefly when a
  // parallel test program is cloning it at the same moment.
  absl::Status status;
  for (int attempt = 0; attempt < 50; ++attempt) {
    status = admin->Execute(StrCat("CREATE DATABASE \"", name_, "\" TEMPLATE ", kTemplate));
    if (status.ok()) break;
    usleep(100000);
  }
  if (!status.ok()) Die("creating " + name_, status);
  url_ = UrlFor(name_);
}

TestDatabase::~TestDatabase() {
  auto admin = pg::Connection::Open(TestClusterAdminUrl());
  if (admin.ok()) (void)admin->Execute(StrCat("DROP DATABASE IF EXISTS \"", name_, "\" WITH (FORCE)"));
}

}  // namespace stacfed::testing

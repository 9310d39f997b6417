#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "libstac/base/env.hpp"
#include "libstac/db/embedded_cluster.hpp"
#include "libstac/pg/connection.hpp"

namespace fs = std::filesystem;
using stacfed::db::ClusterConfig;
using stacfed::db::EmbeddedCluster;

namespace {

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

std::string Show(const ClusterConfig& config, const std::string& setting) {
  auto conn = stacfed::pg::Connection::Open(config.Url());
  REQUIRE(conn.ok());
  auto rows = conn->Query("SELECT current_setting($1)", {setting});
  REQUIRE(rows.ok());
  return std::string(rows->Scalar());
}

// The postmaster's environment, NUL-separated entries joined with '\n'.
std::string PostmasterEnvironment(const ClusterConfig& config) {
  std::istringstream pid_file(ReadFile(config.DataDir() / "postmaster.pid"));
  std::string pid;
  std::getline(pid_file, pid);
  std::string environment = ReadFile(fs::path("/proc") / pid / "environ");
  for (char& c : environment) {
    if (c == '\0') c = '\n';
  }
  return environment;
}

}  // namespace

TEST_CASE("the embedded cluster's tuning reaches new clusters and clusters made by older versions",
          "[db][cluster]") {
  char pattern[] = "/tmp/stacfed-cluster-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  fs::permissions(pattern, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  ClusterConfig config;
  config.home = pattern;
  config.port = 40000 + getpid() % 20000;  // test_database uses 20000-39999
  config.bin_dir = stacfed::GetEnvOr("STACFED_PG_BIN", "/usr/lib/postgresql/15/bin");
  config.os_user = stacfed::GetEnvOr("STACFED_DB_OS_USER", "stacfed");
  config.ephemeral = false;  // ephemeral (test) clusters keep the default WAL buffers
  EmbeddedCluster cluster(config);
  const fs::path conf = config.DataDir() / "postgresql.conf";
  const std::string include = "include_if_exists = 'stacfed.conf'";

  REQUIRE(cluster.Start().ok());
  CHECK(Show(config, "wal_buffers") == "256MB");
  CHECK(Show(config, "wal_writer_delay") == "10ms");
  // glibc splits the variable at its colons in place, hence the separate checks.
  const std::string environment = PostmasterEnvironment(config);
  CHECK(environment.find("GLIBC_TUNABLES=glibc.malloc.trim_threshold=") != std::string::npos);
  CHECK(environment.find("glibc.malloc.mmap_threshold=") != std::string::npos);
  REQUIRE(cluster.Stop().ok());

  SECTION("a cluster created before the tuning file gets it at its next start, once") {
    fs::remove(config.DataDir() / "stacfed.conf");
    std::string text = ReadFile(conf);
    text.erase(text.find(include), include.size());
    std::ofstream(conf, std::ios::trunc) << text;
    REQUIRE(Occurrences(ReadFile(conf), include) == 0);

    REQUIRE(cluster.Start().ok());
    CHECK(Show(config, "wal_buffers") == "256MB");
    CHECK(Show(config, "wal_writer_delay") == "10ms");
    REQUIRE(cluster.Stop().ok());
    REQUIRE(cluster.Start().ok());
    CHECK(Occurrences(ReadFile(conf), include) == 1);
    REQUIRE(cluster.Stop().ok());
  }
  std::error_code ec;
  fs::remove_all(pattern, ec);
}

TEST_CASE("root's default cluster home is one the cluster's user can reach", "[db]") {
  const fs::path base = fs::temp_directory_path() / ("stacfed-home-" + std::to_string(getpid()));
  fs::remove_all(base);
  fs::create_directories(base / "open" / "clone");
  fs::create_directories(base / "private" / "clone");
  fs::permissions(base, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  fs::permissions(base / "open", fs::perms::owner_all | fs::perms::others_exec);
  fs::permissions(base / "private", fs::perms::owner_all);
  const fs::path open_var = base / "open" / "clone" / "var";
  const fs::path private_var = base / "private" / "clone" / "var";
  CHECK(stacfed::db::DefaultHome(open_var) == open_var);
  if (geteuid() == 0) {
    const fs::path moved = stacfed::db::DefaultHome(private_var);
    CHECK(moved.parent_path() == "/var/lib/stacfed");
    CHECK(moved.filename().string().starts_with("clone-"));
    CHECK(stacfed::db::DefaultHome(private_var) == moved);  // the same on every run
    CHECK(stacfed::db::DefaultHome(base / "private" / "other" / "var") != moved);
  } else {
    CHECK(stacfed::db::DefaultHome(private_var) == private_var);  // not root: no other user
  }
  fs::remove_all(base);
}

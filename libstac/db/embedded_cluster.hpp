#pragma once
// The embedded database: a private PostgreSQL 15 + PostGIS cluster under $STACFED_HOME,
// created on first use, listening on a Unix socket in that folder and on 127.0.0.1.
// PostgreSQL refuses to run as root, so when we are root the cluster belongs to an
// unprivileged system user (STACFED_DB_OS_USER, default "stacfed"), created if missing.

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace stacfed::db {

struct ClusterConfig {
  std::filesystem::path home;      // $STACFED_HOME, default DefaultHome(./var made absolute)
  int port = 5439;                 // $STACFED_DB_PORT
  std::filesystem::path bin_dir;   // $STACFED_PG_BIN, default /usr/lib/postgresql/15/bin
  std::string os_user;             // $STACFED_DB_OS_USER, used only when running as root
  std::string database = "stacfed";
  std::string role = "stacfed";
  // Test clusters trade durability for speed (fsync off); never the default.
  bool ephemeral = false;

  std::filesystem::path DataDir() const { return home / "pgdata"; }
  std::filesystem::path LogFile() const { return home / "postgres.log"; }
  // libpq URL through the Unix socket in `home`.
  std::string Url() const;
  // libpq URL through TCP on 127.0.0.1 (for tools on other users' terms, e.g. pgbench).
  std::string TcpUrl() const;
};

absl::StatusOr<ClusterConfig> ClusterConfigFromEnv();

// The home when STACFED_HOME is not set, given ./var made absolute: that, unless we are root
// and a folder above it does not let other users pass (a clone in /root, whose mode is 0700
// on Debian), where the cluster's system user could not reach it; then a folder of its own
// under /var/lib/stacfed, named after the clone's folder and a hash of its path, so that each
// clone keeps its own cluster from run to run.
std::filesystem::path DefaultHome(const std::filesystem::path& var);

class EmbeddedCluster {
 public:
  explicit EmbeddedCluster(ClusterConfig config) : config_(std::move(config)) {}

  // Creates the cluster if needed, starts it if stopped, and creates the database.
  // Idempotent and safe to call from several processes at once (file lock).
  absl::Status Start();
  absl::Status Stop();
  absl::StatusOr<bool> IsRunning() const;
  const ClusterConfig& config() const { return config_; }

 private:
  absl::Status Initialise();
  absl::Status CreateDatabase();
  ClusterConfig config_;
};

}  // namespace stacfed::db

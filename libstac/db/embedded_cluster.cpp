#include "libstac/db/embedded_cluster.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>

#include "libstac/base/strings.hpp"
#include "libstac/base/env.hpp"
#include "libstac/base/hash.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/db/process.hpp"
#include "libstac/pg/connection.hpp"

namespace stacfed::db {
namespace fs = std::filesystem;

std::string ClusterConfig::Url() const {
  return StrCat("postgresql:///", database, "?host=", home.string(), "&port=", port,
                      "&user=", role);
}

std::string ClusterConfig::TcpUrl() const {
  return StrCat("postgresql://", role, "@127.0.0.1:", port, "/", database);
}

namespace {

// Whether every existing folder from `path` up lets other users pass (search permission): the
// cluster's system user owns none of them.
bool OthersCanTraverse(fs::path path) {
  for (; !path.empty(); path = path.parent_path()) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (!ec && fs::is_directory(status) &&
        (status.permissions() & fs::perms::others_exec) == fs::perms::none) {
      return false;
    }
    if (path == path.root_path()) break;
  }
  return true;
}

}  // namespace

fs::path DefaultHome(const fs::path& var) {
  if (geteuid() != 0 || OthersCanTraverse(var.parent_path())) return var;
  const std::string id = StrCat(StableHash64(var.string()));
  return fs::path("/var/lib/stacfed") /
         StrCat(var.parent_path().filename().string().substr(0, 32), "-", id.substr(0, 12));
}

absl::StatusOr<ClusterConfig> ClusterConfigFromEnv() {
  ClusterConfig config;
  std::error_code ec;
  const std::optional<std::string> home = GetEnv("STACFED_HOME");
  config.home = fs::absolute(home.value_or("var"), ec);
  if (ec) return absl::InvalidArgumentError("STACFED_HOME is not a usable path");
  config.home = config.home.lexically_normal();
  if (config.home.has_filename() == false) config.home = config.home.parent_path();
  if (!home) config.home = DefaultHome(config.home);
  STACFED_ASSIGN_OR_RETURN(int64_t port, GetEnvInt("STACFED_DB_PORT", 5439, 1, 65535));
  config.port = static_cast<int>(port);
  config.bin_dir = GetEnvOr("STACFED_PG_BIN", "/usr/lib/postgresql/15/bin");
  config.os_user = GetEnvOr("STACFED_DB_OS_USER", "stacfed");
  config.database = GetEnvOr("STACFED_DB_NAME", "stacfed");
  config.ephemeral = GetEnvOr("STACFED_DB_EPHEMERAL", "0") == "1";
  // A Unix socket path is limited to 107 bytes.
  if ((config.home / ".s.PGSQL.65535").string().size() > 107) {
    return absl::InvalidArgumentError(StrCat(
        "STACFED_HOME=", config.home.string(),
        " is too long for a Unix socket path (at most about 90 characters); choose a shorter "
        "folder"));
  }
  return config;
}

namespace {

// The user the cluster runs as: nobody else when we are not root.
absl::StatusOr<std::optional<RunAs>> ClusterUser(const std::string& name) {
  if (geteuid() != 0) return std::optional<RunAs>();
  passwd* pw = getpwnam(name.c_str());
  if (pw == nullptr) {
    auto created = RunProcess({"/usr/sbin/useradd", "--system", "--no-create-home", "--shell",
                               "/usr/sbin/nologin", name});
    if (!created.ok()) return created.status();
    if (created->exit_code != 0 && created->exit_code != 9 /* exists: a concurrent start */) {
      return absl::InternalError(StrCat("cannot create the system user '", name,
                                              "' to run PostgreSQL: ", created->output));
    }
    pw = getpwnam(name.c_str());
    if (pw == nullptr) return absl::InternalError(StrCat("no system user '", name, "'"));
  }
  return std::optional<RunAs>(RunAs{pw->pw_uid, pw->pw_gid});
}

// Holds an exclusive lock on a file for the lifetime of the object.
class FileLock {
 public:
  explicit FileLock(const fs::path& path) : fd_(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

absl::Status CheckSucceeded(const absl::StatusOr<ProcessResult>& result, std::string_view what,
                            const fs::path& log) {
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::InternalError(StrCat(what, " failed (exit ", result->exit_code, "): ",
                                            result->output, " -- see ", log.string()));
  }
  return absl::OkStatus();
}

// Settings that later versions of stacfed may change, in a file of their own that every start
// rewrites, so that a cluster created by an earlier version gets them too. postgresql.conf
// includes it last, so these win over the settings written at creation.
constexpr std::string_view kTuningFile = "stacfed.conf";
constexpr std::string_view kTuningHeader =
    "# Written by stacfed at every start of the embedded cluster: edits are lost.\n";
// Not for ephemeral (test) clusters: PostgreSQL zeroes its WAL buffers at start, and a test
// run starts many small clusters.
constexpr std::string_view kTuning =
    // The default (1/32 of shared_buffers, 16 MB) made a bulk load's backends wait for WAL
    // buffer space and write WAL themselves in small pieces: 39,000 writes of ~19 KB for
    // 200,000 items. With 256 MB the WAL writer writes it in large pieces, and a load runs
    // 10-20% faster (bench/README.md, "Load").
    "wal_buffers = 256MB\n"
    // A COPY writes its pages through a 16 MB ring of buffers; reusing one whose WAL is not on
    // disk yet makes the backend flush WAL itself and wait for the fsync. With the default
    // 200 ms the WAL writer fell that far behind a bulk load: a tenth of the machine sat idle.
    // Every 10 ms it keeps up, the machine idles half as much and a 1M-item load runs about 5%
    // faster. An idle WAL writer still hibernates, so a quiet server does not wake more often.
    "wal_writer_delay = 10ms\n"
    // A statement locks each partition it reads, and each index it uses, until its
    // transaction ends; the shared lock table holds max_locks_per_transaction times the
    // connections. With the default 64, one search over 3,000 collections' partitions fills it
    // and others fail ("out of shared memory"). 256 costs about 6 MB of shared memory.
    "max_locks_per_transaction = 256\n";

// glibc returned the memory of every freed per-row context to the kernel (heap trimming) and
// PostgreSQL faulted it back in on the next row: page faults were 7% of the CPU of a bulk
// load. Keeping up to 512 MB of freed memory per backend is a small price on a database host.
constexpr std::string_view kPostgresMallocTuning =
    "GLIBC_TUNABLES=glibc.malloc.trim_threshold=536870912:glibc.malloc.top_pad=16777216:"
    "glibc.malloc.mmap_threshold=33554432";

absl::Status WriteTuning(const fs::path& data, bool ephemeral, const std::optional<RunAs>& user) {
  const fs::path tuning = data / kTuningFile;
  {
    std::ofstream out(tuning, std::ios::trunc);
    out << kTuningHeader;
    if (!ephemeral) out << kTuning;
    if (!out) return absl::PermissionDeniedError(StrCat("cannot write ", tuning.string()));
  }
  if (user) (void)chown(tuning.c_str(), user->uid, user->gid);
  const std::string include = StrCat("include_if_exists = '", kTuningFile, "'");
  const fs::path conf = data / "postgresql.conf";
  std::ifstream in(conf);
  std::string line;
  while (std::getline(in, line)) {
    if (line == include) return absl::OkStatus();
  }
  std::ofstream append(conf, std::ios::app);
  append << "\n" << include << "\n";
  if (!append) return absl::PermissionDeniedError(StrCat("cannot write ", conf.string()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<bool> EmbeddedCluster::IsRunning() const {
  if (!fs::exists(config_.DataDir() / "PG_VERSION")) return false;
  STACFED_ASSIGN_OR_RETURN(auto user, ClusterUser(config_.os_user));
  auto result = RunProcess(
      {(config_.bin_dir / "pg_ctl").string(), "status", "-D", config_.DataDir().string()}, user);
  if (!result.ok()) return result.status();
  return result->exit_code == 0;
}

absl::Status EmbeddedCluster::Initialise() {
  STACFED_ASSIGN_OR_RETURN(auto user, ClusterUser(config_.os_user));
  fs::path data = config_.DataDir();
  if (fs::exists(data / "PG_VERSION")) return absl::OkStatus();
  if (!fs::exists(config_.bin_dir / "initdb")) {
    return absl::NotFoundError(StrCat("no PostgreSQL 15 at ", config_.bin_dir.string(),
                                            " (install postgresql-15, or set STACFED_PG_BIN, or "
                                            "set DATABASE_URL to use an existing server)"));
  }
  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec) return absl::PermissionDeniedError(StrCat("cannot create ", data.string()));
  fs::permissions(data, fs::perms::owner_all, ec);
  if (user) {
    if (chown(config_.home.c_str(), user->uid, user->gid) != 0 ||
        chown(data.c_str(), user->uid, user->gid) != 0) {
      return absl::PermissionDeniedError(StrCat("cannot hand ", config_.home.string(),
                                                      " to the user ", config_.os_user));
    }
    // The cluster user must be able to reach the folder through its ancestors.
    auto probe = RunProcess({"/usr/bin/test", "-w", config_.home.string()}, user);
    if (!probe.ok() || probe->exit_code != 0) {
      return absl::PermissionDeniedError(StrCat(
          "the system user '", config_.os_user, "' that runs PostgreSQL cannot reach ",
          config_.home.string(),
          " (a parent folder is private); set STACFED_HOME to a folder it can reach, e.g. under "
          "/var/lib or /tmp"));
    }
  }
  auto initdb = RunProcess({(config_.bin_dir / "initdb").string(), "-D", data.string(), "-U",
                            config_.role, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
                            "--no-instructions"},
                           user);
  STACFED_RETURN_IF_ERROR(CheckSucceeded(initdb, "initdb", config_.LogFile()));

  // Tuned for a catalog server on a small machine: JIT off (it slows short queries), room for
  // bulk loads between checkpoints, lz4 for TOAST.
  std::ofstream conf(data / "postgresql.conf", std::ios::app);
  conf << "\n# stacfed embedded cluster\n"
       << "listen_addresses = '127.0.0.1'\n"
       << "unix_socket_directories = '" << config_.home.string() << "'\n"
       << "max_connections = 200\n"
       << "shared_buffers = 512MB\n"
       << "work_mem = 16MB\n"
       << "maintenance_work_mem = 256MB\n"
       << "max_wal_size = 4GB\n"
       << "checkpoint_timeout = 15min\n"
       << "jit = off\n"
       << "random_page_cost = 1.1\n"
       << "default_toast_compression = lz4\n"
       << "log_min_messages = warning\n";
  if (config_.ephemeral) conf << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
  if (!conf) return absl::InternalError("cannot write postgresql.conf");
  return absl::OkStatus();
}

absl::Status EmbeddedCluster::CreateDatabase() {
  auto conn = pg::Connection::Open(StrCat("postgresql:///postgres?host=",
                                                config_.home.string(), "&port=", config_.port,
                                                "&user=", config_.role));
  if (!conn.ok()) return conn.status();
  STACFED_ASSIGN_OR_RETURN(auto exists, conn->Query("SELECT 1 FROM pg_database WHERE datname = $1",
                                                    {config_.database}));
  if (exists.Rows() > 0) return absl::OkStatus();
  auto created = conn->Execute(StrCat("CREATE DATABASE \"", config_.database, "\""));
  // A concurrent start may have won the race.
  if (!created.ok() && created.message().find("already exists") == absl::string_view::npos) {
    return created;
  }
  return absl::OkStatus();
}

absl::Status EmbeddedCluster::Start() {
  std::error_code ec;
  fs::create_directories(config_.home, ec);
  if (ec) {
    return absl::PermissionDeniedError(StrCat("cannot create ", config_.home.string()));
  }
  FileLock lock(config_.home / ".start.lock");
  if (!lock.ok()) return absl::PermissionDeniedError("cannot lock " + config_.home.string());
  STACFED_RETURN_IF_ERROR(Initialise());
  STACFED_ASSIGN_OR_RETURN(bool running, IsRunning());
  if (!running) {
    STACFED_ASSIGN_OR_RETURN(auto user, ClusterUser(config_.os_user));
    if (user) chown(config_.home.c_str(), user->uid, user->gid);
    STACFED_RETURN_IF_ERROR(WriteTuning(config_.DataDir(), config_.ephemeral, user));
    auto started = RunProcess(
        {(config_.bin_dir / "pg_ctl").string(), "start", "-w", "-t", "60", "-D",
         config_.DataDir().string(), "-l", config_.LogFile().string(), "-o",
         StrCat("-p ", config_.port, " -k ", config_.home.string())},
        user, std::nullopt, {std::string(kPostgresMallocTuning)});
    STACFED_RETURN_IF_ERROR(CheckSucceeded(started, "starting PostgreSQL", config_.LogFile()));
  }
  return CreateDatabase();
}

absl::Status EmbeddedCluster::Stop() {
  STACFED_ASSIGN_OR_RETURN(bool running, IsRunning());
  if (!running) return absl::OkStatus();
  STACFED_ASSIGN_OR_RETURN(auto user, ClusterUser(config_.os_user));
  auto stopped = RunProcess({(config_.bin_dir / "pg_ctl").string(), "stop", "-w", "-m", "fast",
                             "-D", config_.DataDir().string()},
                            user);
  return CheckSucceeded(stopped, "stopping PostgreSQL", config_.LogFile());
}

}  // namespace stacfed::db

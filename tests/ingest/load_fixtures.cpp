#include "tests/ingest/load_fixtures.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "libstac/base/paths.hpp"
#include "libstac/pg/connection.hpp"

namespace stacfed::testing {

using ingest::Loader;
using ingest::LoadOptions;
using ingest::Rejection;
using ingest::Warning;
using ingest::WriteMode;

const char kCollection[] =
    R"({"type":"Collection","id":"cmip6","stac_version":"1.0.0","description":"d","license":"other",)"
    R"("extent":{"spatial":{"bbox":[[-180,-90,180,90]]},"temporal":{"interval":[["1850-01-01T00:00:00Z",null]]}},"links":[]})";

std::string Feature(const std::string& id, const std::string& geometry,
                    const std::string& properties, const std::string& assets,
                    const std::string& links) {
  return R"({"type":"Feature","stac_version":"1.0.0","id":")" + id +
         R"(","collection":"cmip6","geometry":)" + geometry + R"(,"properties":)" + properties +
         R"(,"assets":)" + assets + R"(,"links":)" + links + "}";
}

std::string ItemLine(int n, const std::string& datetime) {
  return Feature("item-" + std::to_string(n),
                 R"({"type":"Point","coordinates":[)" + std::to_string(n % 180) + ",0]}",
                 R"({"datetime":")" + datetime + R"("})");
}

std::string WriteTemp(const std::string& text) {
  char path[] = "/tmp/stacfed-loader-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == ssize_t(text.size()));
  close(fd);
  return path;
}

LoadResult Load(const std::string& url, const std::vector<std::string>& paths, WriteMode mode,
                size_t batch_size, LoadOptions options) {
  LoadResult result;
  options.mode = mode;
  options.batch_size = batch_size;
  options.on_rejection = [&](const Rejection& r) { result.rejections.push_back(r); };
  options.on_warning = [&](const Warning& w) { result.warnings.push_back(w); };
  auto loader = Loader::Open(url, options);
  REQUIRE(loader.ok());
  for (const std::string& path : paths) {
    auto loaded = (*loader)->LoadFile(path);
    INFO(std::string(loaded.message()));
    REQUIRE(loaded.ok());
  }
  result.report = (*loader)->Finish();
  INFO(std::string(result.report.stopped.message()));
  REQUIRE(result.report.stopped.ok());
  return result;
}

LoadResult Load(const std::string& url, const std::string& path, WriteMode mode,
                size_t batch_size, LoadOptions options) {
  return Load(url, std::vector<std::string>{path}, mode, batch_size, std::move(options));
}

std::string Scalar(const std::string& url, const std::string& sql) {
  auto conn = pg::Connection::Open(url);
  REQUIRE(conn.ok());
  auto rows = conn->Query(sql);
  INFO(sql << ": " << rows.status().message());
  REQUIRE(rows.ok());
  return std::string(rows->Scalar());
}

int64_t Count(const std::string& url, const std::string& sql) {
  return std::stoll(Scalar(url, sql));
}

namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Run RunStacfed(const std::vector<std::string>& args, const std::string& database_url,
               const std::map<std::string, std::string>& env) {
  // build/tests/ingest/ingest_test -> build/stacfed
  const auto binary = ExecutablePath().parent_path().parent_path().parent_path() / "stacfed";
  REQUIRE(std::filesystem::exists(binary));
  const std::string out_path = WriteTemp(""), err_path = WriteTemp("");
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    setenv("DATABASE_URL", database_url.c_str(), 1);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    const int out = open(out_path.c_str(), O_WRONLY | O_TRUNC);
    const int err = open(err_path.c_str(), O_WRONLY | O_TRUNC);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>("stacfed")};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  REQUIRE(wait4(child, &status, 0, &usage) == child);
  Run run;
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.peak_rss_kb = usage.ru_maxrss;
  run.out = ReadWhole(out_path);
  run.err = ReadWhole(err_path);
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return run;
}

}  // namespace stacfed::testing

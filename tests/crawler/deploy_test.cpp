// The systemd units in deploy/systemd pass `systemd-analyze verify` (skipped where the
// command is missing), and the crontab example calls an existing subcommand.

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "libstac/base/paths.hpp"

namespace stacfed::crawler {
namespace {
namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

TEST_CASE("systemd units verify", "[crawler][deploy]") {
  auto root = ProjectRoot();
  REQUIRE(root.ok());
  const fs::path units = *root / "deploy" / "systemd";
  const std::string service = Read(units / "stacfed-harvest@.service");
  const std::string timer = Read(units / "stacfed-harvest@.timer");
  REQUIRE(service.find("ExecStart=/opt/stacfed/build/stacfed harvest --quiet %i") != std::string::npos);
  REQUIRE(timer.find("OnCalendar=") != std::string::npos);
  REQUIRE(Read(*root / "deploy" / "crontab.example").find("stacfed harvest") != std::string::npos);
  if (std::system("command -v systemd-analyze >/dev/null 2>&1") != 0) {
    WARN("systemd-analyze not installed: verification skipped");
    return;
  }
  // verify checks that ExecStart exists: point it at the binary just built, in a copy.
  char pattern[] = "/tmp/stacfed-units-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  const fs::path dir = pattern;
  Write(dir / "stacfed-harvest@.service", Replace(service, "/opt/stacfed/build/stacfed", STACFED_BINARY));
  Write(dir / "stacfed-harvest@.timer", timer);
  Write(dir / "stacfed-harvest@test.service", Replace(service, "/opt/stacfed/build/stacfed", STACFED_BINARY));
  Write(dir / "stacfed-harvest@test.timer", timer);
  const std::string command = "cd '" + dir.string() +
                              "' && systemd-analyze verify --man=no ./stacfed-harvest@test.service"
                              " ./stacfed-harvest@test.timer 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = pclose(pipe);
  fs::remove_all(dir);
  INFO(output);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(output.find("Failed") == std::string::npos);
}

}  // namespace
}  // namespace stacfed::crawler

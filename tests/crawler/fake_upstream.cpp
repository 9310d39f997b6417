#include "tests/crawler/fake_upstream.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

extern char** environ;

namespace stacfed::testing {

std::string CrawlerTestDir() { return STACFED_CRAWLER_TEST_DIR; }

FakeUpstream::FakeUpstream() {
  int out[2];
  if (pipe(out) != 0) std::abort();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  const std::string script = CrawlerTestDir() + "/fake_upstream.py";
  const std::string root = CrawlerTestDir() + "/upstream";
  const char* argv[] = {"python3", script.c_str(), "--root", root.c_str(), nullptr};
  if (posix_spawnp(&pid_, "python3", &actions, nullptr, const_cast<char**>(argv), environ) != 0) {
    std::fprintf(stderr, "fake upstream: cannot start python3\n");
    std::abort();
  }
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  close(out[0]);
  if (line.rfind("PORT ", 0) != 0) {
    std::fprintf(stderr, "fake upstream: unexpected start line '%s'\n", line.c_str());
    std::abort();
  }
  base_ = "http://127.0.0.1:" + line.substr(5);
}

FakeUpstream::~FakeUpstream() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

}  // namespace stacfed::testing

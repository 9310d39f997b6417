#include "tests/crawler/spawn_stacfed.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

extern char** environ;

namespace stacfed::testing {

pid_t SpawnStacfed(const std::vector<std::string>& args, const std::string& database_url,
                   const std::string& stdout_path, const std::string& stderr_path,
                   const std::vector<std::string>& extra_env) {
  std::vector<std::string> env_strings;
  std::vector<std::string> replaced = {"DATABASE_URL="};
  for (const std::string& setting : extra_env) {
    replaced.push_back(setting.substr(0, setting.find('=') + 1));
  }
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    if (std::any_of(replaced.begin(), replaced.end(),
                    [&](const std::string& name) { return entry.starts_with(name); })) {
      continue;
    }
    env_strings.emplace_back(*e);
  }
  env_strings.push_back("DATABASE_URL=" + database_url);
  env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> env;
  for (auto& s : env_strings) env.push_back(s.data());
  env.push_back(nullptr);
  std::vector<std::string> argv_strings = {STACFED_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, STACFED_BINARY, &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(spawned == 0);
  return pid;
}

int WaitForExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace stacfed::testing

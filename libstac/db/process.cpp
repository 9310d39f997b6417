#include "libstac/db/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "libstac/base/strings.hpp"

namespace stacfed::db {

absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         std::optional<RunAs> run_as,
                                         const std::optional<std::filesystem::path>& log_file,
                                         const std::vector<std::string>& extra_env) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError("pipe() failed");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Built before fork(): the child of a threaded process may only call async-signal-safe
  // functions, so it cannot allocate.
  std::vector<char*> env;
  for (const auto& e : extra_env) env.push_back(const_cast<char*>(e.c_str()));
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const bool overridden = std::any_of(extra_env.begin(), extra_env.end(), [&](const auto& x) {
      return entry.substr(0, entry.find('=') + 1) == std::string_view(x).substr(0, x.find('=') + 1);
    });
    if (!overridden) env.push_back(*e);
  }
  env.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(StrCat("fork() failed: ", strerror(errno)));
  if (pid == 0) {
    int out = pipe_fds[1];
    if (log_file) {
      out = open(log_file->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
      if (out < 0) _exit(126);
    }
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    close(pipe_fds[0]);
    if (run_as) {
      if (setgroups(0, nullptr) != 0 || setgid(run_as->gid) != 0 || setuid(run_as->uid) != 0) {
        _exit(126);
      }
    }
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) output.append(buffer, size_t(n));
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (code == 127) return absl::NotFoundError(StrCat("cannot run ", argv[0]));
  return ProcessResult{code, std::move(output)};
}

}  // namespace stacfed::db

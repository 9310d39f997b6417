#include "libstac/db/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "libstac/base/strings.hpp"

namespace stacfed::db {

absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         std::optional<RunAs> run_as,
                                         const std::optional<std::filesystem::path>& log_file) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError("pipe() failed");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

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
    execv(args[0], args.data());
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

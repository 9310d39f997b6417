#pragma once
// Runs the real `stacfed` binary from the crawler tests (kill-and-resume, the CLI, a server
// to query after a harvest), with DATABASE_URL set and its output sent to files.

#include <sys/types.h>

#include <string>
#include <vector>

namespace stacfed::testing {

// Starts `stacfed ARGS...` with DATABASE_URL=`database_url`, `extra_env` ("NAME=value") and
// the rest of this process's environment; stdout and stderr go to the given files (created or
// truncated).
pid_t SpawnStacfed(const std::vector<std::string>& args, const std::string& database_url,
                   const std::string& stdout_path = "/dev/null",
                   const std::string& stderr_path = "/dev/null",
                   const std::vector<std::string>& extra_env = {});

// Waits for the process: its exit status, or 128 + the signal that ended it.
int WaitForExit(pid_t pid);

}  // namespace stacfed::testing

// Placeholder until the serve subcommand lands; replaced by its own issue's work.
#include <cstdio>

#include "cli/commands.hpp"

namespace stacfed::cli {

int RunServe(const Args&) {
  std::fputs("stacfed serve: not available yet\n", stderr);
  return 1;
}

}  // namespace stacfed::cli

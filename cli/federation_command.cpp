// Placeholder until the federation subcommand lands; replaced by its own issue's work.
#include <cstdio>

#include "cli/commands.hpp"

namespace stacfed::cli {

int RunFederation(const Args&) {
  std::fputs("stacfed federation: not available yet\n", stderr);
  return 1;
}

}  // namespace stacfed::cli

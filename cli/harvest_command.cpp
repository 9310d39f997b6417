// Placeholder until the harvest subcommand lands; replaced by its own issue's work.
#include <cstdio>

#include "cli/commands.hpp"

namespace stacfed::cli {

int RunHarvest(const Args&) {
  std::fputs("stacfed harvest: not available yet\n", stderr);
  return 1;
}

}  // namespace stacfed::cli

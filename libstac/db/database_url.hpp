#pragma once
// How every subcommand finds its database: DATABASE_URL when set (nothing is started),
// else the embedded cluster, started on demand.

#include <string>

#include "absl/status/statusor.h"

namespace stacfed::db {

absl::StatusOr<std::string> ResolveDatabaseUrl();

}  // namespace stacfed::db

#include "libstac/db/database_url.hpp"

#include "libstac/base/env.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/db/embedded_cluster.hpp"

namespace stacfed::db {

absl::StatusOr<std::string> ResolveDatabaseUrl() {
  if (auto url = GetEnv("DATABASE_URL")) return *url;
  STACFED_ASSIGN_OR_RETURN(ClusterConfig config, ClusterConfigFromEnv());
  EmbeddedCluster cluster(config);
  STACFED_RETURN_IF_ERROR(cluster.Start());
  return config.Url();
}

}  // namespace stacfed::db

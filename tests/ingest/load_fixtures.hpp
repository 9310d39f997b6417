#pragma once
// What the loader's tests share: records of one collection, temporary files, a load through
// the Loader API and one through the real `stacfed load`.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "libstac/ingest/loader.hpp"

namespace stacfed::testing {

// A Collection "cmip6" as one line of JSON.
extern const char kCollection[];

// An Item of the collection above as one line of JSON; `id` is JSON string content, the
// other arguments JSON text.
std::string Feature(const std::string& id, const std::string& geometry,
                    const std::string& properties, const std::string& assets = "{}",
                    const std::string& links = "[]");
// Item "item-N", a point, at `datetime`.
std::string ItemLine(int n, const std::string& datetime = "2020-01-01T00:00:00Z");

// A new file under /tmp holding `text`; the caller removes it.
std::string WriteTemp(const std::string& text);

struct LoadResult {
  ingest::LoadReport report;
  std::vector<ingest::Rejection> rejections;
  std::vector<ingest::Warning> warnings;
};
// Loads the files with the Loader API (`options` but for mode and batch size as given);
// the load must not stop.
LoadResult Load(const std::string& url, const std::vector<std::string>& paths,
                ingest::WriteMode mode = ingest::WriteMode::kUpsert, size_t batch_size = 3,
                ingest::LoadOptions options = {});
LoadResult Load(const std::string& url, const std::string& path,
                ingest::WriteMode mode = ingest::WriteMode::kUpsert, size_t batch_size = 3,
                ingest::LoadOptions options = {});

// The one value of `sql`'s result, as a number or as text.
int64_t Count(const std::string& url, const std::string& sql);
std::string Scalar(const std::string& url, const std::string& sql);

// How many (collection, digest) pairs stacfed.collection_facet_counts (sql/0016) counts
// differently from the items' facets as stored: 0 when the write path kept them exact.
inline constexpr const char* kFacetCountMismatches =
    "SELECT count(*) FROM (SELECT i.collection, d, count(*) AS n FROM stacfed.items i,"
    " LATERAL (SELECT DISTINCT unnest(i.facets) AS d) x GROUP BY 1, 2) e"
    " FULL JOIN (SELECT * FROM stacfed.collection_facet_counts WHERE items <> 0) c"
    " ON c.collection_id = e.collection AND c.digest = e.d WHERE e.n IS DISTINCT FROM c.items";

// A run of the real `stacfed` (build/stacfed) with DATABASE_URL and `env` set.
struct Run {
  int exit_status = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
  int64_t peak_rss_kb = 0;  // the process's largest resident set (getrusage's ru_maxrss)
};
Run RunStacfed(const std::vector<std::string>& args, const std::string& database_url,
               const std::map<std::string, std::string>& env = {});

}  // namespace stacfed::testing

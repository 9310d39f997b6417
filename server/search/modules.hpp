#pragma once
// Extensions of the API as modules behind one interface. A module declares the conformance
// classes it implements (per endpoint family), owns its request parameters (their GET and
// POST forms, one entry each, so the two methods cannot drift), checks and completes them
// once all are read, and adds its conditions to the query. `/conformance` and a landing
// page's `conformsTo` are the union of the enabled modules: a module that is not finished is
// not in the list, and nothing it would declare is.
//
//   class SortModule : public Module {
//     std::string_view Name() const override { return "sort"; }
//     Uris Conformance(Family) const override { ... }
//     std::span<const Parameter> Parameters(Family) const override { ... }
//     absl::Status Constrain(const SearchRequest&, const SearchContext&, Conditions&,
//                            QueryBuilder&) const override { ... }
//   };

#include <boost/json/value.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/search/query.hpp"
#include "server/search/request.hpp"

namespace stacfed::search {

class Queryables;
class FacetStatistics;

// How a filter that facet digests answer is run (STACFED_FACET_PLAN): as the statistics say
// (auto), or always asking the GIN index first (index) or walking the time order first
// (walk), for diagnosis and tests of both statements.
enum class FacetPlan { kAuto, kIndex, kWalk };

// The endpoints a module may serve; conformance and parameters are per family.
enum class Family {
  kLanding,      // the landing page itself: core classes
  kCollections,  // /collections, /collections/{id}
  kItems,        // /collections/{id}/items (OGC API Features)
  kItemSearch,   // /search (and a catalog's /search)
  // /aggregate (at the root, of a collection, of a catalog): the item search parameters
  // that select items (every module's, but for those that page or shape a page: limit,
  // token, sortby, fields), and the aggregation module's own.
  kAggregate,
};

// A request parameter: its name, and how its GET (text) and POST (JSON) forms are read into
// a request. A POST member that is null counts as absent, unless `null_is_absent` is false:
// then from_json reads the null.
struct Parameter {
  std::string_view name;
  absl::Status (*from_query)(std::string_view value, SearchRequest& request);
  absl::Status (*from_json)(const boost::json::value& value, SearchRequest& request);
  bool null_is_absent = true;
  // In a query string, the same value given twice counts once (a different one is an error):
  // pystac-client adds its `parameters` to every request, also to the next links of a GET
  // search that already carry them.
  bool same_value_repeats = false;
};

// What constraining a query needs besides the request.
struct SearchContext {
  // The properties the searched collections' items carry (queryables.hpp); never null.
  const Queryables* queryables = nullptr;
  // How often facet values occur (facet_stats.hpp); null when the items were never analyzed.
  const FacetStatistics* facet_stats = nullptr;
  FacetPlan facet_plan = FacetPlan::kAuto;
  // The table of the partition of the one collection the search names (query.hpp's
  // PartitionTable), when it is known: the search's statements read it rather than the
  // partitioned items. Null otherwise.
  const std::string* partition_table = nullptr;
  // Plan the search's statements with their values (SearchOptions::generic_plan_partitions).
  bool custom_plans = false;
};

class Module {
 public:
  virtual ~Module() = default;

  virtual std::string_view Name() const = 0;
  // The conformance URIs this module implements on endpoints of `family`.
  virtual std::vector<std::string_view> Conformance(Family family) const = 0;
  // The parameters it owns on `family` (none by default).
  virtual std::span<const Parameter> Parameters(Family) const { return {}; }
  // After every parameter is read: checks across parameters, parsing what depends on others
  // (filter-lang decides how filter is read).
  virtual absl::Status Finish(SearchRequest&, Family) const { return absl::OkStatus(); }
  // Adds the module's conditions, binding their values through `builder`.
  virtual absl::Status Constrain(const SearchRequest&, const SearchContext&, Conditions&,
                                 QueryBuilder&) const {
    return absl::OkStatus();
  }
  // The order of the rows, when this module sets it (binding its values through `builder`,
  // after every condition's); nullopt leaves it to the next module and, at last, the
  // default. Paging follows from it (sort.hpp).
  virtual absl::StatusOr<std::optional<SortSpec>> Order(const SearchRequest&,
                                                        const SearchContext&,
                                                        QueryBuilder&) const {
    return std::nullopt;
  }
};

// Item search parameters that do not select items (paging and what each item shows):
// /aggregate does not take them.
bool IsPageParameter(std::string_view name);

// The modules of this server, in the order they constrain a query (core first).
const std::vector<const Module*>& EnabledModules();

// The sorted union of the conformance URIs of every enabled module over every family.
const std::vector<std::string>& ConformanceUris();

// Browseable: every item is reachable from the landing page by child and item links.
inline constexpr std::string_view kBrowseableUri = "https://api.stacspec.org/v1.0.0-rc.3/browseable";

// Appends "conformsTo":[...] (every family: the root and every catalog serve them all). A
// catalog whose child links do not reach every collection of its scope (a shared collection
// is the child of another parent) is not Browseable: `browseable` false leaves it out.
void AppendConformsTo(std::string& out, bool browseable = true);

// The parameter `name` on `family`, from any enabled module; nullptr if none owns it.
const Parameter* FindParameter(Family family, std::string_view name);
// The names of the parameters of `family`, for error messages ("supported: bbox, ...").
std::string ParameterNames(Family family);

}  // namespace stacfed::search

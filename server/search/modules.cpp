#include "server/search/modules.hpp"

#include <algorithm>
#include <array>

#include "libstac/base/strings.hpp"
#include "server/search/core_modules.hpp"

namespace stacfed::search {

const std::vector<const Module*>& EnabledModules() {
  static const std::vector<const Module*> modules = {
      &CoreSearchModule(),
      &ChildrenBrowseableModule(),
      &FieldsModule(),  // what a response shows of each item: constrains nothing
      &ClientSiteModule(),  // ranks each item's copies for the client: constrains nothing
      &FilterModule(),
      &QueryModule(),  // after the filter: its Finish joins the filter's tree
      &SortByModule(),
      &FreeTextModule(),  // after sort: an explicit sortby wins over relevance
      &AggregationModule(),
  };
  return modules;
}

const std::vector<std::string>& ConformanceUris() {
  static const std::vector<std::string> uris = [] {
    std::vector<std::string> all;
    for (const Module* module : EnabledModules()) {
      for (Family family :
           {Family::kLanding, Family::kCollections, Family::kItems, Family::kItemSearch,
            Family::kAggregate}) {
        for (std::string_view uri : module->Conformance(family)) all.emplace_back(uri);
      }
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
  }();
  return uris;
}

void AppendConformsTo(std::string& out, bool browseable) {
  out += R"("conformsTo":[)";
  bool first = true;
  for (const std::string& uri : ConformanceUris()) {
    if (!browseable && uri == kBrowseableUri) continue;
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, uri);
  }
  out += ']';
}

bool IsPageParameter(std::string_view name) {
  return name == "limit" || name == "token" || name == "sortby" || name == "fields" ||
         name == "client_site";
}

namespace {

// Calls `visit` with every parameter of `family`: /aggregate takes the item search
// parameters that select items, so that a module's parameter (filter, query, q ...) works
// there as on /search without the module naming the family.
template <typename Visit>
void ForEachParameter(Family family, Visit visit) {
  for (const Module* module : EnabledModules()) {
    if (family == Family::kAggregate) {
      for (const Parameter& parameter : module->Parameters(Family::kItemSearch)) {
        if (!IsPageParameter(parameter.name)) visit(parameter);
      }
    }
    for (const Parameter& parameter : module->Parameters(family)) visit(parameter);
  }
}

}  // namespace

const Parameter* FindParameter(Family family, std::string_view name) {
  const Parameter* found = nullptr;
  ForEachParameter(family, [&](const Parameter& parameter) {
    if (found == nullptr && parameter.name == name) found = &parameter;
  });
  return found;
}

std::string ParameterNames(Family family) {
  std::string names;
  ForEachParameter(family, [&](const Parameter& parameter) {
    StrAppend(&names, names.empty() ? "" : ", ", parameter.name);
  });
  return names;
}

}  // namespace stacfed::search

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
      &FilterModule(),
      &QueryModule(),  // after the filter: its Finish joins the filter's tree
      &SortByModule(),
      &FreeTextModule(),  // after sort: an explicit sortby wins over relevance
  };
  return modules;
}

const std::vector<std::string>& ConformanceUris() {
  static const std::vector<std::string> uris = [] {
    std::vector<std::string> all;
    for (const Module* module : EnabledModules()) {
      for (Family family :
           {Family::kLanding, Family::kCollections, Family::kItems, Family::kItemSearch}) {
        for (std::string_view uri : module->Conformance(family)) all.emplace_back(uri);
      }
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
  }();
  return uris;
}

void AppendConformsTo(std::string& out) {
  out += R"("conformsTo":[)";
  bool first = true;
  for (const std::string& uri : ConformanceUris()) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, uri);
  }
  out += ']';
}

const Parameter* FindParameter(Family family, std::string_view name) {
  for (const Module* module : EnabledModules()) {
    for (const Parameter& parameter : module->Parameters(family)) {
      if (parameter.name == name) return &parameter;
    }
  }
  return nullptr;
}

std::string ParameterNames(Family family) {
  std::string names;
  for (const Module* module : EnabledModules()) {
    for (const Parameter& parameter : module->Parameters(family)) {
      StrAppend(&names, names.empty() ? "" : ", ", parameter.name);
    }
  }
  return names;
}

}  // namespace stacfed::search

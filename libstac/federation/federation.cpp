#include "libstac/federation/federation.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "libstac/base/strings.hpp"
#include "libstac/federation/validator.hpp"

namespace stacfed::federation {

std::string_view SiteKindName(SiteKind kind) {
  switch (kind) {
    case SiteKind::kHpc: return "hpc";
    case SiteKind::kCloud: return "cloud";
    case SiteKind::kArchive: return "archive";
    case SiteKind::kDatacentre: return "datacentre";
  }
  return "datacentre";
}

std::string_view StorageTierName(StorageTier tier) {
  switch (tier) {
    case StorageTier::kDisk: return "disk";
    case StorageTier::kObject: return "object";
    case StorageTier::kTape: return "tape";
    case StorageTier::kCache: return "cache";
  }
  return "disk";
}

std::string_view ChildKindName(ChildKind kind) {
  return kind == ChildKind::kCatalog ? "catalog" : "collection";
}

std::string_view HarvestTypeName(HarvestType type) {
  return type == HarvestType::kStatic ? "static" : "stac-api";
}

bool NamesCollection(const std::vector<std::string>& ids, std::string_view collection_id) {
  return std::any_of(ids.begin(), ids.end(), [&](const std::string& id) {
    return absl::EqualsIgnoreCase(ToAbsl(id), ToAbsl(collection_id));
  });
}

bool HarvestSource::Wants(std::string_view collection_id) const {
  if (!include_collections.empty() && !NamesCollection(include_collections, collection_id)) {
    return false;
  }
  return !NamesCollection(exclude_collections, collection_id);
}

const Catalog* Federation::FindCatalog(std::string_view id) const {
  for (const Catalog& catalog : catalogs) {
    if (catalog.id == id) return &catalog;
  }
  return nullptr;
}

const Site* Federation::FindSite(std::string_view id) const {
  for (const Site& site : sites) {
    if (site.id == id) return &site;
  }
  return nullptr;
}

std::vector<const Catalog*> Federation::HarvestedCatalogs() const {
  std::vector<const Catalog*> out;
  for (const Catalog& catalog : catalogs) {
    if (catalog.harvest) out.push_back(&catalog);
  }
  return out;
}

std::vector<const Catalog*> Federation::TopLevelCatalogs() const {
  std::set<std::string_view> children;
  for (const Catalog& catalog : catalogs) {
    for (const ChildRef& child : catalog.children) {
      if (child.kind == ChildKind::kCatalog) children.insert(child.id);
    }
  }
  std::vector<const Catalog*> out;
  for (const Catalog& catalog : catalogs) {
    if (!children.contains(catalog.id)) out.push_back(&catalog);
  }
  return out;
}

std::string ValidationError::ToString() const {
  return StrCat(pointer.empty() ? "/" : pointer, ": ", problem);
}

namespace {

Federation ReadAndCheck(std::string_view json, std::vector<ValidationError>& errors) {
  Federation federation = internal::ReadFederation(json, errors);
  // Reference checks on a structurally broken document would only add noise.
  if (errors.empty()) internal::CheckReferences(federation, errors);
  return federation;
}

}  // namespace

std::vector<ValidationError> ValidateFederation(std::string_view json) {
  std::vector<ValidationError> errors;
  ReadAndCheck(json, errors);
  return errors;
}

absl::StatusOr<Federation> ParseFederation(std::string_view json) {
  std::vector<ValidationError> errors;
  Federation federation = ReadAndCheck(json, errors);
  if (errors.empty()) return federation;
  std::string message = StrCat("invalid federation file (", errors.size(),
                               errors.size() == 1 ? " error):" : " errors):");
  for (const ValidationError& error : errors) StrAppend(&message, "\n  ", error.ToString());
  return absl::InvalidArgumentError(message);
}

absl::StatusOr<Federation> LoadFederationFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot read ", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  auto federation = ParseFederation(text.str());
  if (!federation.ok()) {
    return absl::InvalidArgumentError(
        StrCat(path.string(), ": ", std::string(federation.status().message())));
  }
  return federation;
}

}  // namespace stacfed::federation

#pragma once
// The federation file: one JSON document (schemas/federation.schema.json) that describes the
// catalog of catalogs: sites, catalogs with their re3data-modelled characterisation, the tree
// (a DAG: a catalog or collection may sit under several parents, never in a cycle) and, for
// catalogs fed from outside, where and how to harvest them.
//
// Readers: `stacfed federation apply|show` (cli/) and the crawler, which takes each catalog's
// `harvest` source from here. Writing the tree into the database is in apply.hpp.
//
// Example:
//   STACFED_ASSIGN_OR_RETURN(Federation federation, LoadFederationFile(path));
//   for (const Catalog* catalog : federation.HarvestedCatalogs()) {
//     const HarvestSource& source = *catalog->harvest;  // url, type, include/exclude, limits
//   }

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace stacfed::federation {

// The format version this code reads ("stacfed_federation": "1.4"; 1.1 added the sites'
// `hosts` and `paths`, 1.2 a child entry's `primary`, 1.3 the sites' `gateways` and
// `backends`, 1.4 a harvest source's `priority`, `collection_ids` and `collection_prefix`); minor versions only add optional fields, so any "1.x" is accepted.
inline constexpr std::string_view kFormatMajorVersion = "1";

enum class SiteKind { kHpc, kCloud, kArchive, kDatacentre };
std::string_view SiteKindName(SiteKind kind);  // "hpc", "cloud", "archive", "datacentre"

// A compute service at a site (JupyterHub, Slurm, Dask gateway, ...), for "compute next to
// the data" hints.
struct ComputeService {
  std::string type;  // free text, e.g. "jupyterhub", "slurm", "dask-gateway", "openeo"
  std::string href;
};

// The storage tiers of the site-access extension (`site:tier`).
enum class StorageTier { kDisk, kObject, kTape, kCache };
std::string_view StorageTierName(StorageTier tier);  // "disk", "object", "tape", "cache"

// A host that serves a site's data from storage behind it: an HTTPS download gateway in
// front of an object store (CDSE's zipper.dataspace.copernicus.eu), an S3 endpoint
// (eodata.dataspace.copernicus.eu). A copy reached through it is the copy in that storage,
// with its tier, not a copy of its own.
struct Gateway {
  std::string host;  // as in Site::hosts: a host name, or ".domain" for a whole domain
  StorageTier tier = StorageTier::kDisk;
};

// The id `site:ref` takes on a copy that no rule places at a site. No site may use it.
inline constexpr std::string_view kUnknownSiteId = "unknown";

// A place where data lives: the target of site locality (`site:ref`).
struct Site {
  std::string id;       // the key in "sites", e.g. "dkrz"
  std::string name;     // "Deutsches Klimarechenzentrum"
  std::string country;  // ISO 3166-1 alpha-2, e.g. "DE"
  SiteKind kind = SiteKind::kDatacentre;
  std::string operator_name;  // "operator" in the file; empty when not given
  std::string re3data;        // re3data id (r3d + 9 digits); empty when not given
  std::vector<ComputeService> compute;
  // Where the crawler recognises this site's copies (crawler/annotate): host names it serves
  // data from ("esgf-data.dkrz.de"; a leading '.' names a whole domain, ".dkrz.de") and
  // POSIX path prefixes that exist only there ("/pool/data"). Both optional (format 1.1).
  std::vector<std::string> hosts;
  std::vector<std::string> paths;
  // Hosts that serve this site's data from storage behind them, with that storage's tier
  // (format 1.3). A host is listed in `hosts` or here, not both.
  std::vector<Gateway> gateways;
  // Names data federations give this site as a backend in their items (DestinE HDA's
  // `federation:backends`: "dedt_lumi"), format 1.3.
  std::vector<std::string> backends;
};

// re3data-modelled description of a catalog (../shared/reference/access-hints.md section 4),
// the fields catalog search filters on. Field names follow re3data in snake_case; the
// vocabularies are re3data's.
struct Institution {
  std::string name;
  std::string country;  // ISO 3166-1 alpha-3 as in re3data ("DEU"; "AAA" international, "EEC" EU)
  std::string type;     // "commercial" | "non-profit" | empty
};
struct Characterisation {
  std::string re3data;  // re3data id of the repository, when it has one
  std::optional<Institution> institution;
  std::vector<std::string> repository_type;   // disciplinary, institutional, project-related, ...
  std::vector<std::string> provider_type;     // dataProvider, serviceProvider
  std::string data_access_type;               // open | embargoed | restricted | closed
  std::vector<std::string> data_access_restrictions;  // feeRequired, registration, ...
  std::string database_access_type;           // open | restricted | closed
  std::vector<std::string> api_type;          // FTP, NetCDF, OAI-PMH, OpenDAP, REST, ...
  std::vector<std::string> pid_system;        // DOI, hdl, ARK, PURL, URN, none
  std::vector<std::string> certificates;      // CoreTrustSeal, WDS, ...
  std::vector<std::string> vocabularies;      // controlled vocabularies behind search facets
  // The characterisation object exactly as written in the file (compact JSON, "{}" if absent),
  // stored in stacfed.catalogs.characterisation.
  std::string json = "{}";
};

enum class ChildKind { kCatalog, kCollection };
std::string_view ChildKindName(ChildKind kind);  // "catalog" | "collection"

struct ChildRef {
  ChildKind kind = ChildKind::kCollection;
  std::string id;
  // "primary": true in the file: this parent is the child's tree parent (the one parent whose
  // `child` link reaches it; its other parents link it as `related`). At most one parent may
  // mark a child; unmarked, the first parent in the file is the tree parent.
  bool primary = false;
  bool operator==(const ChildRef&) const = default;
  // The same catalog or collection, whatever the primary mark.
  bool SameNode(const ChildRef& other) const { return kind == other.kind && id == other.id; }
};

enum class HarvestType { kStacApi, kStatic };
std::string_view HarvestTypeName(HarvestType type);  // "stac-api" | "static"

// Where and how the crawler fetches a catalog fed from outside.
struct HarvestSource {
  std::string url;  // the root: a STAC API landing page or a static catalog document
  HarvestType type = HarvestType::kStacApi;
  // Remote collection ids, matched ignoring case (see NamesCollection). Empty include list:
  // every collection the source offers.
  std::vector<std::string> include_collections;
  std::vector<std::string> exclude_collections;
  std::optional<int64_t> max_items_per_collection;  // nullopt: no limit
  // "hourly" | "daily" | "weekly" or a systemd OnCalendar expression ("*-*-* 03:00:00").
  std::string schedule = "daily";
  double rate_limit_per_second = 2.0;  // requests per second to this source's host
  int concurrency = 2;                 // requests in flight to this source at once
  // Several sources offering one collection id make one collection (crawler/README.md):
  // the document of the source with the highest priority is served, file order breaking ties.
  int priority = 0;
  // Namesakes (an unrelated collection of another source with the same id) get a local id:
  // `collection_ids` maps an upstream id (compared ignoring case) to one, else
  // `collection_prefix` is put before every upstream id.
  std::vector<std::pair<std::string, std::string>> collection_ids;
  std::string collection_prefix;
  // The harvest object as written in the file (compact JSON), kept in stacfed.catalogs.harvest.
  std::string json = "{}";

  // True when a remote collection id passes the include/exclude lists.
  bool Wants(std::string_view collection_id) const;
};

// Whether an include or exclude list names `collection_id`. Ids are compared ignoring ASCII
// case: providers spell one collection in several cases (ESGF West advertises `cmip6` while
// its items say `CMIP6`), and an operator's list in another case must not drop it silently.
bool NamesCollection(const std::vector<std::string>& ids, std::string_view collection_id);

struct Catalog {
  std::string id;
  std::string title;  // empty when not given
  std::string description;
  std::vector<std::string> keywords;
  std::string providers_json = "[]";  // STAC Provider objects, compact JSON array
  std::string links_json = "[]";      // extra STAC links (about, license, describedby, ...)
  std::vector<std::string> sites;     // ids of Federation::sites holding this catalog's data
  Characterisation characterisation;
  std::vector<ChildRef> children;  // in file order (the order child links are listed in)
  std::optional<HarvestSource> harvest;
  std::string pointer;  // JSON pointer of this catalog in the file ("/catalogs/3"), for messages
};

struct Federation {
  std::string version;       // "1.0"
  std::vector<Site> sites;   // in file order
  std::vector<Catalog> catalogs;  // in file order

  const Catalog* FindCatalog(std::string_view id) const;
  const Site* FindSite(std::string_view id) const;
  // Catalogs with a harvest source, in file order.
  std::vector<const Catalog*> HarvestedCatalogs() const;
  // Catalogs that are nobody's child: the landing page's children, in file order.
  std::vector<const Catalog*> TopLevelCatalogs() const;
};

// One problem found in a federation file: where (a JSON pointer, "" for the document) and what.
struct ValidationError {
  std::string pointer;
  std::string problem;
  std::string ToString() const;  // "/catalogs/3/children/1: unknown catalog \"esgf-wst\""
};

// Parses and validates a federation document: structure and vocabularies as in
// schemas/federation.schema.json, then what a schema cannot say (unique ids, children and
// sites that exist, no cycles, one primary parent per child). On failure the status is InvalidArgument and its message lists
// every error found, one "pointer: problem" per line.
absl::StatusOr<Federation> ParseFederation(std::string_view json);
absl::StatusOr<Federation> LoadFederationFile(const std::filesystem::path& path);

// The same checks, returning every error instead of a status (empty: the document is valid).
std::vector<ValidationError> ValidateFederation(std::string_view json);

}  // namespace stacfed::federation

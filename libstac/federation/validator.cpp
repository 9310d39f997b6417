// Validation of federation documents. The rules mirror schemas/federation.schema.json one for
// one (tests/federation/test_schema.py keeps the two honest); every error names the JSON
// pointer of the offending value so a person can find it in a long file.

#include "libstac/federation/validator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "absl/strings/ascii.h"
#include "libstac/base/strings.hpp"

namespace stacfed::federation::internal {
namespace {

namespace json = boost::json;
using Names = std::span<const std::string_view>;

// ---- Vocabularies (re3data 2.2/4.0 where the field comes from re3data) ----

constexpr std::array<std::string_view, 4> kRootAllProperties = {"$schema", "stacfed_federation",
                                                                "sites", "catalogs"};
constexpr std::array<std::string_view, 10> kSiteProperties = {
    "name",  "country", "kind",     "operator", "re3data",
    "hosts", "paths",   "gateways", "backends", "compute"};
constexpr std::array<std::string_view, 2> kGatewayProperties = {"host", "tier"};
constexpr std::array<std::string_view, 2> kGatewayRequired = {"host", "tier"};
constexpr std::array<std::string_view, 4> kStorageTiers = {"disk", "object", "tape", "cache"};
constexpr std::array<std::string_view, 3> kSiteRequired = {"name", "country", "kind"};
constexpr std::array<std::string_view, 4> kSiteKinds = {"hpc", "cloud", "archive", "datacentre"};
constexpr std::array<std::string_view, 3> kComputeProperties = {"type", "href", "title"};
constexpr std::array<std::string_view, 2> kComputeRequired = {"type", "href"};
constexpr std::array<std::string_view, 10> kCatalogProperties = {
    "id",    "title", "description", "keywords", "providers", "links",
    "sites", "characterisation",     "children", "harvest"};
constexpr std::array<std::string_view, 2> kCatalogRequired = {"id", "description"};
constexpr std::array<std::string_view, 4> kProviderRoles = {"licensor", "producer", "processor",
                                                            "host"};
constexpr std::array<std::string_view, 12> kCharacterisationProperties = {
    "re3data",        "institution",  "repository_type",          "provider_type",
    "data_access_type", "data_access_restrictions", "database_access_type", "api_type",
    "pid_system",     "certificates", "vocabularies",             "repository_url"};
constexpr std::array<std::string_view, 3> kInstitutionProperties = {"name", "country", "type"};
constexpr std::array<std::string_view, 1> kInstitutionRequired = {"name"};
constexpr std::array<std::string_view, 2> kInstitutionTypes = {"commercial", "non-profit"};
constexpr std::array<std::string_view, 6> kRepositoryTypes = {
    "disciplinary", "governmental", "institutional", "multidisciplinary", "project-related",
    "other"};
constexpr std::array<std::string_view, 2> kProviderTypes = {"dataProvider", "serviceProvider"};
constexpr std::array<std::string_view, 4> kDataAccessTypes = {"open", "embargoed", "restricted",
                                                              "closed"};
constexpr std::array<std::string_view, 4> kDataAccessRestrictions = {
    "feeRequired", "registration", "institutional membership", "other"};
constexpr std::array<std::string_view, 3> kDatabaseAccessTypes = {"open", "restricted", "closed"};
constexpr std::array<std::string_view, 9> kApiTypes = {"FTP",    "NetCDF", "OAI-PMH",
                                                       "OpenDAP", "REST",  "SOAP",
                                                       "SPARQL", "SWORD",  "other"};
constexpr std::array<std::string_view, 7> kPidSystems = {"ARK", "DOI",   "hdl", "PURL",
                                                         "URN", "other", "none"};
constexpr std::array<std::string_view, 12> kCertificates = {
    "CLARIN certificate B", "CoreTrustSeal", "DIN 31644", "DINI Certificate",
    "DSA",                  "ISO 16363",     "ISO 16919", "RatSWD",
    "TRAC",                 "Trusted Digital Repository", "WDS", "other"};
constexpr std::array<std::string_view, 11> kHarvestProperties = {
    "url",      "type",        "include_collections",   "exclude_collections",
    "max_items_per_collection", "schedule", "rate_limit_per_second", "concurrency",
    "priority", "collection_ids", "collection_prefix"};
constexpr std::array<std::string_view, 2> kHarvestRequired = {"url", "type"};
constexpr std::array<std::string_view, 2> kHarvestTypes = {"stac-api", "static"};
constexpr std::array<std::string_view, 2> kChildKinds = {"catalog", "collection"};

constexpr size_t kMaxIdLength = 128;
constexpr int kMaxConcurrency = 64;
constexpr double kMaxRatePerSecond = 1000;

// ---- String formats (the schema's "pattern"s) ----

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsUpperLetters(std::string_view s, size_t length) {
  return s.size() == length &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}
// Ids end up in URL paths (/catalogs/{id}): ^[A-Za-z0-9][A-Za-z0-9._-]*$, at most 128.
bool IsId(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdLength || !IsAsciiAlnum(s[0])) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '-'; });
}
bool IsAlpha2(std::string_view s) { return IsUpperLetters(s, 2); }
bool IsAlpha3(std::string_view s) { return IsUpperLetters(s, 3); }
bool IsRe3dataId(std::string_view s) {
  return s.size() == 12 && s.substr(0, 3) == "r3d" &&
         std::all_of(s.begin() + 3, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
// ^https?://[^\s/]+\S*$
bool IsHttpUrl(std::string_view s) {
  size_t rest = s.starts_with("https://") ? 8 : s.starts_with("http://") ? 7 : 0;
  if (rest == 0 || rest >= s.size() || s[rest] == '/') return false;
  return std::none_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n'; });
}
// A host name, or a domain with a leading '.' (".dkrz.de"): labels of letters, digits and
// inner '-', at most 253 characters:
// ^\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$
bool IsHostPattern(std::string_view s) {
  if (s.size() > 253) return false;
  if (s.starts_with('.')) s.remove_prefix(1);
  if (s.empty()) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty() || !IsAsciiAlnum(label.front()) || !IsAsciiAlnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return IsAsciiAlnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}
// An absolute POSIX path prefix other than "/" itself, without empty segments or white
// space: ^(/[^/\s]+)+/?$
bool IsPathPrefix(std::string_view s) {
  if (s.ends_with('/')) s.remove_suffix(1);
  if (s.empty() || s[0] != '/' || s.back() == '/' || s.find("//") != std::string_view::npos) {
    return false;
  }
  return std::none_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}
// "hourly", "daily", "weekly" or a systemd OnCalendar expression: ^[0-9A-Za-z*,./:~ +-]+$.
bool IsSchedule(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return IsAsciiAlnum(c) || std::string_view("*,./:~ +-").find(c) != std::string_view::npos;
  });
}

struct StringRule {
  Names one_of = {};                            // empty: any non-empty string
  bool (*format)(std::string_view) = nullptr;  // nullptr: any non-empty string
  std::string_view expected = {};              // what the format wants, for the message
};

constexpr StringRule kAnyString{};
constexpr StringRule kIdRule{{}, IsId, "an id of letters, digits, '.', '_' and '-' "
                                      "starting with a letter or digit (at most 128)"};
constexpr StringRule kUrlRule{{}, IsHttpUrl, "an http(s) URL"};
constexpr StringRule kHostRule{{}, IsHostPattern,
                               "a host name, or a domain with a leading '.' (\".dkrz.de\")"};
constexpr StringRule kPathRule{{}, IsPathPrefix, "an absolute POSIX path such as \"/pool/data\""};

std::string Quoted(std::string_view s) { return JsonString(s); }

std::string JoinQuoted(Names names) {
  std::string out;
  for (std::string_view name : names) StrAppend(&out, out.empty() ? "" : ", ", Quoted(name));
  return out;
}

std::string KindName(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

std::string_view View(json::string_view s) { return {s.data(), s.size()}; }

// Walks the document once, building the Federation and collecting every error.
class Reader {
 public:
  explicit Reader(std::vector<ValidationError>& errors) : errors_(errors) {}

  Federation Read(const json::value& root) {
    Federation federation;
    const json::object* object = Object(root, "");
    if (object == nullptr) return federation;
    CheckProperties(*object, "", kRootAllProperties, {});
    if (object->if_contains("stacfed_federation") == nullptr) {
      Error("", "missing required property \"stacfed_federation\"");
    }
    if (object->if_contains("catalogs") == nullptr) {
      Error("", "missing required property \"catalogs\"");
    }
    if (const json::value* version = object->if_contains("stacfed_federation")) {
      ReadVersion(*version, federation);
    }
    if (const json::value* schema = object->if_contains("$schema")) {
      ReadString(*schema, "/$schema", kAnyString);
    }
    if (const json::value* sites = object->if_contains("sites")) ReadSites(*sites, federation);
    if (const json::value* catalogs = object->if_contains("catalogs")) {
      ReadCatalogs(*catalogs, federation);
    }
    return federation;
  }

 private:
  void Error(std::string_view pointer, std::string problem) {
    errors_.push_back({std::string(pointer), std::move(problem)});
  }

  const json::object* Object(const json::value& value, std::string_view pointer) {
    if (const json::object* object = value.if_object()) return object;
    Error(pointer, StrCat("expected an object, got ", KindName(value)));
    return nullptr;
  }
  const json::array* Array(const json::value& value, std::string_view pointer) {
    if (const json::array* array = value.if_array()) return array;
    Error(pointer, StrCat("expected an array, got ", KindName(value)));
    return nullptr;
  }

  // additionalProperties: false, plus "required".
  void CheckProperties(const json::object& object, std::string_view pointer, Names allowed,
                       Names required) {
    for (const auto& member : object) {
      std::string_view key = View(member.key());
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Error(StrCat(pointer, "/", EscapePointerToken(key)),
              StrCat("unknown property ", Quoted(key), " (expected one of ", JoinQuoted(allowed),
                     ")"));
      }
    }
    for (std::string_view key : required) {
      CheckRequired(object, pointer, key);
    }
  }

  std::optional<std::string> ReadString(const json::value& value, std::string_view pointer,
                                        const StringRule& rule) {
    const json::string* string = value.if_string();
    if (string == nullptr) {
      Error(pointer, StrCat("expected a string, got ", KindName(value)));
      return std::nullopt;
    }
    std::string_view text = View(*string);
    if (text.empty()) {
      Error(pointer, "must not be empty");
      return std::nullopt;
    }
    if (!rule.one_of.empty() &&
        std::find(rule.one_of.begin(), rule.one_of.end(), text) == rule.one_of.end()) {
      Error(pointer, StrCat(Quoted(text), " is not one of ", JoinQuoted(rule.one_of)));
      return std::nullopt;
    }
    if (rule.format != nullptr && !rule.format(text)) {
      Error(pointer, StrCat(Quoted(text), " is not ", rule.expected));
      return std::nullopt;
    }
    return std::string(text);
  }

  // Reads object[key] when present; `out` keeps its value when the property is absent.
  void OptionalString(const json::object& object, std::string_view key, std::string_view pointer,
                      const StringRule& rule, std::string& out) {
    if (const json::value* value = Member(object, key)) {
      if (auto text = ReadString(*value, StrCat(pointer, "/", key), rule)) out = std::move(*text);
    }
  }

  // An array of unique non-empty strings ("uniqueItems": true).
  std::vector<std::string> ReadStringArray(const json::value& value, std::string_view pointer,
                                           const StringRule& rule) {
    std::vector<std::string> out;
    const json::array* array = Array(value, pointer);
    if (array == nullptr) return out;
    for (size_t i = 0; i < array->size(); ++i) {
      std::string element_pointer = StrCat(pointer, "/", i);
      auto text = ReadString((*array)[i], element_pointer, rule);
      if (!text) continue;
      if (std::find(out.begin(), out.end(), *text) != out.end()) {
        Error(element_pointer, StrCat("duplicate value ", Quoted(*text)));
        continue;
      }
      out.push_back(std::move(*text));
    }
    return out;
  }
  void OptionalStringArray(const json::object& object, std::string_view key,
                           std::string_view pointer, const StringRule& rule,
                           std::vector<std::string>& out) {
    if (const json::value* value = Member(object, key)) {
      out = ReadStringArray(*value, StrCat(pointer, "/", key), rule);
    }
  }

  static const json::value* Member(const json::object& object, std::string_view key) {
    return object.if_contains(json::string_view(key.data(), key.size()));
  }

  // A JSON number that is an integer (1.0 counts, as in JSON Schema) within [min, max].
  std::optional<int64_t> ReadInteger(const json::value& value, std::string_view pointer,
                                     int64_t min, int64_t max) {
    std::optional<int64_t> number;
    if (const int64_t* i = value.if_int64()) number = *i;
    if (const uint64_t* u = value.if_uint64()) {
      if (*u <= static_cast<uint64_t>(max)) number = static_cast<int64_t>(*u);
      else number = max + 1;  // reported as out of range below
    }
    if (const double* d = value.if_double(); d && std::trunc(*d) == *d && std::abs(*d) < 9e15) {
      number = static_cast<int64_t>(*d);
    }
    if (!number) {
      Error(pointer, StrCat("expected an integer, got ", KindName(value)));
      return std::nullopt;
    }
    if (*number < min || *number > max) {
      Error(pointer, StrCat(*number, " is out of range [", min, ", ", max, "]"));
      return std::nullopt;
    }
    return number;
  }

  void ReadVersion(const json::value& value, Federation& federation) {
    auto version = ReadString(value, "/stacfed_federation", kAnyString);
    if (!version) return;
    // ^1\.[0-9]+$: minor versions only add optional fields.
    std::string_view v = *version;
    bool ok = v.size() > 2 && v.substr(0, 2) == StrCat(kFormatMajorVersion, ".") &&
              std::all_of(v.begin() + 2, v.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!ok) {
      Error("/stacfed_federation",
            StrCat("unsupported version ", Quoted(v), " (this stacfed reads 1.x)"));
      return;
    }
    federation.version = *version;
  }

  // ---- sites ----

  void ReadSites(const json::value& value, Federation& federation) {
    const json::object* sites = Object(value, "/sites");
    if (sites == nullptr) return;
    for (const auto& member : *sites) {
      std::string_view id = View(member.key());
      std::string pointer = StrCat("/sites/", EscapePointerToken(id));
      if (!IsId(id)) Error(pointer, StrCat("site id ", Quoted(id), " is not ", kIdRule.expected));
      if (id == kUnknownSiteId) {
        Error(pointer, StrCat("site id ", Quoted(id),
                              " is reserved: it is the site:ref of copies no rule locates"));
      }
      Site site = ReadSite(member.value(), pointer);
      site.id = std::string(id);
      federation.sites.push_back(std::move(site));
    }
  }

  Site ReadSite(const json::value& value, std::string_view pointer) {
    Site site;
    const json::object* object = Object(value, pointer);
    if (object == nullptr) return site;
    CheckProperties(*object, pointer, kSiteProperties, kSiteRequired);
    OptionalString(*object, "name", pointer, kAnyString, site.name);
    OptionalString(*object, "country", pointer,
                   {{}, IsAlpha2, "an ISO 3166-1 alpha-2 country code such as \"DE\""},
                   site.country);
    std::string kind;
    OptionalString(*object, "kind", pointer, {kSiteKinds}, kind);
    for (size_t i = 0; i < kSiteKinds.size(); ++i) {
      if (kind == kSiteKinds[i]) site.kind = static_cast<SiteKind>(i);
    }
    OptionalString(*object, "operator", pointer, kAnyString, site.operator_name);
    OptionalString(*object, "re3data", pointer,
                   {{}, IsRe3dataId, "a re3data id such as \"r3d100010299\""}, site.re3data);
    OptionalStringArray(*object, "hosts", pointer, kHostRule, site.hosts);
    OptionalStringArray(*object, "paths", pointer, kPathRule, site.paths);
    if (const json::value* gateways = Member(*object, "gateways")) {
      site.gateways = ReadGateways(*gateways, StrCat(pointer, "/gateways"));
    }
    OptionalStringArray(*object, "backends", pointer, kAnyString, site.backends);
    if (const json::value* compute = Member(*object, "compute")) {
      site.compute = ReadCompute(*compute, StrCat(pointer, "/compute"));
    }
    return site;
  }

  // [{"host": <host>, "tier": disk|object|tape|cache}], unique items.
  std::vector<Gateway> ReadGateways(const json::value& value, std::string_view pointer) {
    std::vector<Gateway> gateways;
    const json::array* array = Array(value, pointer);
    if (array == nullptr) return gateways;
    for (size_t i = 0; i < array->size(); ++i) {
      std::string element_pointer = StrCat(pointer, "/", i);
      const json::object* object = Object((*array)[i], element_pointer);
      if (object == nullptr) continue;
      CheckProperties(*object, element_pointer, kGatewayProperties, kGatewayRequired);
      Gateway gateway;
      OptionalString(*object, "host", element_pointer, kHostRule, gateway.host);
      std::string tier;
      OptionalString(*object, "tier", element_pointer, {kStorageTiers}, tier);
      if (gateway.host.empty() || tier.empty()) continue;
      for (size_t t = 0; t < kStorageTiers.size(); ++t) {
        if (tier == kStorageTiers[t]) gateway.tier = static_cast<StorageTier>(t);
      }
      const bool duplicate = std::any_of(gateways.begin(), gateways.end(), [&](const Gateway& g) {
        return g.host == gateway.host && g.tier == gateway.tier;
      });
      if (duplicate) {
        Error(element_pointer, StrCat("duplicate gateway ", Quoted(gateway.host)));
        continue;
      }
      gateways.push_back(std::move(gateway));
    }
    return gateways;
  }

  std::vector<ComputeService> ReadCompute(const json::value& value, std::string_view pointer) {
    std::vector<ComputeService> services;
    const json::array* array = Array(value, pointer);
    if (array == nullptr) return services;
    for (size_t i = 0; i < array->size(); ++i) {
      std::string element_pointer = StrCat(pointer, "/", i);
      const json::object* object = Object((*array)[i], element_pointer);
      if (object == nullptr) continue;
      CheckProperties(*object, element_pointer, kComputeProperties, kComputeRequired);
      ComputeService service;
      OptionalString(*object, "type", element_pointer, kAnyString, service.type);
      OptionalString(*object, "href", element_pointer, kUrlRule, service.href);
      std::string title;
      OptionalString(*object, "title", element_pointer, kAnyString, title);
      services.push_back(std::move(service));
    }
    return services;
  }

  // ---- catalogs ----

  void ReadCatalogs(const json::value& value, Federation& federation) {
    const json::array* catalogs = Array(value, "/catalogs");
    if (catalogs == nullptr) return;
    if (catalogs->empty()) Error("/catalogs", "must list at least one catalog");
    for (size_t i = 0; i < catalogs->size(); ++i) {
      federation.catalogs.push_back(ReadCatalog((*catalogs)[i], StrCat("/catalogs/", i)));
    }
  }

  Catalog ReadCatalog(const json::value& value, std::string pointer) {
    Catalog catalog;
    catalog.pointer = pointer;
    const json::object* object = Object(value, pointer);
    if (object == nullptr) return catalog;
    CheckProperties(*object, pointer, kCatalogProperties, kCatalogRequired);
    OptionalString(*object, "id", pointer, kIdRule, catalog.id);
    OptionalString(*object, "title", pointer, kAnyString, catalog.title);
    OptionalString(*object, "description", pointer, kAnyString, catalog.description);
    OptionalStringArray(*object, "keywords", pointer, kAnyString, catalog.keywords);
    OptionalStringArray(*object, "sites", pointer, kIdRule, catalog.sites);
    if (const json::value* providers = Member(*object, "providers")) {
      if (CheckProviders(*providers, StrCat(pointer, "/providers"))) {
        catalog.providers_json = json::serialize(*providers);
      }
    }
    if (const json::value* links = Member(*object, "links")) {
      if (CheckLinks(*links, StrCat(pointer, "/links"))) catalog.links_json = json::serialize(*links);
    }
    if (const json::value* characterisation = Member(*object, "characterisation")) {
      catalog.characterisation =
          ReadCharacterisation(*characterisation, StrCat(pointer, "/characterisation"));
    }
    if (const json::value* children = Member(*object, "children")) {
      catalog.children = ReadChildren(*children, StrCat(pointer, "/children"));
    }
    if (const json::value* harvest = Member(*object, "harvest")) {
      catalog.harvest = ReadHarvest(*harvest, StrCat(pointer, "/harvest"));
    }
    return catalog;
  }

  // STAC Provider objects: name required, roles from STAC's list; other fields pass through.
  bool CheckProviders(const json::value& value, std::string_view pointer) {
    size_t errors_before = errors_.size();
    const json::array* array = Array(value, pointer);
    if (array == nullptr) return false;
    for (size_t i = 0; i < array->size(); ++i) {
      std::string element_pointer = StrCat(pointer, "/", i);
      const json::object* object = Object((*array)[i], element_pointer);
      if (object == nullptr) continue;
      CheckRequired(*object, element_pointer, "name");
      std::string ignored;
      OptionalString(*object, "name", element_pointer, kAnyString, ignored);
      OptionalString(*object, "description", element_pointer, kAnyString, ignored);
      OptionalString(*object, "url", element_pointer, kUrlRule, ignored);
      std::vector<std::string> roles;
      OptionalStringArray(*object, "roles", element_pointer, {kProviderRoles}, roles);
    }
    return errors_.size() == errors_before;
  }

  // STAC Link objects: rel and href required; other fields (type, title, method, ...) pass.
  bool CheckLinks(const json::value& value, std::string_view pointer) {
    size_t errors_before = errors_.size();
    const json::array* array = Array(value, pointer);
    if (array == nullptr) return false;
    for (size_t i = 0; i < array->size(); ++i) {
      std::string element_pointer = StrCat(pointer, "/", i);
      const json::object* object = Object((*array)[i], element_pointer);
      if (object == nullptr) continue;
      CheckRequired(*object, element_pointer, "rel");
      CheckRequired(*object, element_pointer, "href");
      std::string ignored;
      OptionalString(*object, "rel", element_pointer, kAnyString, ignored);
      OptionalString(*object, "href", element_pointer, kAnyString, ignored);
      OptionalString(*object, "type", element_pointer, kAnyString, ignored);
      OptionalString(*object, "title", element_pointer, kAnyString, ignored);
      if (const json::value* rel = Member(*object, "rel"); rel && rel->is_string()) {
        std::string_view r = View(rel->get_string());
        if (r == "self" || r == "root" || r == "parent" || r == "child" || r == "item") {
          Error(StrCat(element_pointer, "/rel"),
                StrCat("rel ", Quoted(r), " is generated by the server; describe the tree "
                       "with \"children\""));
        }
      }
    }
    return errors_.size() == errors_before;
  }

  void CheckRequired(const json::object& object, std::string_view pointer, std::string_view key) {
    if (Member(object, key) == nullptr) {
      Error(pointer, StrCat("missing required property ", Quoted(key)));
    }
  }

  Characterisation ReadCharacterisation(const json::value& value, std::string_view pointer) {
    Characterisation c;
    const json::object* object = Object(value, pointer);
    if (object == nullptr) return c;
    c.json = json::serialize(value);
    CheckProperties(*object, pointer, kCharacterisationProperties, {});
    OptionalString(*object, "re3data", pointer,
                   {{}, IsRe3dataId, "a re3data id such as \"r3d100010299\""}, c.re3data);
    std::string ignored_url;
    OptionalString(*object, "repository_url", pointer, kUrlRule, ignored_url);
    if (const json::value* institution = Member(*object, "institution")) {
      c.institution = ReadInstitution(*institution, StrCat(pointer, "/institution"));
    }
    OptionalStringArray(*object, "repository_type", pointer, {kRepositoryTypes}, c.repository_type);
    OptionalStringArray(*object, "provider_type", pointer, {kProviderTypes}, c.provider_type);
    OptionalString(*object, "data_access_type", pointer, {kDataAccessTypes}, c.data_access_type);
    OptionalStringArray(*object, "data_access_restrictions", pointer, {kDataAccessRestrictions},
                        c.data_access_restrictions);
    OptionalString(*object, "database_access_type", pointer, {kDatabaseAccessTypes},
                   c.database_access_type);
    OptionalStringArray(*object, "api_type", pointer, {kApiTypes}, c.api_type);
    OptionalStringArray(*object, "pid_system", pointer, {kPidSystems}, c.pid_system);
    OptionalStringArray(*object, "certificates", pointer, {kCertificates}, c.certificates);
    OptionalStringArray(*object, "vocabularies", pointer, kAnyString, c.vocabularies);
    return c;
  }

  std::optional<Institution> ReadInstitution(const json::value& value, std::string_view pointer) {
    const json::object* object = Object(value, pointer);
    if (object == nullptr) return std::nullopt;
    CheckProperties(*object, pointer, kInstitutionProperties, kInstitutionRequired);
    Institution institution;
    OptionalString(*object, "name", pointer, kAnyString, institution.name);
    OptionalString(*object, "country", pointer,
                   {{}, IsAlpha3,
                    "an ISO 3166-1 alpha-3 country code as re3data uses (\"DEU\"; \"AAA\" "
                    "international, \"EEC\" European Union)"},
                   institution.country);
    OptionalString(*object, "type", pointer, {kInstitutionTypes}, institution.type);
    return institution;
  }

  // Each child is {"catalog": id} or {"collection": id}, exactly one of the two, optionally
  // with "primary": true (this parent is the child's tree parent).
  std::vector<ChildRef> ReadChildren(const json::value& value, std::string_view pointer) {
    std::vector<ChildRef> children;
    const json::array* array = Array(value, pointer);
    if (array == nullptr) return children;
    for (size_t i = 0; i < array->size(); ++i) {
      std::string element_pointer = StrCat(pointer, "/", i);
      const json::object* object = Object((*array)[i], element_pointer);
      if (object == nullptr) continue;
      const json::value* catalog = Member(*object, "catalog");
      const json::value* collection = Member(*object, "collection");
      const json::value* primary = Member(*object, "primary");
      if (object->size() != (primary == nullptr ? 1u : 2u) ||
          (catalog == nullptr) == (collection == nullptr)) {
        Error(element_pointer,
              "a child is {\"catalog\": \"<id>\"} or {\"collection\": \"<id>\"}, exactly one of "
              "the two, optionally with \"primary\": true");
        continue;
      }
      ChildRef child;
      child.kind = catalog != nullptr ? ChildKind::kCatalog : ChildKind::kCollection;
      const std::string_view key = ChildKindName(child.kind);
      // Collection ids come from upstream (ESGF "CMIP6", DestinE "EO.ESA.DAT...."): any
      // non-empty string; catalog ids are ours and must be URL-safe.
      const StringRule& rule = child.kind == ChildKind::kCatalog ? kIdRule : kAnyString;
      auto id = ReadString(catalog != nullptr ? *catalog : *collection,
                           StrCat(element_pointer, "/", key), rule);
      if (primary != nullptr) {
        if (const bool* flag = primary->if_bool()) {
          child.primary = *flag;
        } else {
          Error(StrCat(element_pointer, "/primary"),
                StrCat("expected a boolean, got ", KindName(*primary)));
          continue;
        }
      }
      if (!id) continue;
      child.id = std::move(*id);
      children.push_back(std::move(child));
    }
    return children;
  }

  std::optional<HarvestSource> ReadHarvest(const json::value& value, std::string_view pointer) {
    const json::object* object = Object(value, pointer);
    if (object == nullptr) return std::nullopt;
    CheckProperties(*object, pointer, kHarvestProperties, kHarvestRequired);
    HarvestSource source;
    source.json = json::serialize(value);
    OptionalString(*object, "url", pointer, kUrlRule, source.url);
    std::string type;
    OptionalString(*object, "type", pointer, {kHarvestTypes}, type);
    source.type = type == "static" ? HarvestType::kStatic : HarvestType::kStacApi;
    OptionalStringArray(*object, "include_collections", pointer, kAnyString,
                        source.include_collections);
    OptionalStringArray(*object, "exclude_collections", pointer, kAnyString,
                        source.exclude_collections);
    if (const json::value* max = Member(*object, "max_items_per_collection")) {
      source.max_items_per_collection = ReadInteger(
          *max, StrCat(pointer, "/max_items_per_collection"), 0, int64_t{1} << 40);
    }
    OptionalString(*object, "schedule", pointer,
                   {{}, IsSchedule,
                    "\"hourly\", \"daily\", \"weekly\" or a systemd OnCalendar expression"},
                   source.schedule);
    if (const json::value* rate = Member(*object, "rate_limit_per_second")) {
      ReadRate(*rate, StrCat(pointer, "/rate_limit_per_second"), source);
    }
    if (const json::value* concurrency = Member(*object, "concurrency")) {
      if (auto n = ReadInteger(*concurrency, StrCat(pointer, "/concurrency"), 1, kMaxConcurrency)) {
        source.concurrency = static_cast<int>(*n);
      }
    }
    if (const json::value* priority = Member(*object, "priority")) {
      if (auto n = ReadInteger(*priority, StrCat(pointer, "/priority"), -1000, 1000)) {
        source.priority = static_cast<int>(*n);
      }
    }
    if (const json::value* ids = Member(*object, "collection_ids")) {
      ReadCollectionIds(*ids, StrCat(pointer, "/collection_ids"), source);
    }
    OptionalString(*object, "collection_prefix", pointer, kIdRule, source.collection_prefix);
    return source;
  }

  // {"upstream id": "local id", ...}: local ids are ids; two upstream ids differing only in
  // case would be one.
  void ReadCollectionIds(const json::value& value, std::string_view pointer, HarvestSource& source) {
    const json::object* object = Object(value, pointer);
    if (object == nullptr) return;
    for (const json::key_value_pair& member : *object) {
      const std::string upstream(member.key());
      const std::string at = StrCat(pointer, "/", upstream);
      if (upstream.empty()) {
        Error(at, "an upstream collection id may not be empty");
        continue;
      }
      if (NamesCollection(UpstreamIds(source), upstream)) {
        Error(at, StrCat("upstream collection id ", Quoted(upstream),
                         " is listed twice (ids are compared ignoring case)"));
        continue;
      }
      const json::string* local = member.value().if_string();
      if (local == nullptr || !IsId(std::string_view(local->data(), local->size()))) {
        Error(at, StrCat("expected ", kIdRule.expected));
        continue;
      }
      source.collection_ids.emplace_back(upstream, std::string(*local));
    }
  }

  static std::vector<std::string> UpstreamIds(const HarvestSource& source) {
    std::vector<std::string> ids;
    for (const auto& [upstream, local] : source.collection_ids) ids.push_back(upstream);
    return ids;
  }

  // exclusiveMinimum 0, maximum 1000.
  void ReadRate(const json::value& value, std::string_view pointer, HarvestSource& source) {
    if (!value.is_number()) {
      Error(pointer, StrCat("expected a number, got ", KindName(value)));
      return;
    }
    double rate = value.is_double() ? value.get_double()
                  : value.is_int64() ? static_cast<double>(value.get_int64())
                                     : static_cast<double>(value.get_uint64());
    if (!(rate > 0 && rate <= kMaxRatePerSecond)) {
      Error(pointer, StrCat(rate, " is out of range (0, ", kMaxRatePerSecond, "]"));
      return;
    }
    source.rate_limit_per_second = rate;
  }

  std::vector<ValidationError>& errors_;
};

// ---- Reference checks ----

struct Edge {
  size_t child_index;
  std::string pointer;  // of the child entry, e.g. "/catalogs/2/children/0"
};

// Depth-first search over catalog -> catalog edges; every back edge closes a cycle, reported
// at the child entry that closes it, with the path around it.
class CycleFinder {
 public:
  CycleFinder(const Federation& federation, const std::vector<std::vector<Edge>>& edges,
              std::vector<ValidationError>& errors)
      : federation_(federation), edges_(edges), errors_(errors),
        state_(federation.catalogs.size(), State::kUnvisited) {}

  void Run() {
    for (size_t i = 0; i < state_.size(); ++i) {
      if (state_[i] == State::kUnvisited) Visit(i);
    }
  }

 private:
  enum class State { kUnvisited, kOnPath, kDone };

  void Visit(size_t node) {
    state_[node] = State::kOnPath;
    path_.push_back(node);
    for (const Edge& edge : edges_[node]) {
      if (state_[edge.child_index] == State::kOnPath) {
        Report(edge);
      } else if (state_[edge.child_index] == State::kUnvisited) {
        Visit(edge.child_index);
      }
    }
    path_.pop_back();
    state_[node] = State::kDone;
  }

  void Report(const Edge& edge) {
    auto start = std::find(path_.begin(), path_.end(), edge.child_index);
    std::string cycle;
    for (auto it = start; it != path_.end(); ++it) {
      StrAppend(&cycle, federation_.catalogs[*it].id, " -> ");
    }
    StrAppend(&cycle, federation_.catalogs[edge.child_index].id);
    errors_.push_back({edge.pointer, StrCat("cycle: ", cycle)});
  }

  const Federation& federation_;
  const std::vector<std::vector<Edge>>& edges_;
  std::vector<ValidationError>& errors_;
  std::vector<State> state_;
  std::vector<size_t> path_;
};

// Catalog ids must be unique; returns id -> index of its first occurrence.
std::map<std::string, size_t, std::less<>> IndexCatalogs(const Federation& federation,
                                                         std::vector<ValidationError>& errors) {
  std::map<std::string, size_t, std::less<>> index;
  for (size_t i = 0; i < federation.catalogs.size(); ++i) {
    const Catalog& catalog = federation.catalogs[i];
    if (catalog.id.empty()) continue;  // already reported
    auto [it, inserted] = index.emplace(catalog.id, i);
    if (!inserted) {
      errors.push_back({StrCat(catalog.pointer, "/id"),
                        StrCat("duplicate catalog id ", Quoted(catalog.id), " (first at ",
                               federation.catalogs[it->second].pointer, ")")});
    }
  }
  return index;
}

void CheckSites(const Federation& federation, const Catalog& catalog,
                std::vector<ValidationError>& errors) {
  for (size_t s = 0; s < catalog.sites.size(); ++s) {
    if (federation.FindSite(catalog.sites[s]) == nullptr) {
      errors.push_back({StrCat(catalog.pointer, "/sites/", s),
                        StrCat("unknown site ", Quoted(catalog.sites[s]))});
    }
  }
}

// A host, path prefix or backend name names one site: the crawler could not tell which site a
// copy there belongs to. Within a site, a host is a plain host or a gateway with one tier:
// the crawler could not tell the copy's tier. Hosts compare case-insensitively, paths without
// a trailing '/', backend names exactly.
class LocationClaims {
 public:
  explicit LocationClaims(std::vector<ValidationError>& errors) : errors_(errors) {}

  void ClaimSite(const Site& site) {
    const std::string site_pointer = StrCat("/sites/", EscapePointerToken(site.id));
    for (size_t i = 0; i < site.hosts.size(); ++i) {
      Claim(site.id, StrCat("host:", Lowered(site.hosts[i])), "a host",
            StrCat(site_pointer, "/hosts/", i));
    }
    for (size_t i = 0; i < site.gateways.size(); ++i) {
      const Gateway& gateway = site.gateways[i];
      Claim(site.id, StrCat("host:", Lowered(gateway.host)),
            StrCat("a gateway to ", StorageTierName(gateway.tier)),
            StrCat(site_pointer, "/gateways/", i, "/host"));
    }
    for (size_t i = 0; i < site.paths.size(); ++i) {
      std::string_view path = site.paths[i];
      if (path.size() > 1 && path.ends_with('/')) path.remove_suffix(1);
      Claim(site.id, StrCat("path:", path), "a path", StrCat(site_pointer, "/paths/", i));
    }
    for (size_t i = 0; i < site.backends.size(); ++i) {
      Claim(site.id, StrCat("backend:", site.backends[i]), "a backend",
            StrCat(site_pointer, "/backends/", i));
    }
  }

 private:
  struct Owner {
    std::string site;
    std::string role;  // "a host", "a gateway to object", ...
  };

  static std::string Lowered(std::string_view text) { return absl::AsciiStrToLower(ToAbsl(text)); }

  void Claim(const std::string& site, std::string key, std::string role, std::string pointer) {
    auto [it, inserted] = owners_.emplace(key, Owner{site, role});
    if (inserted) return;
    const std::string_view name = std::string_view(key).substr(key.find(':') + 1);
    if (it->second.site != site) {
      errors_.push_back({std::move(pointer), StrCat(Quoted(name), " is already listed by site ",
                                                    Quoted(it->second.site))});
    } else if (it->second.role != role) {
      errors_.push_back({std::move(pointer),
                         StrCat(Quoted(name), " is listed as ", it->second.role, " and as ", role,
                                " of the same site; list it once")});
    }
  }

  std::vector<ValidationError>& errors_;
  std::map<std::string, Owner, std::less<>> owners_;  // "host:x" / "path:/x" / "backend:x"
};

void CheckSiteLocations(const Federation& federation, std::vector<ValidationError>& errors) {
  LocationClaims claims(errors);
  for (const Site& site : federation.sites) claims.ClaimSite(site);
}

}  // namespace

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

Federation ReadFederation(std::string_view text, std::vector<ValidationError>& errors) {
  json::parser parser;
  boost::system::error_code ec;
  size_t consumed = parser.write(text.data(), text.size(), ec);
  if (ec) {
    size_t line = 1 + std::count(text.begin(), text.begin() + std::min(consumed, text.size()), '\n');
    errors.push_back({"", StrCat("not valid JSON (line ", line, ", byte ", consumed, "): ",
                                 ec.message())});
    return {};
  }
  json::value root = parser.release();
  return Reader(errors).Read(root);
}

void CheckReferences(const Federation& federation, std::vector<ValidationError>& errors) {
  auto index = IndexCatalogs(federation, errors);
  std::vector<std::vector<Edge>> edges(federation.catalogs.size());
  // "catalog:x" / "collection:x" -> the child entry that marks it primary, and its parent.
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> primary_marks;
  for (size_t i = 0; i < federation.catalogs.size(); ++i) {
    const Catalog& catalog = federation.catalogs[i];
    CheckSites(federation, catalog, errors);
    for (size_t c = 0; c < catalog.children.size(); ++c) {
      const ChildRef& child = catalog.children[c];
      std::string pointer = StrCat(catalog.pointer, "/children/", c);
      auto first = std::find_if(catalog.children.begin(), catalog.children.end(),
                                [&](const ChildRef& other) { return other.SameNode(child); });
      if (first != catalog.children.begin() + c) {
        errors.push_back({pointer, StrCat("duplicate child ", ChildKindName(child.kind), " ",
                                          Quoted(child.id), " (also at ", catalog.pointer,
                                          "/children/", first - catalog.children.begin(), ")")});
        continue;
      }
      // One tree parent per node: at most one parent may mark a child primary.
      if (child.primary) {
        auto [mark, inserted] = primary_marks.emplace(
            StrCat(ChildKindName(child.kind), ":", child.id), std::pair(pointer, catalog.id));
        if (!inserted) {
          errors.push_back(
              {pointer, StrCat(ChildKindName(child.kind), " ", Quoted(child.id),
                               " is marked primary under catalog ", Quoted(catalog.id),
                               " and under catalog ", Quoted(mark->second.second), " (at ",
                               mark->second.first, "); a child has one primary parent")});
        }
      }
      if (child.kind != ChildKind::kCatalog) continue;
      auto target = index.find(child.id);
      if (target == index.end()) {
        errors.push_back({pointer, StrCat("unknown catalog ", Quoted(child.id))});
        continue;
      }
      edges[i].push_back({target->second, std::move(pointer)});
    }
  }
  CycleFinder(federation, edges, errors).Run();
  CheckSiteLocations(federation, errors);
}

}  // namespace stacfed::federation::internal

// Applying a federation: the desired rows are built here as three JSON arrays and handed to
// stacfed.apply_federation() (sql/0002_federation.sql; sql/0019_federation_primary.sql adds
// the links' `primary` flag), which does the set-based diff in one statement per table inside
// the caller's transaction. Values travel only as bind parameters.

#include "libstac/federation/apply.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/pg/text_array.hpp"

namespace stacfed::federation {
namespace {

namespace json = boost::json;

// The STAC version of the Catalog documents we generate.
constexpr std::string_view kStacVersion = "1.1.0";

// re3data names institution countries in ISO alpha-3; sites and catalog search use alpha-2.
// The countries of the climate-data centres we federate, not all of ISO 3166.
constexpr std::array<std::pair<std::string_view, std::string_view>, 34> kAlpha3ToAlpha2 = {{
    {"AUS", "AU"}, {"AUT", "AT"}, {"BEL", "BE"}, {"BRA", "BR"}, {"CAN", "CA"}, {"CHE", "CH"},
    {"CHN", "CN"}, {"CZE", "CZ"}, {"DEU", "DE"}, {"DNK", "DK"}, {"ESP", "ES"}, {"EST", "EE"},
    {"FIN", "FI"}, {"FRA", "FR"}, {"GBR", "GB"}, {"GRC", "GR"}, {"HUN", "HU"}, {"IND", "IN"},
    {"IRL", "IE"}, {"ISL", "IS"}, {"ITA", "IT"}, {"JPN", "JP"}, {"KOR", "KR"}, {"LUX", "LU"},
    {"NLD", "NL"}, {"NOR", "NO"}, {"NZL", "NZ"}, {"POL", "PL"}, {"PRT", "PT"}, {"ROU", "RO"},
    {"SVN", "SI"}, {"SWE", "SE"}, {"USA", "US"}, {"ZAF", "ZA"},
}};

std::string_view Alpha2For(std::string_view alpha3) {
  for (const auto& [three, two] : kAlpha3ToAlpha2) {
    if (three == alpha3) return two;
  }
  return {};
}

json::string JsonStr(std::string_view s) { return json::string(s.data(), s.size()); }

json::value ParseKnownGood(const std::string& text) {
  // Produced by our own serializer in the validator: cannot fail.
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  return ec ? json::value(nullptr) : value;
}

json::array StringArray(const std::vector<std::string>& strings) {
  json::array array;
  for (const std::string& s : strings) array.emplace_back(JsonStr(s));
  return array;
}

// The Catalog document as the API serves it, minus the links the server generates.
json::object CatalogContent(const Federation& federation, const Catalog& catalog) {
  json::object content;
  content["type"] = "Catalog";
  content["stac_version"] = JsonStr(kStacVersion);
  content["id"] = JsonStr(catalog.id);
  if (!catalog.title.empty()) content["title"] = JsonStr(catalog.title);
  content["description"] = JsonStr(catalog.description);
  if (!catalog.keywords.empty()) content["keywords"] = StringArray(catalog.keywords);
  json::value providers = ParseKnownGood(catalog.providers_json);
  if (providers.is_array() && !providers.get_array().empty()) content["providers"] = providers;
  if (catalog.characterisation.json != "{}") {
    content["stacfed:characterisation"] = ParseKnownGood(catalog.characterisation.json);
  }
  if (!catalog.sites.empty()) {
    json::array sites;
    for (const std::string& id : catalog.sites) {
      const Site* site = federation.FindSite(id);
      if (site == nullptr) continue;
      sites.emplace_back(json::object{{"id", JsonStr(site->id)},
                                      {"name", JsonStr(site->name)},
                                      {"country", JsonStr(site->country)},
                                      {"kind", JsonStr(SiteKindName(site->kind))}});
    }
    content["stacfed:sites"] = std::move(sites);
  }
  return content;
}

json::array CatalogCountries(const Federation& federation, const Catalog& catalog) {
  std::vector<std::string> countries;
  auto add = [&](std::string_view code) {
    if (code.empty()) return;
    if (std::find(countries.begin(), countries.end(), code) == countries.end()) {
      countries.emplace_back(code);
    }
  };
  for (const std::string& id : catalog.sites) {
    if (const Site* site = federation.FindSite(id)) add(site->country);
  }
  if (const auto& institution = catalog.characterisation.institution) {
    add(institution->country);
    add(Alpha2For(institution->country));
  }
  return StringArray(countries);
}

json::value NullIfEmpty(std::string_view s) {
  return s.empty() ? json::value(nullptr) : json::value(JsonStr(s));
}

json::array DesiredSites(const Federation& federation) {
  json::array rows;
  for (size_t i = 0; i < federation.sites.size(); ++i) {
    const Site& site = federation.sites[i];
    json::array compute;
    for (const ComputeService& service : site.compute) {
      compute.emplace_back(
          json::object{{"type", JsonStr(service.type)}, {"href", JsonStr(service.href)}});
    }
    rows.emplace_back(json::object{{"id", JsonStr(site.id)},
                                   {"name", JsonStr(site.name)},
                                   {"country", JsonStr(site.country)},
                                   {"kind", JsonStr(SiteKindName(site.kind))},
                                   {"operator", NullIfEmpty(site.operator_name)},
                                   {"re3data", NullIfEmpty(site.re3data)},
                                   {"compute", std::move(compute)},
                                   {"position", i}});
  }
  return rows;
}

json::array DesiredCatalogs(const Federation& federation) {
  json::array rows;
  for (size_t i = 0; i < federation.catalogs.size(); ++i) {
    const Catalog& catalog = federation.catalogs[i];
    rows.emplace_back(json::object{
        {"id", JsonStr(catalog.id)},
        {"position", i},
        {"content", CatalogContent(federation, catalog)},
        {"links", ParseKnownGood(catalog.links_json)},
        {"characterisation", ParseKnownGood(catalog.characterisation.json)},
        {"harvest", catalog.harvest ? ParseKnownGood(catalog.harvest->json) : json::value(nullptr)},
        {"sites", StringArray(catalog.sites)},
        {"countries", CatalogCountries(federation, catalog)}});
  }
  return rows;
}

json::array DesiredLinks(const Federation& federation) {
  json::array rows;
  for (const Catalog& catalog : federation.catalogs) {
    for (size_t i = 0; i < catalog.children.size(); ++i) {
      const ChildRef& child = catalog.children[i];
      rows.emplace_back(json::object{{"parent_id", JsonStr(catalog.id)},
                                     {"child_kind", JsonStr(ChildKindName(child.kind))},
                                     {"child_id", JsonStr(child.id)},
                                     {"position", i},
                                     {"primary", child.primary}});
    }
  }
  return rows;
}

int64_t ToInt(std::string_view text) {
  int64_t value = 0;
  for (char c : text) {
    if (c >= '0' && c <= '9') value = value * 10 + (c - '0');
  }
  return value;
}

std::string CountsLine(std::string_view what, const ChangeCounts& counts) {
  return StrCat(what, ": ", counts.added, " added, ", counts.updated, " updated, ",
                counts.removed, " removed, ", counts.unchanged, " unchanged");
}

}  // namespace

std::string ApplyReport::ToString() const {
  return StrCat(CountsLine("sites", sites), "\n", CountsLine("catalogs", catalogs), "\n",
                CountsLine("links", links), "\nclosure: ", closure_rows_changed, " rows changed");
}

absl::StatusOr<ApplyReport> ApplyFederation(pg::Connection& conn, const Federation& federation) {
  const std::string sites = json::serialize(DesiredSites(federation));
  const std::string catalogs = json::serialize(DesiredCatalogs(federation));
  const std::string links = json::serialize(DesiredLinks(federation));
  STACFED_ASSIGN_OR_RETURN(pg::Transaction transaction, pg::Transaction::Begin(conn));
  STACFED_ASSIGN_OR_RETURN(
      pg::Result result,
      conn.Query("SELECT kind, added, updated, removed, unchanged "
                 "FROM stacfed.apply_federation($1::jsonb, $2::jsonb, $3::jsonb)",
                 {sites, catalogs, links}));
  ApplyReport report;
  for (int row = 0; row < result.Rows(); ++row) {
    std::string_view kind = result.Get(row, 0);
    ChangeCounts counts{ToInt(result.Get(row, 1)), ToInt(result.Get(row, 2)),
                        ToInt(result.Get(row, 3)), ToInt(result.Get(row, 4))};
    if (kind == "sites") report.sites = counts;
    if (kind == "catalogs") report.catalogs = counts;
    if (kind == "links") report.links = counts;
    if (kind == "closure") report.closure_rows_changed = counts.added;
  }
  STACFED_RETURN_IF_ERROR(transaction.Commit());
  return report;
}

absl::StatusOr<int64_t> RefreshCatalogClosure(pg::Connection& conn) {
  STACFED_ASSIGN_OR_RETURN(pg::Result result,
                           conn.Query("SELECT stacfed.refresh_catalog_closure()"));
  return ToInt(result.Scalar());
}

absl::Status AddHarvestedLink(pg::Connection& conn, std::string_view catalog_id, ChildKind kind,
                              std::string_view child_id) {
  STACFED_ASSIGN_OR_RETURN(
      pg::Result result,
      conn.Query("SELECT stacfed.add_harvested_link($1, $2, $3)",
                 {std::string(catalog_id), std::string(ChildKindName(kind)),
                  std::string(child_id)}));
  (void)result;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> AddHarvestedLinks(pg::Connection& conn, std::string_view catalog_id,
                                          ChildKind kind, const std::vector<std::string>& child_ids) {
  if (child_ids.empty()) return 0;
  // stacfed.add_harvested_link per child, in the array's order: the one writer of harvested
  // links, in one round trip.
  STACFED_ASSIGN_OR_RETURN(
      pg::Result result,
      conn.Query("SELECT count(*) FROM unnest($3::text[]) AS child_id "
                 "WHERE stacfed.add_harvested_link($1, $2, child_id)",
                 {std::string(catalog_id), std::string(ChildKindName(kind)),
                  pg::TextArrayLiteral(child_ids)}));
  return ToInt(result.Scalar());
}

absl::Status UpsertHarvestedCatalog(pg::Connection& conn, std::string_view catalog_id,
                                    std::string_view content_json) {
  STACFED_ASSIGN_OR_RETURN(
      pg::Result result,
      conn.Query("INSERT INTO stacfed.catalogs AS c (id, origin, content, search_text) "
                 "VALUES ($1, 'harvest', $2::jsonb, stacfed.document_search_text($2::jsonb)) "
                 "ON CONFLICT (id) DO UPDATE SET content = EXCLUDED.content, "
                 "  search_text = EXCLUDED.search_text, updated_at = now() "
                 "WHERE c.origin = 'harvest' AND c.content IS DISTINCT FROM EXCLUDED.content",
                 {std::string(catalog_id), std::string(content_json)}));
  (void)result;
  return absl::OkStatus();
}

}  // namespace stacfed::federation

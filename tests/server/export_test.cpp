// The export library without sockets: which copy a row names (ChooseCopy's rule), its format
// and engine, the CSV columns from queryables, RFC 4180 quoting, data assets, the ESM
// collection JSON, POST bodies as GET queries, and the Python program.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <boost/json/value.hpp>
#include <boost/url/url.hpp>
#include <string>

#include "server/export/copy.hpp"
#include "server/export/export_request.hpp"
#include "server/export/intake_esm.hpp"
#include "server/export/xarray_snippet.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/client_site.hpp"
#include "server/search/queryables.hpp"

namespace stacfed::exports {
namespace {

namespace json = boost::json;

// Parses an asset and chooses its copy (the parser must outlive the element).
Copy Choose(const std::string& asset_json, std::string_view = {}) {
  static simdjson::dom::parser parser;
  simdjson::dom::object asset = parser.parse(asset_json).get_object().value();
  return ChooseCopy(asset);
}

// The CSV lines of one item, split.
std::vector<std::string> Lines(const std::string& csv) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < csv.size()) {
    const size_t end = csv.find("\r\n", start);
    REQUIRE(end != std::string::npos);  // every line ends with CRLF
    lines.push_back(csv.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// The queryables of collection `collection` (AddPropertyRow's rows of one collection).
void AddCmip(search::Queryables& queryables, std::string_view collection) {
  for (const char* name : {"cmip6:variable_id", "cmip6:source_id", "cmip6:experiment_id",
                           "cmip6:activity_id", "version", "title", "cmip6:frequency"}) {
    queryables.AddPropertyRow(name, "{string}", std::nullopt, false, collection);
  }
}

search::Queryables CmipQueryables() {
  search::Queryables queryables = search::Queryables::Builtin();
  AddCmip(queryables, "cmip6");
  return queryables;
}

const std::string kTwoSites = R"({
  "href": "https://esgf.ceda.ac.uk/a.nc", "type": "application/netcdf", "roles": ["data"],
  "site:ref": "ceda", "access:status": "online", "access:protocol": "https",
  "alternate": {
    "dkrz-tape": {"href": "slk:///arch/a.nc", "site:ref": "dkrz", "access:status": "nearline"},
    "dkrz-disk": {"href": "/pool/data/a.nc", "site:ref": "dkrz", "access:status": "online",
                  "access:protocol": "posix", "access:engine": "netcdf4"},
    "dkrz-disk2": {"href": "/scratch/a.nc", "site:ref": "dkrz", "access:status": "online"}
  }
})";

TEST_CASE("ChooseCopy describes the asset's own href: ranked first for a client's site",
          "[export]") {
  const Copy plain = Choose(kTwoSites);
  CHECK(plain.href == "https://esgf.ceda.ac.uk/a.nc");
  CHECK(plain.site == "ceda");
  CHECK(plain.format == "netcdf");
  CHECK(plain.engine == "h5netcdf");  // a URL, no access:engine

  // For DKRZ the search layer's ranking puts the same-site POSIX copy into href first.
  const std::string item = StrCat(R"({"type":"Feature","id":"a","assets":{"a.nc":)", kTwoSites, "}}");
  const json::value ranked = json::parse(search::RankCopies(item, "dkrz"));
  const Copy dkrz = Choose(json::serialize(ranked.at("assets").at("a.nc")));
  CHECK(dkrz.href == "/pool/data/a.nc");
  CHECK(dkrz.engine == "netcdf4");
  CHECK(dkrz.site == "dkrz");
}

TEST_CASE("format and engine come from annotations, then media type, then suffix", "[export]") {
  CHECK(Choose(R"({"href":"https://x/k.json","type":"application/json","access:protocol":"kerchunk"})", "")
            .format == "reference");
  CHECK(Choose(R"({"href":"https://x/k.json.zst","type":"application/zstd","protocol":"kerchunk"})", "")
            .engine == "kerchunk");
  CHECK(Choose(R"({"href":"reference::/pool/x.parq"})", "").format == "reference");
  const Copy zarr = Choose(R"({"href":"https://x/d/zarr","type":"application/vnd+zarr",
                               "xarray:open_kwargs":{"engine":"zarr","consolidated":true}})", "");
  CHECK(zarr.format == "zarr");
  CHECK(zarr.engine == "zarr");
  CHECK(Choose(R"({"href":"https://x/dodsC/a.nc","access:protocol":"opendap"})", "").format ==
        "opendap");
  const Copy grib = Choose(R"({"href":"s3://b/a.grib2"})", "");
  CHECK(grib.format == "grib");
  CHECK(grib.engine == "cfgrib");
  const Copy local = Choose(R"({"href":"/pool/a.nc"})", "");
  CHECK(local.format == "netcdf");
  CHECK(local.engine == "netcdf4");
  const Copy unknown = Choose(R"({"href":"https://x/readme.html","type":"text/html"})", "");
  CHECK(unknown.format.empty());
  CHECK(unknown.engine.empty());
}

TEST_CASE("columns: facets without prefix in DKRZ's order, full names on collisions", "[export]") {
  search::Queryables queryables = CmipQueryables();
  queryables.AddPropertyRow("cordex:source_id", "{string}", std::nullopt, false);
  const std::vector<std::string> names = ColumnsFor(queryables).Names();
  const std::vector<std::string> expected = {
      "id", "collection", "activity_id", "experiment_id", "variable_id", "cmip6:source_id",
      "cordex:source_id", "frequency", "version", "time_range", "uri", "format",
      "engine", "site"};
  CHECK(names == expected);  // title is no facet; version has its own column
}

TEST_CASE("CSV fields are quoted as RFC 4180 says", "[export]") {
  std::string out;
  AppendCsvField(out, "plain");
  out += ',';
  AppendCsvField(out, "a,b");
  out += ',';
  AppendCsvField(out, "say \"hi\"");
  out += ',';
  AppendCsvField(out, "two\nlines");
  CHECK(out == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"");
}

TEST_CASE("one row per data asset, with the item's facets and the chosen copy", "[export]") {
  // Ranked for DKRZ (hosts with a dot: a bare single-label host is an internal one, shown
  // to nobody at another site, docs/client-site.md).
  CsvWriter writer(ColumnsFor(CmipQueryables()), "dkrz");
  std::string csv;
  writer.AppendHeader(csv);
  const std::string item = R"({"type":"Feature","id":"i1","properties":{
      "cmip6:variable_id":"tas","cmip6:source_id":"MPI-ESM1-2-HR","cmip6:experiment_id":"ssp585",
      "cmip6:activity_id":["ScenarioMIP"],"cmip6:frequency":["mon","day"],"version":"20190710",
      "start_datetime":"2015-01-01T00:00:00Z","end_datetime":"2100-12-31T00:00:00Z"},
    "assets":{"a":)" + kTwoSites + R"(,
      "thumbnail":{"href":"https://x.example/t.png","roles":["thumbnail"]},
      "b, c":{"href":"https://x.example/b,c.nc","type":"application/netcdf","roles":["data"]}}})";
  auto rows = writer.AppendItem(csv, "cmip6", "i1", item);
  REQUIRE(rows.ok());
  CHECK(*rows == 2);
  const std::vector<std::string> lines = Lines(csv);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] ==
        "id,collection,activity_id,source_id,experiment_id,variable_id,frequency,version,"
        "time_range,uri,format,engine,site");
  CHECK(lines[1] ==
        "i1,cmip6,ScenarioMIP,MPI-ESM1-2-HR,ssp585,tas,\"['mon', 'day']\",20190710,"
        "2015-01-01T00:00:00Z/2100-12-31T00:00:00Z,/pool/data/a.nc,netcdf,netcdf4,dkrz");
  CHECK(lines[2] ==
        "i1,cmip6,ScenarioMIP,MPI-ESM1-2-HR,ssp585,tas,\"['mon', 'day']\",20190710,"
        "2015-01-01T00:00:00Z/2100-12-31T00:00:00Z,\"https://x.example/b,c.nc\",netcdf,h5netcdf,");

  // Without a data role, every asset but thumbnails, overviews and metadata.
  std::string more;
  rows = writer.AppendItem(more, "c", "i2", R"({"properties":{"datetime":"2020-01-01T00:00:00Z"},
      "assets":{"d":{"href":"https://x.example/d.zarr"},"m":{"href":"https://x.example/m.xml","roles":["metadata"]},
                "o":{"href":"https://x.example/o.png","roles":["overview"]}}})");
  REQUIRE(rows.ok());
  CHECK(*rows == 1);
  CHECK(Lines(more).at(0) == "i2,c,,,,,,,2020-01-01T00:00:00Z,https://x.example/d.zarr,zarr,zarr,");
  CHECK_FALSE(writer.AppendItem(more, "c", "bad", "[1]").ok());
}

TEST_CASE("the ESM collection JSON has what esmcat 0.1.0 requires", "[export]") {
  const Columns columns = ColumnsFor(CmipQueryables());
  const json::value doc = json::parse(RenderEsmCollection(
      columns, {"stacfed-search", "t", "d", "http://h/export/intake-esm.csv?q=1"}));
  CHECK(doc.at("esmcat_version") == "0.1.0");
  CHECK(doc.at("catalog_file") == "http://h/export/intake-esm.csv?q=1");
  CHECK(doc.at("assets").at("column_name") == "uri");
  CHECK(doc.at("assets").at("format_column_name") == "format");
  CHECK(doc.at("attributes").as_array().size() == columns.Names().size() - 1);
  const json::value& control = doc.at("aggregation_control");
  CHECK(control.at("variable_column_name") == "variable_id");
  CHECK(control.at("groupby_attrs") ==
        json::parse(R"(["activity_id","source_id","experiment_id"])"));
  for (const json::value& aggregation : control.at("aggregations").as_array()) {
    CHECK(aggregation.at("type") == aggregation.at("agg_type"));
  }
}

// intake-esm v2022.9.18 (the last before 2023.4.20) requires aggregation_control (its
// pydantic model: "aggregation_control field required"), and every version refuses a
// groupby column with some cells empty ("should either be all NaN or there should be no
// NaNs"); without aggregation_control, later versions group by every column.
const json::value& ControlOf(const search::Queryables& queryables, json::value& doc) {
  doc = json::parse(RenderEsmCollection(ColumnsFor(queryables), {"i", "t", "d", "c"}));
  return doc.at("aggregation_control");
}

TEST_CASE("aggregation_control is always there; it groups only by columns no row leaves empty",
          "[export]") {
  const json::value per_row = json::parse(R"({"variable_column_name":"id",
      "groupby_attrs":["collection","id","uri"],"aggregations":[]})");
  json::value doc;
  // No variable column: one dataset per row, `id` as the variable column intake-esm needs.
  CHECK(ControlOf(search::Queryables::Builtin(), doc) == per_row);

  // Two collections with the CMIP6 facets: DKRZ's grouping.
  search::Queryables both = search::Queryables::Builtin();
  AddCmip(both, "a");
  AddCmip(both, "b");
  CHECK(ControlOf(both, doc).at("groupby_attrs") ==
        json::parse(R"(["activity_id","source_id","experiment_id"])"));

  // One of them without source_id: its rows leave that column empty, so it is no group.
  search::Queryables partial = search::Queryables::Builtin();
  AddCmip(partial, "a");
  for (const char* name : {"cmip6:variable_id", "cmip6:experiment_id", "cmip6:activity_id"}) {
    partial.AddPropertyRow(name, "{string}", std::nullopt, false, "b");
  }
  CHECK(ControlOf(partial, doc).at("groupby_attrs") ==
        json::parse(R"(["activity_id","experiment_id"])"));
  CHECK(ControlOf(partial, doc).at("variable_column_name") == "variable_id");

  // A collection without any CMIP6 facet (the EERIE items beside ESGF's): one dataset per row,
  // the variable column still the variable's.
  search::Queryables mixed = search::Queryables::Builtin();
  AddCmip(mixed, "a");
  mixed.AddPropertyRow("access:online_status", "{string}", std::nullopt, false, "eerie");
  json::value expected = per_row;
  expected.as_object()["variable_column_name"] = "variable_id";
  CHECK(ControlOf(mixed, doc) == expected);
}

// A query string decoded into its parameters.
std::vector<std::pair<std::string, std::string>> Decoded(const std::optional<std::string>& query) {
  REQUIRE(query.has_value());
  boost::urls::url url;
  url.set_encoded_query(*query);
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& param : url.params()) params.emplace_back(param.key, param.value);
  return params;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("POST bodies as GET queries for the export links", "[export]") {
  CHECK(Decoded(QueryFromBody(R"({"collections":["a","b"],"limit":5,"token":"x"})")) ==
        Pairs{{"collections", "a,b"}, {"limit", "5"}});
  CHECK(Decoded(QueryFromBody(R"({"sortby":[{"field":"datetime","direction":"desc"},{"field":"id"}]})")) ==
        Pairs{{"sortby", "-datetime,id"}});
  CHECK(Decoded(QueryFromBody(R"({"fields":{"include":["id"],"exclude":["geometry"]}})")) ==
        Pairs{{"fields", "id,-geometry"}});
  CHECK(Decoded(QueryFromBody(R"({"filter":{"op":"=","args":[{"property":"a"},"b c&d"]}})")) ==
        Pairs{{"filter", R"({"op":"=","args":[{"property":"a"},"b c&d"]})"},
              {"filter-lang", "cql2-json"}});
  CHECK(Decoded(QueryFromBody(R"({"bbox":[-10,40.5,10,50],"q":"tas"})")) ==
        Pairs{{"bbox", "-10,40.5,10,50"}, {"q", "tas"}});
  CHECK_FALSE(QueryFromBody(R"({"ids":["a,b"]})"));      // a comma inside a value
  CHECK_FALSE(QueryFromBody(R"({"unknown":{"x":1}})"));  // an object without GET form
}

TEST_CASE("client_site is the export's; a bad one is refused", "[export]") {
  auto parsed = ParseExportQuery({{"collections", "c"}, {"client_site", "dkrz"}, {"token", "t"}});
  REQUIRE(parsed.ok());
  CHECK(parsed->client_site == "dkrz");
  CHECK(parsed->search.collections == std::vector<std::string>{"c"});
  CHECK(parsed->search_params == search::QueryParams{{"collections", "c"}});
  CHECK_FALSE(ParseExportQuery({{"client_site", "a b"}}).ok());
  CHECK_FALSE(ParseExportQuery({{"client_site", ""}}).ok());
  CHECK_FALSE(ParseExportQuery({{"bbox", "1,2"}}).ok());  // the search layer's own checks
}

TEST_CASE("the Python program names the search and the site", "[export]") {
  const std::string program = RenderXarraySnippet(
      {"http://h/", "http://h/export/xarray.py?x", {{"collections", "c\"1"}, {"bbox", "1,2,3,4"}},
       "dkrz"});
  CHECK(program.find("ROOT = \"http://h/\"") != std::string::npos);
  CHECK(program.find("CLIENT_SITE = \"dkrz\"") != std::string::npos);
  CHECK(program.find("\"collections\": \"c\\\"1\"") != std::string::npos);
  CHECK(program.find("Client.open(") != std::string::npos);
  const std::string anywhere = RenderXarraySnippet({"http://h/", "u", {}, ""});
  CHECK(anywhere.find("CLIENT_SITE = None") != std::string::npos);
  CHECK(anywhere.find("SEARCH_PARAMETERS = {}") != std::string::npos);
}

}  // namespace
}  // namespace stacfed::exports

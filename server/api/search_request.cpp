#include "server/api/search_request.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <set>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

#include "libstac/base/crypto.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"

namespace stacfed::api {
namespace {

namespace json = boost::json;

absl::Status Invalid(std::string_view parameter, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("invalid '", parameter, "': ", why));
}

// ---- JSON with exact numbers -----------------------------------------------------------------

// Boost.JSON 1.81 reads a number with a fraction or an exponent imprecisely:
// "-1.7243127776997827E2" comes out one unit in the last place away from the double it
// spells, for about one random coordinate in eight. A POST next link repeats the body as Boost wrote it (the shortest text
// of each double), so the next page read other coordinates than the first one, its search
// had another fingerprint, and the token was refused (found by fuzz/fuzz_search_body). This
// handler builds the value as Boost's own parser does (boost/json/detail/handler.hpp) but
// reads such numbers again from their text with std::from_chars, which is exact.
class ExactNumbersHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack stack;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    stack.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    stack.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    stack.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, json::string_view, json::error_code&) {
    number_.clear();
    stack.push_int64(i);
    return true;
  }
  bool on_uint64(uint64_t u, json::string_view, json::error_code&) {
    number_.clear();
    stack.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    double exact = 0;
    const auto [end, ec] = std::from_chars(number_.data(), number_.data() + number_.size(), exact);
    // Out of range ("1e400"): Boost's infinity or zero stays, and is refused or kept as before.
    if (ec == std::errc() && end == number_.data() + number_.size()) d = exact;
    number_.clear();
    stack.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    stack.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    stack.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  std::string number_;  // the parts of a number so far, when the text came in pieces
};

// json::parse with exact numbers (ExactNumbersHandler); null and `ec` set on an error.
json::value ParseJson(std::string_view text, boost::system::error_code& ec) {
  json::basic_parser<ExactNumbersHandler> parser{json::parse_options{}};
  parser.handler().stack.reset();
  const size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  if (ec) return nullptr;
  return parser.handler().stack.release();
}

bool ParseDouble(std::string_view text, double& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(out);
}

absl::StatusOr<Bbox> BboxFromNumbers(const std::vector<double>& n) {
  if (n.size() != 4 && n.size() != 6) {
    return Invalid("bbox", StrCat("expected 4 numbers (west,south,east,north) or 6 (with "
                                  "minimum and maximum elevation), got ",
                                  n.size()));
  }
  // 6 numbers are west,south,zmin,east,north,zmax; elevation does not filter (2D geometries).
  const bool three_d = n.size() == 6;
  Bbox box{n[0], n[1], n[three_d ? 3 : 2], n[three_d ? 4 : 3]};
  if (box.south > box.north) {
    return Invalid("bbox", "south is greater than north (only west > east is allowed, for a "
                           "box crossing the antimeridian)");
  }
  // Coordinates beyond CRS84's range are accepted and simply match nothing out there:
  // stac-api-validator probes with a box just beyond an item (181,91,182,92 for a global one)
  // and expects an empty page, not an error.
  if (three_d && n[2] > n[5]) return Invalid("bbox", "minimum elevation is above the maximum");
  return box;
}

// A date-time bound of an interval: ".." or "" is an open end.
absl::StatusOr<std::optional<Micros>> ParseBound(std::string_view text) {
  if (text.empty() || text == "..") return std::optional<Micros>();
  auto parsed = ParseRfc3339(text);
  if (!parsed.ok()) return Invalid("datetime", std::string(parsed.status().message()));
  return std::optional<Micros>(*parsed);
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// ---- GeoJSON geometry validation ------------------------------------------------------------

// Checks a GeoJSON position: 2 to 4 finite numbers, the first two a longitude and a latitude
// of CRS84 (which PostGIS would take as any plane coordinates, and ST_Intersects would then
// compare with the items' true longitudes and latitudes).
absl::Status CheckPosition(const json::value& v) {
  const json::array* a = v.if_array();
  if (a == nullptr || a->size() < 2 || a->size() > 4) {
    return Invalid("intersects", "a position must be an array of 2 to 4 numbers");
  }
  for (const json::value& n : *a) {
    if (!n.is_number() || !std::isfinite(n.to_number<double>())) {
      return Invalid("intersects", "a position must be an array of 2 to 4 finite numbers");
    }
  }
  const double lon = (*a)[0].to_number<double>(), lat = (*a)[1].to_number<double>();
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    return Invalid("intersects", "longitudes must lie within -180..180 and latitudes within "
                                 "-90..90 (WGS 84, RFC 7946)");
  }
  return absl::OkStatus();
}

bool SamePosition(const json::value& a, const json::value& b) {
  const json::array &pa = a.get_array(), &pb = b.get_array();
  return pa[0].to_number<double>() == pb[0].to_number<double>() &&
         pa[1].to_number<double>() == pb[1].to_number<double>();
}

// Checks coordinates nested `depth` arrays deep above positions (0: a position). The
// innermost lists need `min_positions` positions; with `rings` they must also be closed.
absl::Status CheckCoordinates(const json::value& v, int depth, size_t min_positions, bool rings,
                              std::string_view type) {
  if (depth == 0) return CheckPosition(v);
  const json::array* a = v.if_array();
  if (a == nullptr) {
    return Invalid("intersects", StrCat("the 'coordinates' of a ", type,
                                        " are not nested arrays of positions as GeoJSON "
                                        "(RFC 7946) requires"));
  }
  if (depth == 1 && a->size() < min_positions) {
    return Invalid("intersects", StrCat(rings ? "a ring of a " : "a ", type, " needs at least ",
                                        min_positions, " positions"));
  }
  for (const json::value& item : *a) {
    STACFED_RETURN_IF_ERROR(CheckCoordinates(item, depth - 1, min_positions, rings, type));
  }
  if (depth == 1 && rings && !SamePosition(a->front(), a->back())) {
    return Invalid("intersects", StrCat("a ring of a ", type,
                                        " is not closed: its first and last positions differ"));
  }
  return absl::OkStatus();
}

struct GeometryShape {
  std::string_view type;
  int depth;             // arrays above positions
  size_t min_positions;  // in the innermost list
  bool rings;            // the innermost lists are closed rings
  bool non_empty;        // the outermost list must have an element
};
constexpr std::array<GeometryShape, 6> kShapes = {{
    {"Point", 0, 0, false, false},
    {"MultiPoint", 1, 0, false, false},
    {"LineString", 1, 2, false, false},
    {"MultiLineString", 2, 2, false, false},
    {"Polygon", 2, 4, true, true},
    {"MultiPolygon", 3, 4, true, false},
}};

// Rebuilds the geometry with only type and coordinates/geometries (a "crs" member would make
// PostGIS change the SRID).
absl::StatusOr<json::value> CleanGeometry(const json::value& v, int nesting) {
  if (nesting > 8) return Invalid("intersects", "geometry collections nest too deeply");
  const json::object* object = v.if_object();
  if (object == nullptr) return Invalid("intersects", "expected a GeoJSON geometry object");
  const json::value* type = object->if_contains("type");
  if (type == nullptr || !type->is_string()) {
    return Invalid("intersects", "a GeoJSON geometry needs a string 'type'");
  }
  const std::string_view type_name(type->get_string().data(), type->get_string().size());
  json::object clean;
  clean["type"] = type_name;
  if (type_name == "GeometryCollection") {
    const json::value* geometries = object->if_contains("geometries");
    if (geometries == nullptr || !geometries->is_array()) {
      return Invalid("intersects", "a GeometryCollection needs a 'geometries' array");
    }
    json::array members;
    for (const json::value& member : geometries->get_array()) {
      STACFED_ASSIGN_OR_RETURN(json::value m, CleanGeometry(member, nesting + 1));
      members.push_back(std::move(m));
    }
    clean["geometries"] = std::move(members);
    return json::value(std::move(clean));
  }
  for (const GeometryShape& shape : kShapes) {
    if (shape.type != type_name) continue;
    const json::value* coordinates = object->if_contains("coordinates");
    if (coordinates == nullptr) {
      return Invalid("intersects", StrCat("a ", type_name, " needs 'coordinates'"));
    }
    STACFED_RETURN_IF_ERROR(CheckCoordinates(*coordinates, shape.depth, shape.min_positions,
                                             shape.rings, type_name));
    if (shape.non_empty && coordinates->get_array().empty()) {
      return Invalid("intersects", StrCat("a ", type_name, " needs at least one ring"));
    }
    // A MultiPolygon's polygons each need an outer ring.
    if (shape.depth == 3) {
      for (const json::value& polygon : coordinates->get_array()) {
        if (polygon.get_array().empty()) {
          return Invalid("intersects", "each polygon of a MultiPolygon needs at least one ring");
        }
      }
    }
    clean["coordinates"] = *coordinates;
    return json::value(std::move(clean));
  }
  return Invalid("intersects", StrCat("'", type_name, "' is not a GeoJSON geometry type"));
}

absl::StatusOr<std::string> IntersectsFromValue(const json::value& v) {
  STACFED_ASSIGN_OR_RETURN(json::value clean, CleanGeometry(v, 0));
  return json::serialize(clean);
}

// ---- POST body members ----------------------------------------------------------------------

// A string may hold anything but NUL ("\u0000"), which no id or value of ours holds and
// which libpq would cut a parameter at.
absl::Status CheckNoNul(std::string_view name, std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    return Invalid(name, "a string holds NUL (\\u0000), which no value may hold");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> StringList(const json::value& v, std::string_view name) {
  const json::array* array = v.if_array();
  if (array == nullptr) return Invalid(name, "expected an array of strings");
  std::vector<std::string> out;
  out.reserve(array->size());
  for (const json::value& item : *array) {
    if (!item.is_string()) return Invalid(name, "expected an array of strings");
    const std::string_view text(item.get_string().data(), item.get_string().size());
    STACFED_RETURN_IF_ERROR(CheckNoNul(name, text));
    out.emplace_back(text);
  }
  return out;
}

// Boost.JSON reads 1e400 as infinity: a body may hold only finite numbers.
absl::Status CheckFiniteNumbers(const json::value& v, int depth = 0) {
  if (depth > 64) return absl::InvalidArgumentError("the request body nests too deeply");
  if (v.is_double() && !std::isfinite(v.get_double())) {
    return absl::InvalidArgumentError(
        "the request body holds a number beyond the range of a double (such as 1e400)");
  }
  if (const json::array* a = v.if_array()) {
    for (const json::value& item : *a) STACFED_RETURN_IF_ERROR(CheckFiniteNumbers(item, depth + 1));
  } else if (const json::object* o = v.if_object()) {
    for (const auto& member : *o) {
      STACFED_RETURN_IF_ERROR(CheckFiniteNumbers(member.value(), depth + 1));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> LimitFromValue(const json::value& v) {
  if (v.is_int64()) {
    if (v.get_int64() < 1) return Invalid("limit", "must be at least 1");
    return int(std::min<int64_t>(v.get_int64(), kMaxLimit));
  }
  if (v.is_uint64()) return kMaxLimit;  // beyond int64: clamped like any large value
  if (v.is_double() && std::trunc(v.get_double()) == v.get_double()) {
    if (v.get_double() < 1) return Invalid("limit", "must be at least 1");
    return int(std::min<double>(v.get_double(), kMaxLimit));
  }
  return Invalid("limit", "expected an integer from 1 to 10000");
}

absl::StatusOr<std::string_view> StringMember(const json::value& v, std::string_view name) {
  if (!v.is_string()) return Invalid(name, "expected a string");
  const std::string_view text(v.get_string().data(), v.get_string().size());
  STACFED_RETURN_IF_ERROR(CheckNoNul(name, text));
  return text;
}

absl::Status ApplyBodyMember(std::string_view name, const json::value& v, SearchRequest& out) {
  if (v.is_null()) return absl::OkStatus();  // a null member is an absent one
  if (name == "ids") {
    STACFED_ASSIGN_OR_RETURN(out.ids, StringList(v, name));
  } else if (name == "collections") {
    STACFED_ASSIGN_OR_RETURN(out.collections, StringList(v, name));
  } else if (name == "bbox") {
    const json::array* array = v.if_array();
    if (array == nullptr) return Invalid("bbox", "expected an array of 4 or 6 numbers");
    std::vector<double> numbers;
    for (const json::value& n : *array) {
      if (!n.is_number()) return Invalid("bbox", "expected an array of 4 or 6 numbers");
      numbers.push_back(n.to_number<double>());
    }
    STACFED_ASSIGN_OR_RETURN(out.bbox, BboxFromNumbers(numbers));
  } else if (name == "intersects") {
    STACFED_ASSIGN_OR_RETURN(out.intersects, IntersectsFromValue(v));
  } else if (name == "datetime") {
    STACFED_ASSIGN_OR_RETURN(std::string_view text, StringMember(v, name));
    STACFED_ASSIGN_OR_RETURN(out.datetime, ParseDatetimeText(text));
  } else if (name == "limit") {
    STACFED_ASSIGN_OR_RETURN(out.limit, LimitFromValue(v));
  } else if (name == "token") {
    STACFED_ASSIGN_OR_RETURN(std::string_view text, StringMember(v, name));
    out.token_text = std::string(text);
  } else {
    return absl::InvalidArgumentError(
        StrCat("unknown search parameter '", name,
               "'; supported: bbox, intersects, datetime, ids, collections, limit, token"));
  }
  return absl::OkStatus();
}

absl::Status CheckCombination(const SearchRequest& request) {
  if (request.bbox && request.intersects) {
    return absl::InvalidArgumentError("'bbox' and 'intersects' cannot be used together");
  }
  return absl::OkStatus();
}

// An unencoded '+' in a query string arrives as a space ("...T00:00:00+01:00" typed into a
// URL); after the date a space cannot mean anything else.
std::string RestorePlusSigns(std::string_view datetime) {
  std::string out(datetime);
  size_t part_start = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '/') {
      part_start = i + 1;
    } else if (out[i] == ' ' && i > part_start + 10) {
      out[i] = '+';
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Bbox> ParseBboxText(std::string_view text) {
  if (text.empty() || text.find(",,") != std::string_view::npos || text.starts_with(',') ||
      text.ends_with(',')) {
    return Invalid("bbox", "empty value in the list");
  }
  std::vector<double> numbers;
  for (const std::string& part : SplitList(text)) {
    double value = 0;
    if (!ParseDouble(part, value)) {
      return Invalid("bbox", StrCat("'", part, "' is not a number; write bbox=west,south,east,"
                                    "north without brackets or spaces"));
    }
    numbers.push_back(value);
  }
  return BboxFromNumbers(numbers);
}

absl::StatusOr<DatetimeInterval> ParseDatetimeText(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    if (text == "..") return DatetimeInterval{};  // open at both ends: no restriction
    if (text.empty()) return Invalid("datetime", "empty value");
    auto instant = ParseRfc3339(text);
    if (!instant.ok()) return Invalid("datetime", std::string(instant.status().message()));
    return DatetimeInterval{*instant, *instant};
  }
  const std::string_view start_text = text.substr(0, slash);
  const std::string_view end_text = text.substr(slash + 1);
  if (end_text.find('/') != std::string_view::npos) {
    return Invalid("datetime", "an interval has exactly two parts, start/end");
  }
  STACFED_ASSIGN_OR_RETURN(std::optional<Micros> start, ParseBound(start_text));
  STACFED_ASSIGN_OR_RETURN(std::optional<Micros> end, ParseBound(end_text));
  if (!start && !end) {
    return Invalid("datetime", "an interval may have one open end ('..' or empty), not two");
  }
  if (start && end && *start > *end) return Invalid("datetime", "the start is after the end");
  return DatetimeInterval{start, end};
}

absl::StatusOr<int> ParseLimitText(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return Invalid("limit", StrCat("'", text, "' is not an integer from 1 to 10000"));
  }
  // Digits only: saturate instead of overflowing, any large value is clamped.
  int64_t value = 0;
  for (char c : text) {
    value = std::min<int64_t>(value * 10 + (c - '0'), int64_t{1} << 40);
  }
  if (value < 1) return Invalid("limit", "must be at least 1");
  return int(std::min<int64_t>(value, kMaxLimit));
}

absl::StatusOr<std::string> ParseIntersectsText(std::string_view text) {
  boost::system::error_code ec;
  json::value v = ParseJson(text, ec);
  if (ec) return Invalid("intersects", "expected a GeoJSON geometry as JSON");
  return IntersectsFromValue(v);
}

absl::StatusOr<SearchRequest> ParseSearchQuery(const QueryParams& params,
                                               const SearchScope& scope) {
  SearchRequest request;
  std::set<std::string_view> seen;
  for (const auto& [name, value] : params) {
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(StrCat("parameter '", name, "' is given more than once"));
    }
    if (name == "ids") {
      request.ids = SplitList(value);
    } else if (name == "collections") {
      request.collections = SplitList(value);
    } else if (name == "bbox") {
      STACFED_ASSIGN_OR_RETURN(request.bbox, ParseBboxText(value));
    } else if (name == "intersects") {
      STACFED_ASSIGN_OR_RETURN(request.intersects, ParseIntersectsText(value));
    } else if (name == "datetime") {
      STACFED_ASSIGN_OR_RETURN(request.datetime, ParseDatetimeText(RestorePlusSigns(value)));
    } else if (name == "limit") {
      STACFED_ASSIGN_OR_RETURN(request.limit, ParseLimitText(value));
    } else if (name == "token") {
      request.token_text = value;
    } else {
      return absl::InvalidArgumentError(
          StrCat("unknown query parameter '", name,
                 "'; supported: bbox, intersects, datetime, ids, collections, limit, token"));
    }
  }
  if (!scope.path_collection.empty()) request.collections = {scope.path_collection};
  STACFED_RETURN_IF_ERROR(CheckCombination(request));
  return request;
}

absl::StatusOr<ParsedSearchBody> ParseSearchBody(std::string_view body) {
  boost::system::error_code ec;
  json::value v = ParseJson(body, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        StrCat("the request body is not valid JSON (", ec.message(), ")"));
  }
  json::object* object = v.if_object();
  if (object == nullptr) return absl::InvalidArgumentError("the request body must be a JSON object");
  STACFED_RETURN_IF_ERROR(CheckFiniteNumbers(v));
  ParsedSearchBody parsed;
  for (const auto& member : *object) {
    const std::string_view name(member.key().data(), member.key().size());
    STACFED_RETURN_IF_ERROR(ApplyBodyMember(name, member.value(), parsed.request));
  }
  STACFED_RETURN_IF_ERROR(CheckCombination(parsed.request));
  object->erase("token");
  parsed.body_without_token = json::serialize(v);
  return parsed;
}

namespace {

// Appends a length-prefixed field, so that no two different searches serialise alike.
void AppendField(std::string& out, char tag, std::string_view value) {
  StrAppend(&out, std::string_view(&tag, 1), value.size(), ":", value);
}

}  // namespace

std::string SearchFingerprint(const SearchRequest& request, std::string_view scope) {
  std::string canonical;
  AppendField(canonical, 's', scope);
  for (const std::string& collection : request.collections) AppendField(canonical, 'c', collection);
  for (const std::string& id : request.ids) AppendField(canonical, 'i', id);
  if (request.bbox) {
    AppendField(canonical, 'b', BboxGeoJson(*request.bbox));
  }
  if (request.intersects) AppendField(canonical, 'g', *request.intersects);
  if (request.datetime) {
    AppendField(canonical, 'd',
                StrCat(request.datetime->start ? StrCat(*request.datetime->start) : "..", "/",
                       request.datetime->end ? StrCat(*request.datetime->end) : ".."));
  }
  return std::string(AsBytes(Sha256(canonical)).substr(0, 16));
}

absl::Status ResolveToken(SearchRequest& request, std::string_view fingerprint,
                          const TokenSigner& signer) {
  if (!request.token_text) return absl::OkStatus();
  STACFED_ASSIGN_OR_RETURN(request.token, signer.Decode(*request.token_text, fingerprint));
  request.token_text.reset();
  return absl::OkStatus();
}

namespace {

void AppendNumber(std::string& out, double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, ec == std::errc() ? end : buffer);
}

void AppendRing(std::string& out, double w, double s, double e, double n) {
  const double corners[5][2] = {{w, s}, {e, s}, {e, n}, {w, n}, {w, s}};
  out += "[[";
  for (int i = 0; i < 5; ++i) {
    if (i > 0) out += "],[";
    AppendNumber(out, corners[i][0]);
    out += ',';
    AppendNumber(out, corners[i][1]);
  }
  out += "]]";
}

}  // namespace

std::string BboxGeoJson(const Bbox& box) {
  std::string out;
  if (!box.CrossesAntimeridian()) {
    out = R"({"type":"Polygon","coordinates":[)";
    AppendRing(out, box.west, box.south, box.east, box.north);
    out += "]}";
    return out;
  }
  out = R"({"type":"MultiPolygon","coordinates":[[)";
  AppendRing(out, box.west, box.south, 180, box.north);
  out += "],[";
  AppendRing(out, -180, box.south, box.east, box.north);
  out += "]]}";
  return out;
}

}  // namespace stacfed::api

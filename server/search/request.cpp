#include "server/search/request.hpp"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

#include "libstac/base/crypto.hpp"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/cql2/print.hpp"
#include "server/search/geometry.hpp"
#include "server/search/json.hpp"

namespace stacfed::search {
namespace {

namespace json = boost::json;

absl::Status Invalid(std::string_view parameter, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("invalid '", parameter, "': ", why));
}

bool ParseDouble(std::string_view text, double& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(out);
}

// A date-time bound of an interval: ".." or "" is an open end.
absl::StatusOr<std::optional<Micros>> ParseBound(std::string_view text) {
  if (text.empty() || text == "..") return std::optional<Micros>();
  auto parsed = ParseRfc3339(text);
  if (!parsed.ok()) return Invalid("datetime", std::string(parsed.status().message()));
  return std::optional<Micros>(*parsed);
}

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

// Appends a length-prefixed field, so that no two different searches serialise alike.
void AppendField(std::string& out, char tag, std::string_view value) {
  StrAppend(&out, std::string_view(&tag, 1), value.size(), ":", value);
}

}  // namespace

absl::StatusOr<Bbox> BboxFromNumbers(const std::vector<double>& n) {
  if (n.size() != 4 && n.size() != 6) {
    return Invalid("bbox", StrCat("expected 4 numbers (west,south,east,north) or 6 (with "
                                  "minimum and maximum elevation), got ",
                                  n.size()));
  }
  for (double value : n) {
    if (!std::isfinite(value)) return Invalid("bbox", "the numbers must be finite");
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
  for (char c : text) value = std::min<int64_t>(value * 10 + (c - '0'), int64_t{1} << 40);
  if (value < 1) return Invalid("limit", "must be at least 1");
  return int(std::min<int64_t>(value, kMaxLimit));
}

absl::StatusOr<int> LimitFromJson(const json::value& v) {
  if (v.is_int64()) {
    if (v.get_int64() < 1) return Invalid("limit", "must be at least 1");
    return int(std::min<int64_t>(v.get_int64(), kMaxLimit));
  }
  if (v.is_uint64()) return kMaxLimit;  // beyond int64: clamped like any large value
  if (v.is_double() && std::isfinite(v.get_double()) &&
      std::trunc(v.get_double()) == v.get_double()) {
    if (v.get_double() < 1) return Invalid("limit", "must be at least 1");
    return int(std::min<double>(v.get_double(), kMaxLimit));
  }
  return Invalid("limit", "expected an integer from 1 to 10000");
}

absl::StatusOr<std::string> IntersectsFromJson(const json::value& v) {
  auto geometry = NormalizeGeometry(v);
  if (!geometry.ok()) return Invalid("intersects", ToStd(geometry.status().message()));
  return geometry;
}

absl::StatusOr<std::string> ParseIntersectsText(std::string_view text) {
  auto value = ParseJsonExactly(text, "intersects");
  if (!value.ok()) return Invalid("intersects", "expected a GeoJSON geometry as JSON");
  return IntersectsFromJson(*value);
}

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

std::string SearchFingerprint(const SearchRequest& request, std::string_view scope) {
  std::string canonical;
  AppendField(canonical, 's', scope);
  for (const std::string& collection : request.collections) AppendField(canonical, 'c', collection);
  for (const std::string& id : request.ids) AppendField(canonical, 'i', id);
  if (request.bbox) AppendField(canonical, 'b', BboxGeoJson(*request.bbox));
  if (request.intersects) AppendField(canonical, 'g', *request.intersects);
  if (request.datetime) {
    AppendField(canonical, 'd',
                StrCat(request.datetime->start ? StrCat(*request.datetime->start) : "..", "/",
                       request.datetime->end ? StrCat(*request.datetime->end) : ".."));
  }
  if (request.filter) AppendField(canonical, 'f', cql2::ToJson(*request.filter));
  if (request.q) AppendField(canonical, 'q', *request.q);
  // The order: a token holds the sort key values of its row, which fit no other order.
  for (const SortField& key : request.sortby) {
    AppendField(canonical, key.descending ? '-' : '+', key.field);
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

}  // namespace stacfed::search

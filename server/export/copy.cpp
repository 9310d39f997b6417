#include "server/export/copy.hpp"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libstac/base/strings.hpp"

namespace stacfed::exports {
namespace {

std::string_view StringMember(simdjson::dom::object object, std::string_view key) {
  std::string_view value;
  if (object[key].get_string().get(value) != simdjson::SUCCESS) return {};
  return value;
}

bool HasRole(simdjson::dom::object asset, std::string_view role) {
  simdjson::dom::array roles;
  if (asset["roles"].get_array().get(roles) != simdjson::SUCCESS) return false;
  for (simdjson::dom::element element : roles) {
    std::string_view value;
    if (element.get_string().get(value) == simdjson::SUCCESS && value == role) return true;
  }
  return false;
}

// `part` is lower case.
bool ContainsIgnoreCase(std::string_view text, std::string_view part) {
  const std::string lower = absl::AsciiStrToLower(ToAbsl(text));
  return lower.find(part) != std::string::npos;
}

bool EndsWithIgnoreCase(std::string_view text, std::string_view suffix) {
  return absl::EndsWithIgnoreCase(ToAbsl(text), ToAbsl(suffix));
}

// The href without query and fragment, for its suffix.
std::string_view PathOf(std::string_view href) {
  return href.substr(0, std::min(href.find('?'), href.find('#')));
}

bool IsUrl(std::string_view href) {
  return absl::StartsWithIgnoreCase(ToAbsl(href), "http://") ||
         absl::StartsWithIgnoreCase(ToAbsl(href), "https://") ||
         absl::StartsWithIgnoreCase(ToAbsl(href), "s3://") ||
         absl::StartsWithIgnoreCase(ToAbsl(href), "gs://") ||
         absl::StartsWithIgnoreCase(ToAbsl(href), "az://");
}

Copy Describe(simdjson::dom::object copy, std::string_view key) {
  Copy chosen;
  chosen.key = std::string(key);
  chosen.href = std::string(StringMember(copy, "href"));
  chosen.media_type = std::string(StringMember(copy, "type"));
  chosen.site = std::string(StringMember(copy, "site:ref"));
  if (chosen.site == "unknown") chosen.site.clear();
  chosen.format = FormatOf(copy, chosen.href, chosen.media_type);
  chosen.engine = EngineOf(copy, chosen.format, chosen.href);
  return chosen;
}

bool AtSiteOnline(simdjson::dom::object copy, std::string_view site) {
  return StringMember(copy, "site:ref") == site && StringMember(copy, "access:status") == "online";
}

}  // namespace

std::string FormatOf(simdjson::dom::object copy, std::string_view href,
                     std::string_view media_type) {
  const std::string_view protocol = StringMember(copy, "access:protocol");
  const std::string_view engine = StringMember(copy, "access:engine");
  if (protocol == "kerchunk" || engine == "kerchunk" || StringMember(copy, "protocol") == "kerchunk" ||
      ContainsIgnoreCase(media_type, "kerchunk") || href.starts_with("reference::")) {
    return "reference";
  }
  if (protocol == "opendap") return "opendap";
  if (ContainsIgnoreCase(media_type, "zarr") || protocol == "zarr" || protocol == "icechunk" ||
      engine == "zarr") {
    return "zarr";
  }
  if (ContainsIgnoreCase(media_type, "netcdf") || engine == "netcdf4" || engine == "h5netcdf") {
    return "netcdf";
  }
  if (ContainsIgnoreCase(media_type, "grib") || engine == "cfgrib") return "grib";
  const std::string_view path = PathOf(href);
  if (EndsWithIgnoreCase(path, ".nc") || EndsWithIgnoreCase(path, ".nc4")) return "netcdf";
  if (EndsWithIgnoreCase(path, ".zarr") || EndsWithIgnoreCase(path, "/zarr")) return "zarr";
  if (EndsWithIgnoreCase(path, ".grib") || EndsWithIgnoreCase(path, ".grib2") ||
      EndsWithIgnoreCase(path, ".grb")) {
    return "grib";
  }
  return "";
}

std::string EngineOf(simdjson::dom::object copy, std::string_view format, std::string_view href) {
  if (std::string_view engine = StringMember(copy, "access:engine"); !engine.empty()) {
    return std::string(engine);
  }
  simdjson::dom::object kwargs;
  if (copy["xarray:open_kwargs"].get_object().get(kwargs) == simdjson::SUCCESS) {
    if (std::string_view engine = StringMember(kwargs, "engine"); !engine.empty()) {
      return std::string(engine);
    }
  }
  if (format == "reference") return "kerchunk";
  if (format == "zarr") return "zarr";
  if (format == "opendap") return "netcdf4";
  if (format == "netcdf") return IsUrl(href) ? "h5netcdf" : "netcdf4";
  if (format == "grib") return "cfgrib";
  return "";
}

Copy ChooseCopy(simdjson::dom::object asset) { return Describe(asset, ""); }

bool HasDataRole(simdjson::dom::object asset) { return HasRole(asset, "data"); }

bool IsAncillary(simdjson::dom::object asset) {
  return HasRole(asset, "thumbnail") || HasRole(asset, "overview") || HasRole(asset, "metadata");
}

}  // namespace stacfed::exports

#pragma once
// Which copy of an asset an export hands to the analysis tools, and what it is: the one place
// that decides the path or URL (and its format and engine) of every row of an intake-esm
// export and of the xarray snippet (intake_esm.hpp, xarray_snippet.hpp).
//
// The rule: the asset's own `href`. For a client's site the item has been ranked first by
// the search layer (server/search/client_site.hpp, RankCopies): the best copy the client can
// read is then the asset's href, so the export and the API agree on it.
//
// Format (the intake-esm `format` column) and engine (xarray's) come from the chosen copy's
// annotations (crawler/README.md, "Annotation"), falling back on its media type, then on the
// href's suffix:
//   format: `reference` (kerchunk: access:protocol or access:engine kerchunk, a kerchunk
//           media type, a `reference::` href, ESGF's `protocol: kerchunk`), `opendap`
//           (access:protocol opendap), `zarr`, `netcdf`, `grib`; "" when nothing tells.
//   engine: access:engine, else xarray:open_kwargs.engine, else by format: reference ->
//           kerchunk, zarr -> zarr, netcdf -> netcdf4 for paths and OPeNDAP, h5netcdf for
//           URLs (https, s3), grib -> cfgrib; "" when the format is unknown.

#include <string>
#include <string_view>

#include "simdjson.h"

namespace stacfed::exports {

struct Copy {
  std::string href;
  std::string format;
  std::string engine;
  std::string site;        // its site:ref ("" when not annotated)
  std::string media_type;  // its type ("" when none)
  std::string key;         // "" for the asset itself, else its key in `alternate`
};

// `asset`: an asset object of an item (ranked for the client's site when it named one).
Copy ChooseCopy(simdjson::dom::object asset);

// The format and engine of one copy (an asset or an alternate value), as above.
std::string FormatOf(simdjson::dom::object copy, std::string_view href,
                     std::string_view media_type);
std::string EngineOf(simdjson::dom::object copy, std::string_view format, std::string_view href);

// Whether an asset holds data, as annotate/ decides for site:locations: role `data`; where
// no asset of the item has that role, every asset but thumbnails, overviews and metadata.
bool HasDataRole(simdjson::dom::object asset);
bool IsAncillary(simdjson::dom::object asset);

}  // namespace stacfed::exports

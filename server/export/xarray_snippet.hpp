#pragma once
// A search as a ready-to-run Python program that opens its items with xarray: pystac-client
// runs the same search (the client's site, when named, as a parameter of every request:
// `Client.open(root, parameters={"client_site": ...})`), and each item's data is opened from
// the copy chosen by the rule of copy.hpp (written again in Python: the same site, online,
// else the asset itself), with the engine and `xarray:open_kwargs` its annotations give.
//
// Per item, one dataset: a kerchunk reference when the item has one (opened through fsspec's
// `reference://` filesystem with engine zarr), else a Zarr store (engine zarr), else its
// NetCDF (or GRIB) files combined with `xr.open_mfdataset` (combine="by_coords"). The result
// is a dict of datasets keyed by item id: items of one search are rarely one dataset (other
// variables, members, models), and a dict is what intake-esm's to_dataset_dict gives too.
// The program opens lazily (no values are read) and touches the network only in main().

#include <string>
#include <string_view>

#include "server/search/request.hpp"

namespace stacfed::exports {

struct SnippetInput {
  std::string root_url;     // what Client.open opens: the root, or a catalog's URL
  std::string source_url;   // the export's own URL, named in the header comment
  search::QueryParams parameters;  // the search's GET parameters, as given
  std::string client_site;  // "" when none
};

std::string RenderXarraySnippet(const SnippetInput& input);

}  // namespace stacfed::exports

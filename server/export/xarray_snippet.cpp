#include "server/export/xarray_snippet.hpp"

#include "libstac/base/strings.hpp"

namespace stacfed::exports {
namespace {

// A Python string literal: JSON's string syntax is Python's (every escape JSON writes means
// the same in Python, and non-ASCII text stays UTF-8, which Python source is by default).
std::string PythonString(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

// The program's fixed part: from the parameters to the datasets.
constexpr std::string_view kProgram = R"PY(
def search_query(parameters):
    """The search's GET query, every parameter as the export was given it but the paging
    ones and `fields` (opening an item needs all of it). It is put on the search URL as it
    is: pystac-client's search() has no argument for some (q), and would rewrite others (a
    CQL2 filter, without the cql2 package, only with filter_lang)."""
    return urllib.parse.urlencode([(name, value) for name, value in parameters.items()
                                   if name not in ("limit", "token", "fields")])


def choose_copy(asset):
    """The copy to open: at CLIENT_SITE and online, else the asset itself (stacfed's rule)."""
    copies = [(asset.href, asset.extra_fields)]
    for value in (asset.extra_fields.get("alternate") or {}).values():
        if isinstance(value, dict) and value.get("href"):
            copies.append((value["href"], value))
    if CLIENT_SITE:
        for href, fields in copies:
            if fields.get("site:ref") == CLIENT_SITE and fields.get("access:status") == "online":
                return href, fields
    return copies[0]


def format_of(href, fields, media_type):
    media_type = (media_type or "").lower()
    protocol = fields.get("access:protocol") or fields.get("protocol")
    engine = fields.get("access:engine")
    if (protocol == "kerchunk" or engine == "kerchunk" or "kerchunk" in media_type
            or href.startswith("reference::")):
        return "reference"
    if "zarr" in media_type or engine == "zarr" or href.rstrip("/").endswith((".zarr", "/zarr")):
        return "zarr"
    if "grib" in media_type or engine == "cfgrib":
        return "grib"
    return "netcdf"


def open_kwargs(fields):
    kwargs = dict(fields.get("xarray:open_kwargs") or {})
    kwargs.pop("engine", None)
    return kwargs


def open_reference(href, fields, media_type):
    """A kerchunk reference through fsspec's reference:// filesystem, engine zarr."""
    if href.startswith("reference::"):
        href = href[len("reference::"):]
    storage_options = dict(fields.get("xarray:storage_options") or {})
    storage_options.pop("lazy", None)
    storage_options["fo"] = href
    if "zstd" in (media_type or "") or href.endswith(".zst"):
        storage_options.setdefault("target_options", {})["compression"] = "zstd"
    kwargs = open_kwargs(fields)
    kwargs["consolidated"] = False
    return xr.open_dataset("reference://", engine="zarr",
                           backend_kwargs={"storage_options": storage_options, **kwargs})


def open_item(item):
    """One dataset per item: its reference, else its Zarr store, else its files combined."""
    chosen = []
    data = [a for a in item.assets.values() if "data" in (a.roles or [])]
    if not data:
        data = [a for a in item.assets.values()
                if not {"thumbnail", "overview", "metadata"} & set(a.roles or [])]
    for asset in data:
        href, fields = choose_copy(asset)
        media_type = fields.get("type", asset.media_type)
        chosen.append((format_of(href, fields, media_type), href, fields, media_type))
    for kind in ("reference", "zarr"):
        for fmt, href, fields, media_type in chosen:
            if fmt == kind and kind == "reference":
                return open_reference(href, fields, media_type)
            if fmt == kind:
                return xr.open_dataset(href, engine="zarr", **open_kwargs(fields))
    files = [(href, fields) for fmt, href, fields, _ in chosen if fmt in ("netcdf", "grib")]
    if not files:
        return None
    remote = [href.startswith(("http://", "https://", "s3://")) for href, _ in files]
    # File objects (remote copies) need h5netcdf; local paths take their annotated engine.
    if any(fmt == "grib" for fmt, _, _, _ in chosen):
        engine = "cfgrib"
    elif any(remote):
        engine = "h5netcdf"
    else:
        engine = files[0][1].get("access:engine") or "netcdf4"
    paths = [fsspec.open(href).open() if is_remote else href
             for (href, _), is_remote in zip(files, remote)]
    return xr.open_mfdataset(paths, engine=engine, combine="by_coords",
                             **open_kwargs(files[0][1]))


def main():
    client = pystac_client.Client.open(
        ROOT, parameters={"client_site": CLIENT_SITE} if CLIENT_SITE else None)
    # A GET search (its next links carry the query) on the API's search URL.
    search = client.search(method="GET")
    query = search_query(SEARCH_PARAMETERS)
    if query:
        search.url += ("&" if "?" in search.url else "?") + query
    datasets = {}
    for item in search.items():
        dataset = open_item(item)
        if dataset is not None:
            datasets[item.id] = dataset
    return datasets


if __name__ == "__main__":
    datasets = main()
    for item_id, dataset in datasets.items():
        print(item_id, dict(dataset.sizes))
)PY";

}  // namespace

std::string RenderXarraySnippet(const SnippetInput& input) {
  std::string out;
  out.reserve(kProgram.size() + 1024);
  out += "# Opens the items of a stacfed search with xarray, from the copies chosen for ";
  out += input.client_site.empty() ? std::string("any site") : StrCat("site ", input.client_site);
  out += ".\n";
  // The URL is written as a string below; here, only what cannot end the comment line.
  std::string source = input.source_url;
  for (char& c : source) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  StrAppend(&out, "# Generated by stacfed from ", source, "\n");
  out +=
      "# Needs: pystac-client, xarray, fsspec, and as the data asks: h5netcdf or netCDF4, zarr,\n"
      "# kerchunk, cfgrib. Datasets open lazily: a dict of them, keyed by item id.\n"
      "import urllib.parse\n\nimport fsspec\nimport pystac_client\nimport xarray as xr\n\n";
  StrAppend(&out, "ROOT = ", PythonString(input.root_url), "\n");
  StrAppend(&out, "CLIENT_SITE = ",
            input.client_site.empty() ? std::string("None") : PythonString(input.client_site),
            "\n");
  out += "# The search's parameters, as in its GET query.\nSEARCH_PARAMETERS = {";
  bool first = true;
  for (const auto& [name, value] : input.parameters) {
    out += first ? "\n" : ",\n";
    first = false;
    StrAppend(&out, "    ", PythonString(name), ": ", PythonString(value));
  }
  out += first ? "}\n" : ",\n}\n";
  out += kProgram;
  return out;
}

}  // namespace stacfed::exports

"""A search exported for analysis (issue 18): the intake-esm catalog (ESM collection JSON and
its streamed CSV) and the Python program opening the matches with xarray, over real HTTP.

The data is made here: ESGF-shaped items from bench/generate.py (small) and a collection of
items whose copies carry site-access annotations (a same-site copy on disk, one on tape, a
kerchunk reference, a Zarr store, an href that needs CSV quoting), loaded with `stacfed load`
into a database of this module, with a federation placing that collection in a catalog.
Every expectation is computed from those items: which assets are data, which copy a site
gets (the rule of server/export/copy.hpp, written again below), the facet values.
"""

import ast
import csv
import io
import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import jsonschema
import pytest
import requests

from conftest import REPO, _base_env, _run

GENERATED_COLLECTIONS = 2
GENERATED_ITEMS = 40
SITES = "export-sites"

# The ESM collection spec 0.1.0 (github.com/NCAR/esm-collection-spec, collection-spec.md) as
# a JSON Schema written for this test (nothing is fetched while testing): its required
# members and their types.
ESMCAT_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["esmcat_version", "id", "description", "attributes", "assets"],
    "oneOf": [{"required": ["catalog_file"]}, {"required": ["catalog_dict"]}],
    "properties": {
        "esmcat_version": {"type": "string", "const": "0.1.0"},
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "catalog_file": {"type": "string"},
        "catalog_dict": {"type": "array"},
        "attributes": {"type": "array", "items": {
            "type": "object", "required": ["column_name"],
            "properties": {"column_name": {"type": "string"}, "vocabulary": {"type": "string"}}}},
        "assets": {"type": "object", "required": ["column_name"],
                   "properties": {"column_name": {"type": "string"},
                                  "format": {"type": "string", "enum": ["netcdf", "zarr"]},
                                  "format_column_name": {"type": "string"}},
                   "not": {"required": ["format", "format_column_name"]}},
        "aggregation_control": {
            "type": "object", "required": ["variable_column_name"],
            "properties": {
                "variable_column_name": {"type": "string"},
                "groupby_attrs": {"type": "array", "items": {"type": "string"}},
                "aggregations": {"type": "array", "items": {
                    "type": "object", "required": ["agg_type"],
                    "properties": {
                        "agg_type": {"enum": ["join_new", "join_existing", "union"]},
                        "attribute_name": {"type": "string"},
                        "options": {"type": "object"}}}}}},
    },
}


def _asset(href, **fields):
    return {"href": href, **fields}


def site_items():
    """Items whose copies are annotated (crawler/README.md, "Annotation")."""
    base = {"type": "Feature", "stac_version": "1.1.0", "collection": SITES,
            "geometry": {"type": "Point", "coordinates": [10.0, 53.5]}, "bbox": [10, 53.5, 10, 53.5],
            "links": []}

    def item(i, variable, assets):
        return {**base, "id": f"site-{i}", "assets": assets, "properties": {
            "datetime": None, "start_datetime": f"20{10 + i}-01-01T00:00:00Z",
            "end_datetime": f"20{10 + i}-12-31T00:00:00Z", "version": f"2024010{i}",
            "cmip6:variable_id": variable, "cmip6:source_id": "ICON-ESM-ER",
            "cmip6:experiment_id": "hist-1950", "cmip6:member_id": "r1i1p1f1"}}

    return [
        item(1, "tas", {
            "tas.nc": _asset("https://esgf.ceda.ac.uk/tas.nc", type="application/netcdf",
                             roles=["data"], **{"site:ref": "ceda", "access:status": "online"},
                             alternate={
                                 "dkrz-tape": {"href": "slk:///arch/tas.nc", "site:ref": "dkrz",
                                               "access:status": "nearline"},
                                 "dkrz-disk": {"href": "/pool/data/tas.nc", "site:ref": "dkrz",
                                               "access:status": "online",
                                               "access:engine": "netcdf4"}}),
            "thumbnail": _asset("https://x.invalid/t.png", type="image/png", roles=["thumbnail"])}),
        item(2, "pr", {
            "kerchunk": _asset("https://eerie.cloud.dkrz.de/datasets/pr/kerchunk",
                               type="application/vnd+zarr", roles=["data", "references"],
                               **{"site:ref": "dkrz", "access:status": "online",
                                  "access:protocol": "kerchunk", "access:engine": "kerchunk"}),
            "doc": _asset("https://x.invalid/doc.html", type="text/html", roles=["metadata"])}),
        item(3, "uas", {  # no data role: every asset but thumbnails, overviews and metadata
            "zarr": _asset("https://eerie.cloud.dkrz.de/datasets/uas/zarr",
                           type="application/vnd+zarr",
                           **{"xarray:open_kwargs": {"engine": "zarr", "consolidated": True}}),
            "overview": _asset("https://x.invalid/o.png", type="image/png", roles=["overview"])}),
        item(4, "va", {
            'a,"b".nc': _asset('https://x.invalid/a,"b".nc', type="application/netcdf",
                               roles=["data"])}),
    ]


def site_collection():
    return {"type": "Collection", "stac_version": "1.1.0", "id": SITES,
            "description": "Items with annotated copies (export tests)", "license": "other",
            "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                       "temporal": {"interval": [["2010-01-01T00:00:00Z", None]]}},
            "links": []}


@pytest.fixture(scope="module")
def export_data(cluster, stac_bin, tmp_path_factory):
    """(database URL, collections, items) of this module's own database."""
    name = f"conformance_{os.getpid()}_export"
    cluster.drop_database(name)
    url = cluster.create_database(name)
    folder = tmp_path_factory.mktemp("export")
    generated = folder / "generated.ndjson"
    _run([sys.executable, str(REPO / "bench" / "generate.py"), "--items", str(GENERATED_ITEMS),
          "--collections", str(GENERATED_COLLECTIONS), "--seed", "7", "--out", str(generated)],
         _base_env(), "bench/generate.py")
    records = [json.loads(line) for line in generated.read_text().splitlines() if line]
    records += [site_collection(), *site_items()]
    data = folder / "all.ndjson"
    data.write_text("".join(json.dumps(r) + "\n" for r in records))
    federation = folder / "federation.json"
    federation.write_text(json.dumps({
        "stacfed_federation": "1.0",
        "sites": {"dkrz": {"name": "DKRZ", "country": "DE", "kind": "hpc"},
                  "ceda": {"name": "CEDA", "country": "GB", "kind": "datacentre"}},
        "catalogs": [{"id": "sites-catalog", "title": "Sites", "description": "Export tests",
                      "children": [{"collection": SITES}]}]}))
    env = _base_env()
    env["DATABASE_URL"] = url
    _run([stac_bin, "load", str(data)], env, "stacfed load")
    _run([stac_bin, "federation", "apply", str(federation)], env, "stacfed federation apply")
    collections = {r["id"]: r for r in records if r["type"] == "Collection"}
    items = [r for r in records if r["type"] == "Feature"]
    yield url, collections, items
    cluster.drop_database(name)


@pytest.fixture(scope="module")
def export_server(export_data, workdir):
    from conftest import Server
    srv = Server(export_data[0], workdir)
    assert srv.wait_ready(), srv.log()
    yield srv
    srv.terminate()


# ---- the rules, written again from server/export/copy.hpp ----------------------------------

def data_assets(item):
    assets = list(item["assets"].values())
    if any("data" in (a.get("roles") or []) for a in assets):
        return [a for a in assets if "data" in (a.get("roles") or [])]
    return [a for a in assets
            if not {"thumbnail", "overview", "metadata"} & set(a.get("roles") or [])]


def ranked_items(base, items, site):
    """The items as the API ranks them for `site` (docs/client-site.md; the ranking itself is
    tested in test_client_site.py): the export must name the copies the API puts in href."""
    if not site:
        return items
    wanted = [i["id"] for i in items]
    ranked = {}
    for start in range(0, len(wanted), 50):
        url = base + "/search?" + urllib.parse.urlencode(
            {"ids": ",".join(wanted[start:start + 50]), "client_site": site, "limit": 100})
        while url:
            page = requests.get(url).json()
            ranked.update({(f["collection"], f["id"]): f for f in page["features"]})
            url = next((l["href"] for l in page["links"] if l["rel"] == "next"), None)
    return [ranked[(i["collection"], i["id"])] for i in items]


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return cell(value[0]) if len(value) == 1 else repr(value)
    return str(value)


def fetch_csv(url):
    response = requests.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers.get("Transfer-Encoding") == "chunked"
    assert response.content.endswith(b"\r\n")
    reader = csv.reader(io.StringIO(response.content.decode("utf-8"), newline=""))
    rows = list(reader)
    return rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]


def search_ids(base, path="/search", **params):
    """The ids a search matches, paged through /search (the oracle for bbox and datetime)."""
    ids = []
    url = base + path + "?" + urllib.parse.urlencode({**params, "limit": 100})
    while url:
        page = requests.get(url).json()
        ids += [f["id"] for f in page["features"]]
        url = next((l["href"] for l in page["links"] if l["rel"] == "next"), None)
    return ids


def expected_rows(items, ids, site="", base=None):
    wanted = set(ids)
    chosen = [i for i in items if i["id"] in wanted]
    return sorted((item["id"], a["href"])
                  for item in ranked_items(base, chosen, site) for a in data_assets(item))


def got_rows(rows):
    return sorted((r["id"], r["uri"]) for r in rows)


# ---- the ESM collection JSON -------------------------------------------------------------

def test_intake_esm_json_follows_esmcat_and_names_its_csv(export_server, export_data):
    _, collections, items = export_data
    generated = sorted(c for c in collections if c != SITES)[0]
    query = urllib.parse.urlencode({"collections": generated, "limit": 3})
    response = requests.get(f"{export_server.base}/export/intake-esm.json?{query}")
    assert response.status_code == 200, response.text
    doc = response.json()
    jsonschema.validate(doc, ESMCAT_SCHEMA)
    assert doc["assets"] == {"column_name": "uri", "format_column_name": "format"}
    assert doc["catalog_file"] == f"{export_server.base}/export/intake-esm.csv?{query}"
    count = sum(1 for i in items if i["collection"] == generated)
    assert f"The {count} items" in doc["description"]

    header, rows = fetch_csv(doc["catalog_file"])
    columns = [a["column_name"] for a in doc["attributes"]]
    assert sorted(header) == sorted(columns + ["uri"])
    assert header[:2] == ["id", "collection"] and header[-4:] == ["uri", "format", "engine", "site"]
    for facet in ("activity_id", "source_id", "experiment_id", "member_id", "table_id",
                  "variable_id", "grid_label"):
        assert facet in header
    control = doc["aggregation_control"]
    assert control["variable_column_name"] == "variable_id"
    assert set(control["groupby_attrs"]) <= set(header)

    # One row per data asset of every matched item (limit does not page the export).
    matched = [i for i in items if i["collection"] == generated]
    assert got_rows(rows) == expected_rows(items, [i["id"] for i in matched])
    by_id = {i["id"]: i for i in matched}
    for row in rows:
        props = by_id[row["id"]]["properties"]
        assert row["collection"] == generated
        assert row["variable_id"] == props["cmip6:variable_id"]
        assert row["activity_id"] == cell(props["cmip6:activity_id"])
        assert row["version"] == props["version"]
        assert row["time_range"] == f'{props["start_datetime"]}/{props["end_datetime"]}'
        assert row["format"] in ("netcdf", "reference")
        assert row["engine"] == {"netcdf": "h5netcdf", "reference": "kerchunk"}[row["format"]]


# What intake-esm needs of the JSON and the CSV together, as intake-esm v2022.9.18 and
# v2023.6.14 check it (intake_esm/cat.py): aggregation_control present (v2022.9.18's pydantic
# model requires it; without it v2023.6.14 groups by every column), its variable and group
# columns in the CSV, and no group column with some cells empty and others not
# (`_allnan_or_nonan` raises "should either be all NaN or there should be no NaNs").
def check_intake_esm_groups(doc, header, rows):
    control = doc.get("aggregation_control")
    assert control is not None, doc
    assert control["variable_column_name"] in header
    assert control["groupby_attrs"] and set(control["groupby_attrs"]) <= set(header)
    for column in control["groupby_attrs"]:
        empty = [row["id"] for row in rows if row[column] == ""]
        assert not empty, (column, empty[:3])
    for aggregation in control.get("aggregations", []):
        assert aggregation["attribute_name"] in header


def test_intake_esm_groups_by_columns_that_every_row_fills(export_server, export_data):
    _, collections, items = export_data
    base = export_server.base
    generated = sorted(c for c in collections if c != SITES)
    facets = {}  # per collection: the dataset columns its items carry
    for item in items:
        names = {k.split(":", 1)[-1] for k in item["properties"]}
        facets.setdefault(item["collection"], set()).update(names)
    dataset_columns = ["project", "activity_id", "institution_id", "source_id", "experiment_id",
                       "member_id", "table_id", "grid_label"]
    for searched in ([generated[0]], [SITES], [generated[0], SITES], generated + [SITES]):
        query = urllib.parse.urlencode({"collections": ",".join(searched)})
        doc = requests.get(f"{base}/export/intake-esm.json?{query}").json()
        header, rows = fetch_csv(doc["catalog_file"])
        check_intake_esm_groups(doc, header, rows)
        # DKRZ's grouping by the dataset columns that every searched collection's items carry.
        common = set.intersection(*(facets[c] for c in searched))
        assert doc["aggregation_control"]["groupby_attrs"] == [
            c for c in dataset_columns if c in common], searched
        assert doc["aggregation_control"]["variable_column_name"] == "variable_id"
    scoped = requests.get(f"{base}/catalogs/sites-catalog/export/intake-esm.json").json()
    check_intake_esm_groups(scoped, *fetch_csv(scoped["catalog_file"]))


def test_filters_restrict_the_rows(export_server, export_data):
    _, collections, items = export_data
    base = export_server.base
    variable = items[0]["properties"]["cmip6:variable_id"]
    cases = [
        {"collections": SITES},
        {"filter": f"cmip6:variable_id = '{variable}'"},
        {"ids": ",".join(i["id"] for i in items[:3])},
        {"bbox": "0,0,40,60"},
        {"datetime": "1990-01-01T00:00:00Z/2012-12-31T00:00:00Z"},
        {"q": variable, "sortby": "-id"},
    ]
    for params in cases:
        ids = search_ids(base, **params)
        if "filter" in params:
            assert sorted(ids) == sorted(i["id"] for i in items
                                         if i["properties"].get("cmip6:variable_id") == variable)
        if "collections" in params:
            assert sorted(ids) == sorted(i["id"] for i in items if i["collection"] == SITES)
        _, rows = fetch_csv(f"{base}/export/intake-esm.csv?{urllib.parse.urlencode(params)}")
        assert got_rows(rows) == expected_rows(items, ids), params
        assert rows, params
        if "bbox" not in params and "datetime" not in params and "q" not in params:
            assert len(rows) < sum(len(data_assets(i)) for i in items), params


def test_client_site_chooses_the_copies_and_quotes(export_server, export_data):
    _, _, items = export_data
    for site in ("", "dkrz", "ceda"):
        params = {"collections": SITES, **({"client_site": site} if site else {})}
        header, rows = fetch_csv(
            f"{export_server.base}/export/intake-esm.csv?{urllib.parse.urlencode(params)}")
        ids = [i["id"] for i in items if i["collection"] == SITES]
        assert got_rows(rows) == expected_rows(items, ids, site, export_server.base)
        by_id = {r["id"]: r for r in rows}
        assert by_id["site-1"]["uri"] == ("/pool/data/tas.nc" if site == "dkrz"
                                          else "https://esgf.ceda.ac.uk/tas.nc")
        assert by_id["site-1"]["engine"] == ("netcdf4" if site == "dkrz" else "h5netcdf")
        assert by_id["site-2"]["format"] == "reference"
        assert by_id["site-3"]["format"] == "zarr" and by_id["site-3"]["engine"] == "zarr"
        assert by_id["site-4"]["uri"] == 'https://x.invalid/a,"b".nc'
        assert by_id["site-1"]["variable_id"] == "tas"
    bad = requests.get(f"{export_server.base}/export/intake-esm.csv?client_site=a%20b")
    assert bad.status_code == 400 and "client_site" in bad.json()["description"]
    for path in ("intake-esm.json", "intake-esm.csv", "xarray.py"):
        unknown = requests.get(f"{export_server.base}/export/{path}?client_site=nowhere")
        assert unknown.status_code == 400, (path, unknown.text)
        assert "known sites" in unknown.json()["description"], unknown.text


def test_catalog_scoped_exports(export_server, export_data):
    _, _, items = export_data
    base = export_server.base
    scoped = f"{base}/catalogs/sites-catalog"
    doc = requests.get(f"{scoped}/export/intake-esm.json").json()
    jsonschema.validate(doc, ESMCAT_SCHEMA)
    assert doc["catalog_file"] == f"{scoped}/export/intake-esm.csv"
    _, rows = fetch_csv(doc["catalog_file"])
    ids = [i["id"] for i in items if i["collection"] == SITES]
    assert got_rows(rows) == expected_rows(items, ids)
    assert requests.get(f"{base}/catalogs/nope/export/intake-esm.csv").status_code == 404
    assert requests.get(f"{base}/catalogs/nope/export/xarray.py").status_code == 404


def test_search_responses_link_their_exports(export_server, export_data):
    _, collections, items = export_data
    base = export_server.base
    generated = sorted(c for c in collections if c != SITES)[0]
    get = requests.get(f"{base}/search", params={"collections": generated, "limit": 2}).json()
    post = requests.post(f"{base}/search", json={"collections": [generated], "limit": 2}).json()
    scoped = requests.get(f"{base}/catalogs/sites-catalog/search").json()
    for page, prefix in ((get, f"{base}/export"), (post, f"{base}/export"),
                         (scoped, f"{base}/catalogs/sites-catalog/export")):
        links = {l["type"]: l for l in page["links"] if l["rel"] == "alternate"}
        intake = links["application/vnd.intake-esm+json"]
        python = links["text/x-python"]
        assert intake["title"] and python["title"]
        assert intake["href"].startswith(prefix + "/intake-esm.json")
        assert python["href"].startswith(prefix + "/xarray.py")
        doc = requests.get(intake["href"]).json()
        _, rows = fetch_csv(doc["catalog_file"])
        if page is not scoped:
            expected = [i["id"] for i in items if i["collection"] == generated]
            assert got_rows(rows) == expected_rows(items, expected)
        assert requests.get(python["href"]).status_code == 200
    # Next pages link the same export (without their token).
    nxt = next(l["href"] for l in get["links"] if l["rel"] == "next")
    page2 = requests.get(nxt).json()
    assert [l["href"] for l in page2["links"] if l["rel"] == "alternate"] == \
        [l["href"] for l in get["links"] if l["rel"] == "alternate"]
    # An items page has no export links.
    items_page = requests.get(f"{base}/collections/{generated}/items").json()
    assert not [l for l in items_page["links"] if l["rel"] == "alternate"]


def test_the_python_program_compiles_and_names_the_search(export_server):
    params = {"collections": SITES, "filter": "cmip6:variable_id = 'tas'",
              "datetime": "2010-01-01T00:00:00Z/..", "client_site": "dkrz"}
    response = requests.get(f"{export_server.base}/export/xarray.py",
                            params=params)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/x-python; charset=utf-8"
    program = response.text
    compile(program, "xarray.py", "exec")
    subprocess.run([sys.executable, "-c", "import ast,sys; ast.parse(sys.stdin.read())"],
                   input=program, text=True, check=True)
    assigned = {}
    for node in ast.parse(program).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                assigned[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    assert assigned["ROOT"] == export_server.base + "/"
    assert assigned["CLIENT_SITE"] == "dkrz"
    assert assigned["SEARCH_PARAMETERS"] == {k: v for k, v in params.items() if k != "client_site"}
    assert "pystac_client.Client.open(" in program and "xr.open_mfdataset" in program
    assert 'parameters={"client_site": CLIENT_SITE}' in program
    assert "reference://" in program

    scoped = requests.get(f"{export_server.base}/catalogs/sites-catalog/export/xarray.py").text
    compile(scoped, "xarray.py", "exec")
    assert f'ROOT = "{export_server.base}/catalogs/sites-catalog"' in scoped
    assert "CLIENT_SITE = None" in scoped


# The keyword arguments of Client.search() in pystac-client 0.9.0: no `q`; a string filter
# without filter_lang needs the cql2 package (not a dependency) unless sent by GET.
PYSTAC_CLIENT_090_SEARCH = {"method", "max_items", "limit", "ids", "collections", "bbox",
                            "intersects", "datetime", "query", "filter", "filter_lang", "sortby",
                            "fields", "modifier"}


def test_the_python_program_searches_with_every_parameter(export_server, export_data):
    _, _, items = export_data
    base = export_server.base
    params = {"collections": SITES, "filter": "cmip6:variable_id <> 'uas'", "q": "tas,pr,va",
              "datetime": "2010-01-01T00:00:00Z/..", "sortby": "-id", "limit": "2",
              "fields": "id"}  # fields: the program needs whole items
    program = requests.get(f"{base}/export/xarray.py", params=params).text
    tree = ast.parse(program)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr == "search"]
    assert calls, "the program calls client.search()"
    for call in calls:  # what pystac-client 0.9.0 accepts, sent as GET
        keywords = {k.arg: k.value for k in call.keywords}
        assert set(keywords) <= PYSTAC_CLIENT_090_SEARCH, set(keywords)
        assert ast.literal_eval(keywords["method"]) == "GET"
    # The query the program puts on the search URL selects what the search selects.
    namespace = {"urllib": urllib}
    assigned = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "search_query":
            exec(compile(ast.Module(body=[node], type_ignores=[]), "xarray.py", "exec"),
                 namespace)
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == \
                "SEARCH_PARAMETERS":
            assigned = ast.literal_eval(node.value)
    query = namespace["search_query"](assigned)
    assert not {"limit", "fields"} & set(urllib.parse.parse_qs(query))
    got = []
    url = f"{base}/search?{query}"
    while url:
        page = requests.get(url).json()
        assert "features" in page, page
        got += [f["id"] for f in page["features"]]
        url = next((l["href"] for l in page["links"] if l["rel"] == "next"), None)
    wanted = search_ids(base, **{k: v for k, v in params.items() if k not in ("limit", "fields")})
    assert got == wanted and 0 < len(got) < len([i for i in items if i["collection"] == SITES])


def test_bad_parameters_are_400(export_server):
    for path in ("intake-esm.json", "intake-esm.csv", "xarray.py"):
        for query in ("bbox=1,2", "nope=1", "client_site=", "filter=("):
            response = requests.get(f"{export_server.base}/export/{path}?{query}")
            assert response.status_code == 400, (path, query)
            assert response.json()["code"] == "BadRequest"


def test_an_export_over_the_limit_is_400(own_server, export_data):
    url, collections, items = export_data
    generated = sorted(c for c in collections if c != SITES)[0]
    in_generated = sum(1 for i in items if i["collection"] == generated)
    limit = in_generated - 1
    srv = own_server(url, STACFED_EXPORT_MAX_ITEMS=limit)
    for path in ("intake-esm.json", "intake-esm.csv"):
        # Whole collections: the exact count from the collections' item counts.
        response = requests.get(f"{srv.base}/export/{path}", params={"collections": generated})
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "BadRequest"
        assert f"{in_generated} items match; the export limit is {limit} " \
               "(STACFED_EXPORT_MAX_ITEMS)" in body["description"]
        # A filtered search: counted up to the limit.
        response = requests.get(f"{srv.base}/export/{path}",
                                params={"collections": generated, "datetime": "1800-01-01T00:00:00Z/.."})
        assert response.status_code == 400
        assert f"more than {limit} items match" in response.json()["description"]
        # Within the limit: exported.
        response = requests.get(f"{srv.base}/export/{path}", params={"collections": SITES})
        assert response.status_code == 200

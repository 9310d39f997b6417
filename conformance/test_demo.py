"""The demo shows issue 18's features (README.md, "The demo: where the data is").

The demo is produced as deploy/run.sh produces it: deploy/demo/load.py harvests the demo's
documents (deploy/demo/*.ndjson) from static catalogs with the demo federation file (the
`demo` fixture of conftest.py). Expectations are computed here from the demo files and the
federation file's sites, by a reading of the annotation rules of its own (crawler/README.md,
"Annotation", as far as the demo's copies need them): where each copy is, which copies are
online. Then, against the served demo:

* ranking: a dataset ESGF East publishes and DKRZ replicates gets a Levante path first for a
  DKRZ client, a JASMIN path first for a CEDA client, CEDA's OPeNDAP for anyone else; the
  header and the parameter agree; each site's POSIX paths are hidden from the others; the
  tape copy is never the href; a page of a search with client_site ranks every item;
* the locality filter and the aggregations by site and by online status count what the
  files say; /catalogs' stacfed:site_counts are the per-site counts below each catalog;
* the exports parse: the intake-esm JSON's fields, the CSV's columns and rows (ranked paths),
  the xarray program compiles.

Without the harvest's annotation (items loaded as they are) these fail: nothing is located.
"""

import csv
import io
import json
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest
import requests

from conftest import DEMO_PUBLIC

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "deploy" / "demo"
FEDERATION = json.loads((DEMO / "federation.json").read_text())
SITES = FEDERATION["sites"]
SKIP_ROLES = {"thumbnail", "overview", "metadata"}


def demo_documents():
    collections, items = [], []
    for path in sorted(DEMO.glob("*.ndjson")):
        for line in path.read_text().splitlines():
            if line.strip():
                doc = json.loads(line)
                (collections if doc["type"] == "Collection" else items).append(doc)
    return collections, items


COLLECTIONS, ITEMS = demo_documents()


# ---- the expectations: where each copy is ----------------------------------------------------


def site_of_host(host):
    host = (host or "").lower()
    for site, spec in SITES.items():
        names = list(spec.get("hosts", [])) + [g["host"] for g in spec.get("gateways", [])]
        for name in names:
            if host == name.lstrip(".") or (name.startswith(".") and host.endswith(name)):
                return site
    return None


def site_of_path(path):
    for site, spec in SITES.items():
        for prefix in spec.get("paths", []):
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return site
    return None


def path_of(href):
    for scheme in ("reference::", "file://", "slk://"):
        if href.startswith(scheme):
            return href[len(scheme):]
    return href if href.startswith("/") else None


def site_of_copy(copy):
    href = copy["href"]
    path = path_of(href)
    if path is not None:
        return site_of_path(path)
    parts = urllib.parse.urlsplit(href)
    if parts.scheme == "s3":
        return site_of_host("eodata.dataspace.copernicus.eu") if parts.netloc == "eodata" else None
    return site_of_host(parts.hostname) or (site_of_host(copy["node"]) if copy.get("node") else None)


def is_tape(copy):
    return (copy["href"].startswith("slk://")
            or (copy.get("xarray:storage_options") or {}).get("remote_protocol") == "slk")


def data_assets(item):
    assets = list(item.get("assets", {}).values())
    with_role = [a for a in assets if "data" in (a.get("roles") or [])]
    return with_role or [a for a in assets if not SKIP_ROLES & set(a.get("roles") or [])]


def copies(asset):
    return [asset] + [c for c in (asset.get("alternate") or {}).values() if isinstance(c, dict)]


def expected_locations(item):
    sites = {site_of_copy(c) for a in data_assets(item) for c in copies(a)}
    for backend in item["properties"].get("federation:backends", []):
        sites |= {s for s, spec in SITES.items() if backend in spec.get("backends", [])}
    return sorted(s for s in sites if s)


def expected_status(item):
    assets = data_assets(item)
    online = [any(not is_tape(c) for c in copies(a)) for a in assets]
    if assets and all(online):
        return "online"
    return "partial" if any(online) else "offline"


def replicated(item):
    """An ESGF East item whose files DKRZ replicates (make_demo.py: east_copies)."""
    return any("dkrz-levante" in (a.get("alternate") or {}) for a in item.get("assets", {}).values())


def below(catalog_id):
    """The collections below a catalog of the demo federation file."""
    by_id = {c["id"]: c for c in FEDERATION["catalogs"]}
    out = set()
    for child in by_id[catalog_id].get("children", []):
        out |= {child["collection"]} if "collection" in child else below(child["catalog"])
    return out


# ---- helpers ---------------------------------------------------------------------------------


def get(demo, path, **kwargs):
    r = requests.get(demo.base + path, **kwargs)
    assert r.status_code == 200, (path, r.status_code, r.text[:500])
    return r


def all_items(demo, **params):
    items, path = [], "/search?" + urllib.parse.urlencode({"limit": 1000, **params})
    for _ in range(100):
        page = get(demo, path).json()
        items += page["features"]
        nxt = [link for link in page["links"] if link["rel"] == "next"]
        if not nxt:
            return items
        path = nxt[0]["href"][len(DEMO_PUBLIC):]
    raise AssertionError("next links loop")


def matched(demo, cql):
    return get(demo, "/search", params={"filter": cql, "limit": 1}).json()["numberMatched"]


def buckets(demo, name):
    body = get(demo, "/aggregate", params={"aggregations": name}).json()
    agg = next(a for a in body["aggregations"] if a["name"] == name)
    return {b["key"]: b["frequency"] for b in agg["buckets"]}


def hrefs(asset):
    return [asset["href"]] + [c["href"] for c in (asset.get("alternate") or {}).values()]


def the_replicated_item():
    east = [i for i in ITEMS if i["collection"] == "esgf-east-cmip6" and replicated(i)
            and not i["properties"]["retracted"]]
    assert east, "make_demo.py wrote no ESGF East dataset replicated at DKRZ"
    return east[0]


def item_for(demo, item, site=None, header=None):
    params = {"client_site": site} if site else {}
    headers = {"Client-Site": header} if header else {}
    return get(demo, "/collections/%s/items/%s" % (item["collection"], urllib.parse.quote(item["id"])),
               params=params, headers=headers).json()


# ---- the demo is harvested and annotated ------------------------------------------------------


def test_demo_is_served_whole_and_annotated(demo):
    served = all_items(demo)
    assert sorted((i["collection"], i["id"]) for i in served) == sorted((i["collection"], i["id"]) for i in ITEMS)
    uri = DEMO_PUBLIC + "/extensions/site-access/v1.0.0/schema.json"
    annotated = [i for i in served if uri in i.get("stac_extensions", [])]
    assert len(annotated) == len(ITEMS)
    by_key = {(i["collection"], i["id"]): i for i in served}
    wrong = {k: (by_key[k]["properties"].get("site:locations"), expected_locations(i))
             for i in ITEMS for k in [(i["collection"], i["id"])]
             if by_key[k]["properties"].get("site:locations", []) != expected_locations(i)}
    assert not wrong, list(wrong.items())[:10]
    wrong = {k: (by_key[k]["properties"].get("access:online_status"), expected_status(i))
             for i in ITEMS for k in [(i["collection"], i["id"])]
             if by_key[k]["properties"].get("access:online_status") != expected_status(i)}
    assert not wrong, list(wrong.items())[:10]
    # The demo shows several sites, and every status.
    assert {"dkrz", "ceda", "esgf-west", "cdse-cloud", "ecmwf"} <= {s for i in ITEMS for s in expected_locations(i)}
    assert {expected_status(i) for i in ITEMS} == {"online", "partial", "offline"}


def test_collections_stay_where_the_federation_file_places_them(demo):
    for catalog in FEDERATION["catalogs"]:
        listed = get(demo, "/catalogs/%s/collections" % catalog["id"], params={"limit": 100}).json()["collections"]
        assert {c["id"] for c in listed} == below(catalog["id"]), catalog["id"]


# ---- ranking and hiding ------------------------------------------------------------------------


def test_ranking_differs_by_site_and_hides_other_sites_paths(demo):
    item = the_replicated_item()
    files = [k for k, a in item["assets"].items() if "dkrz-levante" in (a.get("alternate") or {})]
    stored = item_for(demo, item)
    dkrz = item_for(demo, item, "dkrz")
    ceda = item_for(demo, item, "ceda")
    west = item_for(demo, item, "esgf-west")
    for key in files:
        assert stored["assets"][key]["href"] == item["assets"][key]["href"]  # as stored
        assert dkrz["assets"][key]["href"].startswith("/pool/data/CMIP6/")
        assert dkrz["assets"][key]["access:rank"] == 1
        assert ceda["assets"][key]["href"].startswith("/badc/cmip6/data/CMIP6/")
        assert west["assets"][key]["href"].startswith("https://dap.ceda.ac.uk/thredds/dodsC/")
        assert west["assets"][key]["access:rank"] == 4
        # A site's POSIX paths are shown to its own clients only.
        assert not [h for h in hrefs(dkrz["assets"][key]) if h.startswith("/badc")]
        assert not [h for h in hrefs(ceda["assets"][key]) if h.startswith("/pool")]
        assert not [h for h in hrefs(west["assets"][key]) if h.startswith("/")]
        # The tape copy: last for DKRZ, never the href.
        tape = [c for c in dkrz["assets"][key]["alternate"].values() if c["href"].startswith("slk://")]
        assert len(tape) == 1 and tape[0]["access:rank"] == 7 and tape[0]["access:status"] == "nearline"
        assert max(c["access:rank"] for c in dkrz["assets"][key]["alternate"].values()) == 7
        for ranked in (dkrz, ceda, west):
            assert not ranked["assets"][key]["href"].startswith("slk://")
    assert item_for(demo, item, header="dkrz") == dkrz


def test_a_search_page_is_ranked_for_the_site(demo):
    east = [i for i in ITEMS if i["collection"] == "esgf-east-cmip6" and i["properties"]["retracted"] is False]
    page = all_items(demo, collections="esgf-east-cmip6", client_site="dkrz")
    by_id = {i["id"]: i for i in page}
    levante = [i["id"] for i in east if any(a["href"].startswith("/pool/data/") for a in by_id[i["id"]]["assets"].values())]
    assert sorted(levante) == sorted(i["id"] for i in east if replicated(i))


def test_unknown_site_is_a_400_listing_the_demo_sites(demo):
    r = requests.get(demo.base + "/search", params={"client_site": "nowhere"})
    assert r.status_code == 400
    assert all(site in r.json()["description"] for site in SITES)


# ---- locality: filter, aggregation, site counts -----------------------------------------------


def test_locality_filter_counts_what_the_files_say(demo):
    for site in SITES:
        expected = sum(site in expected_locations(i) for i in ITEMS)
        assert matched(demo, "a_contains(site:locations,'%s')" % site) == expected, site
    both = sum({"ceda", "dkrz"} <= set(expected_locations(i)) for i in ITEMS)
    assert both > 0 and matched(demo, "a_contains(site:locations,('ceda','dkrz'))") == both
    for status in ("online", "partial", "offline"):
        expected = sum(expected_status(i) == status for i in ITEMS)
        assert expected > 0 and matched(demo, "access:online_status='%s'" % status) == expected, status
    online_at_dkrz = sum("dkrz" in expected_locations(i) and expected_status(i) == "online" for i in ITEMS)
    assert online_at_dkrz > 0
    assert matched(demo, "a_contains(site:locations,'dkrz') AND access:online_status='online'") == online_at_dkrz


def test_aggregations_by_site_and_status(demo):
    assert buckets(demo, "site:locations_frequency") == dict(Counter(s for i in ITEMS for s in expected_locations(i)))
    assert buckets(demo, "access:online_status_frequency") == dict(Counter(expected_status(i) for i in ITEMS))


def test_catalogs_show_site_counts(demo):
    catalogs = get(demo, "/catalogs", params={"limit": 100}).json()["catalogs"]
    assert {c["id"] for c in catalogs} >= {"dkrz", "esgf", "esgf-east"}
    for catalog in catalogs:
        inside = below(catalog["id"])
        expected = Counter(s for i in ITEMS if i["collection"] in inside for s in expected_locations(i))
        assert catalog.get("stacfed:site_counts", {}) == dict(expected), catalog["id"]
    assert {c["id"]: c.get("stacfed:site_counts") for c in catalogs}["esgf-east"]["dkrz"] > 0


# ---- exports -------------------------------------------------------------------------------------


def test_intake_esm_export_with_ranked_paths(demo):
    search = {"collections": "esgf-east-cmip6", "client_site": "dkrz"}
    esm = get(demo, "/export/intake-esm.json", params=search).json()
    assert esm["esmcat_version"] and esm["id"]
    assert esm["assets"] == {"column_name": "uri", "format_column_name": "format"}
    assert esm["catalog_file"].startswith(DEMO_PUBLIC + "/export/intake-esm.csv?")
    assert "client_site=dkrz" in esm["catalog_file"]
    columns = [a["column_name"] for a in esm["attributes"]]
    assert {"source_id", "experiment_id", "variable_id"} <= set(columns)
    assert esm["aggregation_control"]["variable_column_name"] == "variable_id"

    r = get(demo, "/export/intake-esm.csv", params=search)
    assert r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    header = next(csv.reader(io.StringIO(r.text)))
    assert header[:2] == ["id", "collection"] and header[-6:] == ["version", "time_range", "uri", "format", "engine", "site"]
    assert set(columns) == set(header) - {"uri"}
    east = [i for i in ITEMS if i["collection"] == "esgf-east-cmip6"]
    served = {i["id"]: i for i in all_items(demo, collections="esgf-east-cmip6")}
    assert len(rows) == sum(len(data_assets(served[i["id"]])) for i in east)
    for row in rows:
        item = next(i for i in east if i["id"] == row["id"])
        if replicated(item) and not item["properties"]["retracted"] and row["format"] == "netcdf":
            assert row["uri"].startswith("/pool/data/") and row["site"] == "dkrz" and row["engine"] == "netcdf4", row
        assert not row["uri"].startswith("/badc"), row
    assert any(row["uri"].startswith("/pool/data/") for row in rows)


def test_xarray_snippet_compiles(demo):
    r = get(demo, "/export/xarray.py", params={"collections": "EERIE-icon-esm-er-hist-1950", "client_site": "dkrz"})
    assert r.headers["Content-Type"].startswith("text/x-python")
    compile(r.text, "xarray.py", "exec")
    assert "client_site" in r.text and "dkrz" in r.text

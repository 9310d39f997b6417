"""Copies ranked for the client's site (issue 18, docs/client-site.md) over real HTTP, on a
database of its own holding fixtures/client_site/ (merged ESGF items with copies at three
sites, DKRZ items with disk, tape, cloud and kerchunk copies; make_fixture.py writes them):

* every asset of every item, on every item endpoint (GET and POST search, at the root and in a
  catalog, collection items, one item), for every site, against the rules applied here in
  Python to the fixture items (an implementation of docs/client-site.md of its own);
* the parameter in the query string (GET and POST), the POST body and the Client-Site header
  (the parameter wins); paging links keep it, and a header-only request gets links that
  carry it;
* an unknown site is a 400 listing the federation's sites; no client_site returns the items
  as stored;
* pystac-client's two ways (`Client.open(url, parameters=...)` and `headers=`), replayed with
  requests the way its StacApiIO sends them.
"""

import json
import subprocess
import urllib.parse
from pathlib import Path

import pytest
import requests

from conftest import Server, _base_env, _run
from stacutil import assert_error

HERE = Path(__file__).resolve().parent / "fixtures" / "client_site"
ITEMS = {}
for _path in sorted(HERE.glob("items-*.json")):
    for _item in json.loads(_path.read_text())["features"]:
        ITEMS[(_item["collection"], _item["id"])] = _item
SITES = sorted(json.loads((HERE / "federation.json").read_text())["sites"])
ALL_SITES = SITES  # ceda, dkrz, esgf-west, lumi

# --- the rules of docs/client-site.md, applied to one copy ------------------------------------

COPY_NAMES = {"href", "alternate:name", "node", "protocol", "stacfed:source", "auth:refs",
              "expires"}
COPY_PREFIXES = ("site:", "access:", "xarray:", "storage:", "order:")


def is_copy_level(name):
    return name in COPY_NAMES or name.startswith(COPY_PREFIXES)


def scheme(href):
    head = href.split(":", 1)[0]
    return head.lower() if ":" in href and head[:1].isalpha() and "/" not in head else ""


def is_posix(href):
    return (href.startswith("/") and not href.startswith("//")) or scheme(href) == "file"


def protocol_of(copy):
    if copy.get("access:protocol"):
        return copy["access:protocol"]
    href = copy.get("href", "")
    if href.startswith("reference::"):
        return "kerchunk"
    if is_posix(href):
        return "posix"
    s = scheme(href)
    if not s:
        return "https" if href else ""
    return {"slk": "slk", "s3": "s3", "gs": "s3", "az": "s3", "globus": "globus"}.get(
        s, ("opendap" if "/dodsC/" in href else "https") if s in ("http", "https") else "")


def internal_host(href):
    if scheme(href) not in ("http", "https"):
        return False
    host = urllib.parse.urlsplit(href).hostname or ""
    return bool(host) and "." not in host and host != "localhost"


def visible(copy, site):
    scope = copy.get("access:scope")
    internal = (scope == "site-internal" or (scope is None and is_posix(copy.get("href", "")))
                or internal_host(copy.get("href", "")))
    return not internal or (copy.get("site:ref") == site and site != "unknown")


def rank(copy, site):
    status, tier, proto = copy.get("access:status"), copy.get("site:tier"), protocol_of(copy)
    same = copy.get("site:ref") == site
    if status in ("offline", "unavailable"):
        return 8
    if status == "nearline" or tier == "tape" or proto == "slk":
        return 7
    if proto == "posix":
        return 1 if same else 8
    if same and (tier == "object" or proto == "s3"):
        return 2
    return {"zarr": 3, "kerchunk": 3, "icechunk": 3, "opendap": 4, "https": 5, "s3": 5,
            "globus": 6, "wps": 6}.get(proto, 8)


def expected_asset(asset, site):
    """(hrefs in ranked order, their ranks, the asset-level members) or None when hidden."""
    own = {k: v for k, v in asset.items() if is_copy_level(k)}
    copies = [(0, own)] + [(i + 1, c) for i, c in enumerate(asset.get("alternate", {}).values())]
    shown = [(order, c) for order, c in copies if visible(c, site)]
    if not shown:
        return None
    shown.sort(key=lambda oc: (rank(oc[1], site), "access:protocol" not in oc[1], oc[0]))
    best = next((i for i, (_, c) in enumerate(shown) if rank(c, site) != 8), None)
    if best is None:
        best = next((i for i, (order, _) in enumerate(shown) if order == 0), 0)
    ordered = [shown[best]] + shown[:best] + shown[best + 1:]
    level = {k: v for k, v in asset.items() if not is_copy_level(k) and k != "alternate"}
    return [c["href"] for _, c in ordered], [rank(c, site) for _, c in ordered], level


def check_item(served, site):
    stored = ITEMS[(served["collection"], served["id"])]
    for key in ("properties", "geometry", "bbox", "stac_extensions"):
        assert served[key] == stored[key], key
    expected_keys = [k for k, a in stored["assets"].items() if expected_asset(a, site)]
    assert list(served["assets"]) == expected_keys, (served["id"], site)
    for key in expected_keys:
        hrefs, ranks, level = expected_asset(stored["assets"][key], site)
        asset = served["assets"][key]
        got_hrefs = [asset["href"]] + [c["href"] for c in asset.get("alternate", {}).values()]
        got_ranks = [asset["access:rank"]] + [
            c["access:rank"] for c in asset.get("alternate", {}).values()]
        assert (got_hrefs, got_ranks) == (hrefs, ranks), (served["id"], key, site)
        for name, value in level.items():
            assert asset[name] == value, (served["id"], key, name)


def check_page(page, site):
    assert page["features"], page
    for item in page["features"]:
        check_item(item, site)


# --- the server --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cs_base(stac_bin, cluster, workdir):
    name = "client_site_test"
    cluster.drop_database(name)
    url = cluster.create_database(name)
    env = _base_env()
    env["DATABASE_URL"] = url
    try:
        files = [str(p) for p in sorted(HERE.glob("collection-*.json"))] + [
            str(p) for p in sorted(HERE.glob("items-*.json"))]
        _run([stac_bin, "load", *files], env, "stacfed load of fixtures/client_site")
        _run([stac_bin, "federation", "apply", str(HERE / "federation.json")], env,
             "stacfed federation apply")
        srv = Server(url, workdir)
        assert srv.wait_ready(), srv.log()
        yield srv.base
        srv.terminate()
    finally:
        cluster.drop_database(name)


def get(url, **kwargs):
    r = requests.get(url, **kwargs)
    assert r.status_code == 200, (url, r.text[:300])
    return r


def link(page, rel):
    return next((l for l in page["links"] if l["rel"] == rel), None)


# --- ranking on every endpoint -----------------------------------------------------------------


@pytest.mark.parametrize("site", ALL_SITES)
def test_get_search_ranks_every_asset_for_the_site(cs_base, site):
    page = get(f"{cs_base}/search", params={"client_site": site, "limit": 100}).json()
    assert len(page["features"]) == len(ITEMS)
    check_page(page, site)


@pytest.mark.parametrize("site", ["dkrz", "ceda"])
def test_post_search_body_query_string_and_header(cs_base, site):
    body = {"limit": 100, "collections": ["CMIP6", "eerie"]}
    for kwargs in ({"json": {**body, "client_site": site}},
                   {"json": body, "params": {"client_site": site}},
                   {"json": body, "headers": {"Client-Site": site}}):
        r = requests.post(f"{cs_base}/search", **kwargs)
        assert r.status_code == 200, r.text[:300]
        assert len(r.json()["features"]) == len(ITEMS)
        check_page(r.json(), site)


def test_collection_items_catalog_search_and_one_item(cs_base):
    check_page(get(f"{cs_base}/collections/eerie/items", params={"client_site": "dkrz"}).json(),
               "dkrz")
    check_page(get(f"{cs_base}/catalogs/esgf/collections/CMIP6/items",
                   params={"client_site": "ceda"}).json(), "ceda")
    check_page(get(f"{cs_base}/catalogs/esgf/search", params={"client_site": "esgf-west"}).json(),
               "esgf-west")
    r = requests.post(f"{cs_base}/catalogs/dkrz/search", json={"client_site": "lumi"})
    assert r.status_code == 200, r.text[:300]
    check_page(r.json(), "lumi")
    for (collection, iid) in list(ITEMS)[:3] + list(ITEMS)[-2:]:
        for kwargs in ({"params": {"client_site": "dkrz"}}, {"headers": {"Client-Site": "dkrz"}}):
            item = get(f"{cs_base}/collections/{collection}/items/{iid}", **kwargs).json()
            check_item(item, "dkrz")
            scoped = get(f"{cs_base}/catalogs/{'esgf' if collection == 'CMIP6' else 'dkrz'}"
                         f"/collections/{collection}/items/{iid}", **kwargs).json()
            check_item(scoped, "dkrz")


def test_the_parameter_wins_over_the_header(cs_base):
    page = get(f"{cs_base}/search", params={"client_site": "ceda", "limit": 100},
               headers={"Client-Site": "dkrz"}).json()
    check_page(page, "ceda")
    r = requests.post(f"{cs_base}/search", json={"client_site": "ceda", "limit": 100},
                      headers={"Client-Site": "dkrz"})
    check_page(r.json(), "ceda")


def test_fields_see_the_ranked_item(cs_base):
    page = get(f"{cs_base}/collections/eerie/items",
               params={"client_site": "lumi", "fields": "id,assets.data.href"}).json()
    for item in page["features"]:
        stored = ITEMS[("eerie", item["id"])]
        assert item["assets"] == {
            "data": {"href": expected_asset(stored["assets"]["data"], "lumi")[0][0]}}


# --- paging ------------------------------------------------------------------------------------


def _walk_get(url, params, headers=None, follow_headers=None):
    """Pages of a GET search to its end: (pages, next links)."""
    pages, hrefs = [], []
    r = get(url, params=params, headers=headers)
    while True:
        page = r.json()
        pages.append(page)
        nxt = link(page, "next")
        if nxt is None:
            return pages, hrefs
        hrefs.append(nxt["href"])
        r = get(nxt["href"], headers=follow_headers)


@pytest.mark.parametrize("how", ["parameter", "header"])
def test_get_paging_links_keep_client_site(cs_base, how):
    params = {"limit": 4}
    headers = None
    if how == "parameter":
        params["client_site"] = "dkrz"
    else:
        headers = {"Client-Site": "dkrz"}
    # Followed without the header: the links carry the parameter.
    pages, hrefs = _walk_get(f"{cs_base}/search", params, headers=headers)
    assert len(pages) == -(-len(ITEMS) // 4)
    for href in hrefs:
        assert urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)["client_site"] == ["dkrz"]
    seen = []
    for page in pages:
        check_page(page, "dkrz")
        seen += [(i["collection"], i["id"]) for i in page["features"]]
        prev = link(page, "prev")
        if prev:
            assert "client_site=dkrz" in prev["href"]
    assert sorted(seen) == sorted(ITEMS)


@pytest.mark.parametrize("how", ["body", "query", "header"])
def test_post_paging_links_keep_client_site(cs_base, how):
    body = {"limit": 4}
    kwargs = {}
    if how == "body":
        body["client_site"] = "ceda"
    elif how == "query":
        kwargs["params"] = {"client_site": "ceda"}
    else:
        kwargs["headers"] = {"Client-Site": "ceda"}
    r = requests.post(f"{cs_base}/search", json=body, **kwargs)
    seen = []
    while True:
        assert r.status_code == 200, r.text[:300]
        page = r.json()
        check_page(page, "ceda")
        seen += [(i["collection"], i["id"]) for i in page["features"]]
        nxt = link(page, "next")
        if nxt is None:
            break
        assert nxt["method"] == "POST" and nxt["body"]["client_site"] == "ceda", nxt
        r = requests.post(nxt["href"], json=nxt["body"])  # no header, no query string
    assert sorted(seen) == sorted(ITEMS)


def test_a_token_is_good_for_another_site(cs_base):
    first = get(f"{cs_base}/search", params={"limit": 4, "client_site": "dkrz"}).json()
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(link(first, "next")["href"]).query)["token"]
    second = get(f"{cs_base}/search", params={"limit": 4, "client_site": "ceda", "token": token[0]})
    check_page(second.json(), "ceda")


# --- bad input and no client_site --------------------------------------------------------------


def test_unknown_site_is_a_400_listing_the_known_ones(cs_base):
    known = ", ".join(SITES)
    for r in (requests.get(f"{cs_base}/search", params={"client_site": "nowhere"}),
              requests.post(f"{cs_base}/search", json={"client_site": "nowhere"}),
              requests.get(f"{cs_base}/search", headers={"Client-Site": "nowhere"}),
              requests.get(f"{cs_base}/collections/eerie/items", params={"client_site": "DKRZ"}),
              requests.get(f"{cs_base}/collections/eerie/items/eerie-ifs-fesom-hist-2d-monthly-01",
                           params={"client_site": "unknown"})):
        assert_error(r, 400)
        assert r.json()["description"].endswith(f"; known sites: {known}"), r.json()
        assert r.json()["description"].startswith("unknown client_site '"), r.json()
    for r in (requests.get(f"{cs_base}/search", params={"client_site": ""}),
              requests.get(f"{cs_base}/search", params={"client_site": "x" * 200}),
              requests.post(f"{cs_base}/search", json={"client_site": ["dkrz"]}),
              requests.post(f"{cs_base}/search", params={"client_site": "ceda"},
                            json={"client_site": "dkrz"}),
              requests.get(f"{cs_base}/aggregate", params={"client_site": "dkrz",
                                                            "aggregations": "total_count"})):
        assert_error(r, 400)


def test_without_client_site_items_are_as_stored(cs_base):
    r = get(f"{cs_base}/search", params={"limit": 100})
    assert "access:rank" not in r.text
    for item in r.json()["features"]:
        stored = ITEMS[(item["collection"], item["id"])]
        assert item["assets"] == stored["assets"]
    assert "Client-Site" in r.headers.get("Vary", ""), r.headers
    # The same bytes as a search that asks for nothing else, whatever else it sends.
    again = requests.get(f"{cs_base}/search", params={"limit": 100},
                         headers={"Client-Sites": "dkrz"})
    assert again.content == r.content


# --- pystac-client -----------------------------------------------------------------------------


def _pystac_client_session(parameters=None, headers=None):
    """A session as pystac-client's StacApiIO sets one up: `parameters` go into every
    request's query string (POSTs too), `headers` into every request."""
    s = requests.Session()
    s.params.update(parameters or {})
    s.headers.update(headers or {})
    return s


@pytest.mark.parametrize("how", ["parameters", "headers"])
def test_pystac_client_open_with_parameters_or_headers(cs_base, how):
    session = (_pystac_client_session(parameters={"client_site": "dkrz"}) if how == "parameters"
               else _pystac_client_session(headers={"Client-Site": "dkrz"}))
    # Client.open: the landing page, then search() POSTs (item-search conformance) and
    # follows the next links, POSTing their body.
    landing = session.get(f"{cs_base}/")
    assert landing.status_code == 200, landing.text[:300]
    search = next(l for l in landing.json()["links"] if l["rel"] == "search"
                  and l.get("method") == "POST")
    r = session.post(search["href"], json={"limit": 6, "collections": ["CMIP6", "eerie"]})
    seen = []
    while True:
        assert r.status_code == 200, r.text[:300]
        page = r.json()
        check_page(page, "dkrz")
        seen += [i["id"] for i in page["features"]]
        nxt = link(page, "next")
        if nxt is None:
            break
        body = nxt.get("body", {})
        r = session.post(nxt["href"], json=body)
    assert len(seen) == len(ITEMS)
    # get_items of a collection: GET with the session's parameters.
    page = session.get(f"{cs_base}/collections/eerie/items").json()
    check_page(page, "dkrz")


def _walk_session(session, url, params=None):
    """The pages of a GET listing as pystac-client reads them: the next links followed with
    the session, which adds its `parameters` again to links that already carry them."""
    pages = []
    r = session.get(url, params=params)
    while True:
        assert r.status_code == 200, (r.url, r.text[:300])
        pages.append(r.json())
        nxt = link(pages[-1], "next")
        if nxt is None:
            return pages
        r = session.get(nxt["href"])


@pytest.mark.parametrize("path", ["/search", "/catalogs/esgf/search", "/collections/CMIP6/items"])
def test_pystac_client_get_paging_with_parameters(cs_base, path):
    # search(method="GET").items() and get_items(): requests merges the session's params into
    # the next link's query, so client_site=dkrz arrives twice; the same value is one.
    session = _pystac_client_session(parameters={"client_site": "dkrz"})
    pages = _walk_session(session, cs_base + path, {"limit": 4})
    seen = []
    for page in pages:
        check_page(page, "dkrz")
        seen += [(i["collection"], i["id"]) for i in page["features"]]
    expected = sorted(k for k in ITEMS if path == "/search" or k[0] == "CMIP6")
    assert len(pages) > 1 and sorted(seen) == expected
    # Two different sites are still an error.
    r = requests.get(cs_base + path, params=[("client_site", "dkrz"), ("client_site", "ceda")])
    assert_error(r, 400)


def test_pystac_client_collection_search_paging_with_parameters(cs_base):
    # collection_search(limit=1).collections(): GET /collections and its next links.
    session = _pystac_client_session(parameters={"client_site": "dkrz"})
    for path, expected in (("/collections", ["CMIP6", "eerie"]),
                           ("/catalogs/dkrz/collections", ["eerie"])):
        pages = _walk_session(session, cs_base + path, {"limit": 1})
        assert sorted(c["id"] for p in pages for c in p["collections"]) == expected


@pytest.mark.parametrize("path", ["/queryables", "/collections/eerie/queryables",
                                  "/catalogs/dkrz/queryables",
                                  "/catalogs/dkrz/collections/eerie/queryables"])
def test_pystac_client_get_queryables_with_parameters(cs_base, path):
    # Client.get_queryables() and get_merged_queryables() GET the queryables with the
    # session's parameters: client_site is taken (and checked), the schema is the same.
    plain = get(cs_base + path).json()
    with_site = _pystac_client_session(parameters={"client_site": "dkrz"}).get(cs_base + path)
    assert with_site.status_code == 200, with_site.text[:300]
    assert with_site.json()["properties"] == plain["properties"]
    assert_error(requests.get(cs_base + path, params={"client_site": "nowhere"}), 400)
    assert_error(requests.get(cs_base + path, params={"client_site": "dkrz", "x": "1"}), 400)


@pytest.mark.parametrize("site", [None, "dkrz"])
def test_intake_esm_export_of_items_without_dataset_facets(cs_base, site):
    # These items carry no CMIP6 facets (no variable column) and some properties only in one
    # collection (stacfed:sources): intake-esm v2022.9.18 requires aggregation_control all the
    # same, and groups only by columns without empty cells (test_export.py says more).
    from test_export import check_intake_esm_groups, fetch_csv
    params = {"collections": "CMIP6,eerie", **({"client_site": site} if site else {})}
    doc = get(f"{cs_base}/export/intake-esm.json", params=params).json()
    header, rows = fetch_csv(doc["catalog_file"])
    check_intake_esm_groups(doc, header, rows)
    assert doc["aggregation_control"] == {"variable_column_name": "id",
                                          "groupby_attrs": ["collection", "id", "uri"],
                                          "aggregations": []}
    assert "sources" in header and any(r["sources"] == "" for r in rows)  # a partial column
    assert len({(r["collection"], r["id"], r["uri"]) for r in rows}) == len(rows)

"""Catalog of catalogs (issue 4): the tree of conformance/fixtures/federation/federation.json
served as STAC API resources. Skipped while the federation cannot be applied or /catalogs
answers 404."""

import json
import os
import subprocess
import time
from collections import deque
from urllib.parse import urlsplit

import pytest
import requests

from stacutil import (FIXTURES, GEOJSON, JSON, assert_error, keys_of, links_by_rel, media_type,
                      next_link, one_link, walk_get, walk_post)

TREE_FILE = FIXTURES / "federation" / "federation.json"


def load_tree():
    doc = json.loads(TREE_FILE.read_text())
    catalogs = {c["id"]: c for c in doc["catalogs"]}
    children = {cid: [(k, v) for ch in c.get("children", []) for k, v in ch.items()]
                for cid, c in catalogs.items()}
    child_catalogs = {v for kids in children.values() for k, v in kids if k == "catalog"}
    top = [cid for cid in catalogs if cid not in child_catalogs]

    def below(cid):
        found = set()
        for kind, value in children[cid]:
            found |= below(value) if kind == "catalog" else {value}
        return found

    closure = {cid: below(cid) for cid in catalogs}
    return catalogs, children, top, closure


def tree_parents(doc):
    """(kind, id) -> the parent whose `child` link it is: the one marked primary, else the
    first in the file's order."""
    parents = {}
    for catalog in doc["catalogs"]:
        for child in catalog.get("children", []):
            key = ("catalog", child["catalog"]) if "catalog" in child else (
                "collection", child["collection"])
            if child.get("primary") or key not in parents:
                parents[key] = catalog["id"]
    return parents


CATALOGS, CHILDREN, TOP, CLOSURE = load_tree()
TREE_PARENT = tree_parents(json.loads(TREE_FILE.read_text()))


@pytest.fixture(scope="module", autouse=True)
def catalogs_served(base, federation):
    if not federation["applied"]:
        pytest.skip(f"stacfed federation apply failed: {federation['message'][:300]}")
    r = requests.get(base + "/catalogs")
    if r.status_code == 404:
        pytest.skip("/catalogs answers 404: catalogs are not served yet")


def last_segment(href):
    return urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]


def expected_items(items, catalog_id):
    return {(i["collection"], i["id"]) for i in items if i["collection"] in CLOSURE[catalog_id]}


# --- navigation -----------------------------------------------------------------------------


def test_landing_links_top_level_catalogs(base, landing):
    hrefs = {last_segment(link["href"]) for link in links_by_rel(landing, "child")}
    assert set(TOP) <= hrefs, f"child links of the landing page: {hrefs}"


def test_navigation_by_links_only(base, http):
    """root -> catalog -> sub-catalog -> collection -> item by following links only."""
    seen_docs = {}
    queue = deque([(base + "/", None)])
    while queue:
        url, parent_url = queue.popleft()
        if url in seen_docs:
            continue
        r = http.get(url)
        assert r.status_code == 200, f"{url} (linked from {parent_url}): {r.status_code}"
        doc = r.json()
        seen_docs[url] = doc
        assert one_link(doc, "self")["href"] == url
        assert one_link(doc, "root")["href"].rstrip("/") == base
        if parent_url is not None:
            assert links_by_rel(doc, "parent"), f"{url} has no parent link"
        for link in links_by_rel(doc, "child"):
            assert link["href"].startswith(base), link
            queue.append((link["href"], url))
        assert len(seen_docs) < 200, "child links never end"
    by_type = {}
    for doc in seen_docs.values():
        by_type.setdefault(doc.get("type"), set()).add(doc["id"])
    assert set(CATALOGS) <= by_type.get("Catalog", set())
    assert set().union(*CLOSURE.values()) <= by_type.get("Collection", set())

    # From each collection to an item: item links (browseable) or the items link.
    for doc in seen_docs.values():
        if doc.get("type") != "Collection":
            continue
        item_links = links_by_rel(doc, "item")
        if item_links:
            href = item_links[0]["href"]
        else:
            page = http.get(one_link(doc, "items")["href"]).json()
            href = one_link(page["features"][0], "self")["href"]
        r = http.get(href)
        assert r.status_code == 200 and media_type(r) == GEOJSON, href
        assert r.json()["collection"] == doc["id"]


@pytest.mark.parametrize("cid", list(CATALOGS))
def test_catalog_document(base, http, cid):
    url = f"{base}/catalogs/{cid}"
    r = http.get(url)
    assert r.status_code == 200
    assert media_type(r) == JSON
    doc = r.json()
    assert doc["type"] == "Catalog"
    assert doc["id"] == cid
    assert doc["description"] == CATALOGS[cid]["description"]
    assert one_link(doc, "self")["href"] == url
    assert one_link(doc, "root")["href"].rstrip("/") == base
    parents = links_by_rel(doc, "parent")
    assert len(parents) == 1, f"exactly one parent link: {parents}"
    if cid in TOP:
        assert parents[0]["href"].rstrip("/") == base, parents
    else:
        assert last_segment(parents[0]["href"]) == TREE_PARENT[("catalog", cid)], parents
    # Child links form a tree: the children whose tree parent is this catalog; the others
    # are related (a walker reaches each node once).
    children = [last_segment(link["href"]) for link in links_by_rel(doc, "child")]
    assert sorted(children) == sorted(v for k, v in CHILDREN[cid] if TREE_PARENT[(k, v)] == cid)
    related = {last_segment(link["href"]) for link in links_by_rel(doc, "related")}
    assert {v for k, v in CHILDREN[cid] if TREE_PARENT[(k, v)] != cid} <= related
    for link in doc["links"]:
        assert link["href"].startswith("http"), link


def test_catalogs_list_is_complete_and_paged(base, http):
    found, url = [], base + "/catalogs?limit=3"
    for _ in range(50):
        r = http.get(url)
        assert r.status_code == 200
        doc = r.json()
        assert "catalogs" in doc, list(doc)
        found.extend(c["id"] for c in doc["catalogs"])
        nxt = next_link(doc)
        if nxt is None:
            break
        url = nxt["href"]
    assert len(found) == len(set(found)), "a catalog listed twice"
    assert set(found) == set(CATALOGS)


@pytest.mark.parametrize("cid", ["esgf", "dkrz"])
def test_sub_catalogs(base, http, cid):
    r = http.get(f"{base}/catalogs/{cid}/catalogs")
    assert r.status_code == 200
    doc = r.json()
    ids = [c["id"] for c in doc["catalogs"]]
    assert ids == [v for k, v in CHILDREN[cid] if k == "catalog"], "in the file's order"
    # Paged one by one, in the same order, each once.
    paged, url = [], f"{base}/catalogs/{cid}/catalogs?limit=1"
    while url and len(paged) <= len(ids):
        page = http.get(url).json()
        assert page["numberReturned"] == len(page["catalogs"]) <= 1
        paged += [c["id"] for c in page["catalogs"]]
        url = next_link(page) and next_link(page)["href"]
    assert paged == ids
    assert_error(http.get(f"{base}/catalogs/{cid}/catalogs", params={"type": "Catalog"}), 400)
    assert_error(http.get(f"{base}/catalogs/{cid}/catalogs", params={"colour": "blue"}), 400)


@pytest.mark.parametrize("cid", list(CATALOGS))
def test_catalog_collections(base, http, cid):
    r = http.get(f"{base}/catalogs/{cid}/collections")
    assert r.status_code == 200
    ids = [c["id"] for c in r.json()["collections"]]
    assert len(ids) == len(set(ids)), "a collection under two paths is listed once"
    direct = {v for k, v in CHILDREN[cid] if k == "collection"}
    assert direct <= set(ids) <= CLOSURE[cid]


@pytest.mark.parametrize("cid", ["esgf", "dkrz"])
def test_children_endpoint(base, http, cid):
    r = http.get(f"{base}/catalogs/{cid}/children")
    assert r.status_code == 200
    doc = r.json()
    assert sorted(c["id"] for c in doc["children"]) == sorted(v for _, v in CHILDREN[cid])
    for rel in ("self", "root", "parent"):
        assert links_by_rel(doc, rel), rel


@pytest.mark.parametrize("cid", ["esgf", "copernicus"])
def test_catalog_conformance(base, http, cid):
    r = http.get(f"{base}/catalogs/{cid}/conformance")
    assert r.status_code == 200
    conforms = r.json()["conformsTo"]
    assert "https://api.stacspec.org/v1.0.0/core" in conforms
    assert "https://api.stacspec.org/v1.0.0/item-search" in conforms


@pytest.mark.parametrize("path", ["/catalogs/no-such-catalog", "/catalogs/no-such-catalog/search",
                                  "/catalogs/no-such-catalog/collections",
                                  "/catalogs/no-such-catalog/catalogs"])
def test_unknown_catalog_is_404(base, http, path):
    assert_error(http.get(base + path), 404)


# --- scoped search --------------------------------------------------------------------------


@pytest.mark.parametrize("cid", list(CATALOGS))
def test_scoped_search_get_pages(base, http, items, cid):
    pages = walk_get(http, f"{base}/catalogs/{cid}/search", {"limit": 7})
    got = [k for p in pages for k in keys_of(p)]
    assert len(got) == len(set(got)), "an item came twice (collection under two parents?)"
    assert set(got) == expected_items(items, cid)
    for page in pages[:-1]:
        assert next_link(page)["href"].startswith(f"{base}/catalogs/{cid}/search")


@pytest.mark.parametrize("cid", ["esgf", "dkrz", "copernicus", "esgf-east"])
def test_scoped_search_post_pages(base, http, items, cid):
    pages = walk_post(http, f"{base}/catalogs/{cid}/search", {"limit": 7})
    got = [k for p in pages for k in keys_of(p)]
    assert len(got) == len(set(got))
    assert set(got) == expected_items(items, cid)
    for page in pages[:-1]:
        nxt = next_link(page)
        assert nxt["method"] == "POST" and nxt["href"] == f"{base}/catalogs/{cid}/search"


def test_scoped_search_with_filters(base, http, items):
    from stacutil import matches_bbox
    bbox = [170.3, -29.7, -170.3, 29.7]
    r = http.get(f"{base}/catalogs/dkrz/search",
                 params={"bbox": ",".join(map(str, bbox)), "limit": 1000})
    assert r.status_code == 200
    expected = {k for k in expected_items(items, "dkrz")
                if matches_bbox(next(i for i in items if i["id"] == k[1]), bbox)}
    assert set(keys_of(r.json())) == expected


def test_scoped_search_never_leaks_other_collections(base, http, items):
    r = http.get(f"{base}/catalogs/dkrz/search",
                 params={"collections": "CMIP6,eerie-pacific-regional", "limit": 1000})
    assert r.status_code == 200
    got = set(keys_of(r.json()))
    assert got == expected_items(items, "dkrz")
    r = http.post(f"{base}/catalogs/dkrz/search", json={"collections": ["CMIP6"], "limit": 1000})
    assert r.status_code == 200
    assert r.json()["features"] == []


# --- catalog search -------------------------------------------------------------------------


def catalog_ids(http, url, params):
    r = http.get(url, params=params)
    assert r.status_code == 200, f"{params}: {r.status_code} {r.text[:200]}"
    return {c["id"] for c in r.json()["catalogs"]}


def test_catalog_search_q(base, http):
    got = catalog_ids(http, base + "/catalogs", {"q": "CEDA"})
    assert "esgf-east" in got
    assert not got & {"dkrz", "eerie", "copernicus", "cdse", "destine"}


SITES = json.loads(TREE_FILE.read_text()).get("sites", {})


def characterisation_matches(catalog, key, values):
    value = catalog.get("characterisation", {}).get(key)
    if isinstance(value, list):
        return set(values) <= set(value)
    return len(values) == 1 and value == values[0]


def country_matches(catalog, code):
    institution = catalog.get("characterisation", {}).get("institution", {}).get("country")
    sites = {SITES[s]["country"] for s in catalog.get("sites", [])}
    return code == institution or code in sites


# server/api/catalogs_render.hpp: country (site alpha-2 or institution alpha-3), site, and
# characterisation fields, a comma list meaning "all of these".
CATALOG_FILTERS = [
    ({"country": "DEU"}, lambda c: country_matches(c, "DEU")),
    ({"country": "DE"}, lambda c: country_matches(c, "DE")),
    ({"country": "GB"}, lambda c: country_matches(c, "GB")),
    ({"site": "lumi"}, lambda c: "lumi" in c.get("sites", [])),
    ({"api_type": "OpenDAP"}, lambda c: characterisation_matches(c, "api_type", ["OpenDAP"])),
    ({"api_type": "REST,OpenDAP"},
     lambda c: characterisation_matches(c, "api_type", ["REST", "OpenDAP"])),
    ({"data_access_type": "restricted"},
     lambda c: characterisation_matches(c, "data_access_type", ["restricted"])),
    ({"certificates": "CoreTrustSeal"},
     lambda c: characterisation_matches(c, "certificates", ["CoreTrustSeal"])),
    ({"q": "ESGF", "api_type": "OpenDAP"},
     lambda c: characterisation_matches(c, "api_type", ["OpenDAP"])
     and "ESGF" in c.get("keywords", [])),
]


@pytest.mark.parametrize("params,predicate", CATALOG_FILTERS, ids=[str(p) for p, _ in
                                                                    CATALOG_FILTERS])
def test_catalog_search_by_characterisation(base, http, params, predicate):
    expected = {cid for cid, c in CATALOGS.items() if predicate(c)}
    assert expected, "fixture: the filter should match something"
    assert catalog_ids(http, base + "/catalogs", {**params, "limit": 100}) == expected


def test_catalog_search_unknown_parameter_is_400(base, http):
    assert_error(http.get(base + "/catalogs", params={"colour": "blue"}), 400)


# --- Children and Browseable conformance classes, collection search over the tree ----------

CHILDREN_URI = "https://api.stacspec.org/v1.0.0-rc.2/children"
BROWSEABLE_URI = "https://api.stacspec.org/v1.0.0-rc.3/browseable"


def test_children_and_browseable_are_advertised(landing):
    assert CHILDREN_URI in landing["conformsTo"]
    assert BROWSEABLE_URI in landing["conformsTo"]


@pytest.mark.parametrize("cid", ["esgf", "copernicus"])
def test_children_equal_the_child_link_bodies(base, http, cid):
    # stac-api-validator's Children check: /children deep-equals the bodies of the child links.
    catalog = http.get(f"{base}/catalogs/{cid}").json()
    linked = [http.get(link["href"]).json() for link in links_by_rel(catalog, "child")]
    listed = http.get(f"{base}/catalogs/{cid}/children").json()["children"]
    key = lambda d: d["id"]  # noqa: E731
    assert sorted(listed, key=key) == sorted(linked, key=key)


def test_browseable_static_walk_reaches_every_item(base, http, items):
    """A static walker (pystac, stac-browser) follows child and item links only."""
    seen, found_items = set(), set()
    queue = deque([base + "/"])
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        assert len(seen) < 1000, "walk does not end"
        doc = http.get(url).json()
        if doc.get("type") == "Feature":
            found_items.add((doc["collection"], doc["id"]))
            continue
        for link in doc.get("links", []):
            if link.get("rel") in ("child", "item"):
                queue.append(link["href"])
    expected = {(i["collection"], i["id"]) for i in items if i["collection"] in
                set().union(*CLOSURE.values())}
    missing = expected - found_items
    assert not missing, f"{len(missing)} of {len(expected)} items unreachable by child/item " \
                        f"links, e.g. {sorted(missing)[:3]}"


def test_collection_lists_the_catalogs_holding_it(base, http):
    doc = http.get(f"{base}/collections/CMIP6").json()
    hrefs = {link["href"] for link in doc["links"]}
    for cid in ("esgf-west", "esgf-east"):
        assert f"{base}/catalogs/{cid}" in hrefs, f"no link to catalog {cid}: {hrefs}"


def _collection_ids(http, base, params):
    r = http.get(base + "/collections", params={**params, "limit": 100})
    assert r.status_code == 200, r.text[:200]
    return {c["id"] for c in r.json()["collections"]}


def test_collection_search_q(base, http):
    assert _collection_ids(http, base, {"q": "EERIE"}) == {"eerie-pacific-regional"}


def test_collection_search_bbox(base, http, collections):
    from stacutil import matches_bbox
    bbox = [-60.3, 40.3, -50.3, 50.3]

    def extent_as_item(c):  # the collection's overall extent box as an item geometry
        w, s, e, n = c["extent"]["spatial"]["bbox"][0]
        return {"geometry": {"type": "Polygon",
                             "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}}

    expected = {cid for cid, c in collections.items() if matches_bbox(extent_as_item(c), bbox)}
    assert 0 < len(expected) < len(collections)
    got = _collection_ids(http, base, {"bbox": ",".join(map(str, bbox))})
    assert got & set(collections) == expected


def test_collection_search_datetime(base, http, collections):
    from stacutil import parse_datetime_param, parse_rfc3339
    dt = "2030-06-01T00:00:00Z/.."
    qs, qe = parse_datetime_param(dt)
    expected = set()
    for cid, c in collections.items():
        start, end = c["extent"]["temporal"]["interval"][0]
        if (qe is None or parse_rfc3339(start) <= qe) and (qs is None or parse_rfc3339(end) >= qs):
            expected.add(cid)
    assert 0 < len(expected) < len(collections)
    got = _collection_ids(http, base, {"datetime": dt})
    assert got & set(collections) == expected


def _extent_matches(collection, bbox=None, dt=None):
    from stacutil import matches_bbox, parse_datetime_param, parse_rfc3339
    if bbox is not None:
        w, s, e, n = collection["extent"]["spatial"]["bbox"][0]
        box = {"geometry": {"type": "Polygon",
                            "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}}
        if not matches_bbox(box, bbox):
            return False
    if dt is not None:
        qs, qe = parse_datetime_param(dt)
        start, end = collection["extent"]["temporal"]["interval"][0]
        if (qe is not None and parse_rfc3339(start) > qe) or \
                (qs is not None and parse_rfc3339(end) < qs):
            return False
    return True


@pytest.mark.parametrize("params", [
    {"datetime": "2030-06-01T00:00:00Z/.."},
    {"datetime": "2000-06-01T00:00:00Z/2001-01-01T00:00:00Z"},
    {"bbox": [-60.3, 40.3, -50.3, 50.3]},
    {"bbox": [170.3, 56.1, -170.3, 60.1]},  # crosses the antimeridian
    {"bbox": [-60.3, 40.3, -50.3, 50.3], "datetime": "../2010-01-01T00:00:00Z"},
], ids=str)
def test_catalog_search_by_extent(base, http, collections, params):
    """A catalog matches when a collection below it has an extent that matches."""
    bbox, dt = params.get("bbox"), params.get("datetime")
    expected = {cid for cid in CATALOGS
                if any(_extent_matches(collections[c], bbox, dt)
                       for c in CLOSURE[cid] if c in collections)}
    assert 0 < len(expected) < len(CATALOGS), "fixture: the query should discriminate"
    query = dict(params)
    if bbox is not None:
        query["bbox"] = ",".join(map(str, bbox))
    assert catalog_ids(http, base + "/catalogs", {**query, "limit": 100}) == expected


def test_catalog_search_q_free_text(base, http):
    got = catalog_ids(http, base + "/catalogs", {"q": "ocean"})
    assert got == {cid for cid, c in CATALOGS.items()
                   if "ocean" in (c.get("keywords", []) + c["description"].lower().split())}


# --- a federation change --------------------------------------------------------------------


def apply_federation(stac_bin, database_url, path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("STACFED_")}
    env["DATABASE_URL"] = database_url
    proc = subprocess.run([stac_bin, "federation", "apply", str(path)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_primary_mark_moves_the_child_link(base, http, stac_bin, database_url, tmp_path):
    """A shared node marked primary under its second parent becomes that parent's child; the
    first parent links it as related and stops declaring Browseable."""
    doc = json.loads(TREE_FILE.read_text())
    shared = [(key, v) for key, v in TREE_PARENT.items()
              if sum((k, v2) == key for kids in CHILDREN.values() for k, v2 in kids) > 1]
    assert shared, "the fixture tree has a shared node"
    (kind, cid), first = shared[0]
    second = next(c for c, kids in CHILDREN.items() if (kind, cid) in kids and c != first)
    for catalog in doc["catalogs"]:
        if catalog["id"] == second:
            for child in catalog["children"]:
                if child.get(kind) == cid:
                    child["primary"] = True
    marked = tmp_path / "federation.json"
    marked.write_text(json.dumps(doc))

    def rels(catalog_id):
        links = http.get(f"{base}/catalogs/{catalog_id}").json()["links"]
        return {(link["rel"], last_segment(link["href"])) for link in links
                if last_segment(link["href"]) == cid}

    def browseable(catalog_id):
        uris = http.get(f"{base}/catalogs/{catalog_id}/conformance").json()["conformsTo"]
        return any(u.endswith("/browseable") for u in uris)

    assert ("child", cid) in rels(first) and ("related", cid) in rels(second)
    assert browseable(first) and not browseable(second)
    apply_federation(stac_bin, database_url, marked)
    try:
        assert ("child", cid) in rels(second) and ("related", cid) in rels(first)
        assert browseable(second) and not browseable(first)
    finally:
        apply_federation(stac_bin, database_url, TREE_FILE)
    assert ("child", cid) in rels(first) and ("related", cid) in rels(second)


def test_removed_catalog_is_gone_at_once(base, http, stac_bin, database_url, tmp_path):
    """A catalog the federation file no longer lists answers 404 at once; its scoped
    endpoints within the scope cache's 5 s."""

    def apply(path):
        apply_federation(stac_bin, database_url, path)

    doc = json.loads(TREE_FILE.read_text())
    shared = next(v for kids in CHILDREN.values() for k, v in kids if k == "collection")
    doc["catalogs"].append({"id": "temporary", "title": "Temporary", "description": "for a test",
                            "children": [{"collection": shared}]})
    extended = tmp_path / "federation.json"
    extended.write_text(json.dumps(doc))
    apply(extended)
    try:
        assert http.get(f"{base}/catalogs/temporary").status_code == 200
        r = http.get(f"{base}/catalogs/temporary/search", params={"limit": 1})
        assert r.status_code == 200 and r.json()["features"], r.text[:300]
    finally:
        apply(TREE_FILE)
    removed_at = time.monotonic()
    assert_error(http.get(f"{base}/catalogs/temporary"), 404)
    for path in ("/search", f"/collections/{shared}", "/collections"):
        while True:
            r = http.get(f"{base}/catalogs/temporary{path}")
            if r.status_code == 404:
                break
            assert r.status_code == 200, r.text[:300]
            assert time.monotonic() - removed_at < 6, f"{path} still served after 6 s"
            time.sleep(0.2)
        assert_error(r, 404)

"""Issue 16: every catalog a full STAC API. The core, collections, features and item-search
checks of the suite run with a sub-catalog as the API root R: "" (the server root, as a
control), /catalogs/esgf (depth 1, holds CMIP6 through two sub-catalogs), /catalogs/esgf-west
(depth 2; CMIP6 is shared with esgf-east) and /catalogs/esgf-east (holds CMIP6 but is not its
tree parent: no child link reaches CMIP6, so it must not declare Browseable).

For each R, the scope (its subtree's collections) and the tree come from
fixtures/federation/federation.json (stacutil.CatalogTree), the items in scope from the
fixture items; every expected answer is computed here from those files. Link rules: see the
Multi-Tenant Catalogs v1.0.0 and Children v1.0.0 extensions as served by stacfed (self is the
requested URL, one contextual parent, child links form one tree, related/duplicate for other
holders, canonical to the root-level URL under a catalog)."""

import json
import re
from collections import Counter
from urllib.parse import quote

import pytest

import cql2_eval
from stacutil import (GEOJSON, JSON, OPENAPI, CatalogTree, assert_error, links_by_rel,
                      load_fixtures, matches_bbox, matches_datetime, media_type,
                      next_link, raw_get, walk_get, walk_post)
from test_fields import select as fields_select
from test_filter import BUILTINS, _check_schema_document, _item_properties
from test_free_text import has as text_has
from test_query import expected as query_expected
from test_sort import expected_order

COLLECTIONS, ITEMS = load_fixtures()
TREE = CatalogTree(COLLECTIONS)

ROOTS = ["", "/catalogs/esgf", "/catalogs/esgf-west", "/catalogs/esgf-east"]
ROOT_IDS = ["root", "esgf", "esgf-west", "esgf-east"]

QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SORTABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/sortables"
SCHEMA_JSON = "application/schema+json"
MULTI_TENANT = ["https://api.stacspec.org/v1.0.0/multi-tenant-catalogs",
                "https://api.stacspec.org/v1.0.0/multi-tenant-catalogs/search"]
CHILDREN_V1 = ["https://api.stacspec.org/v1.0.0/children",
               "https://api.stacspec.org/v1.0.0/children#type-filter"]
# The scoped paths the OpenAPI document must describe (normalised: {} for a parameter).
SCOPED_PATHS = [
    "/catalogs/{}", "/catalogs/{}/conformance", "/catalogs/{}/collections",
    "/catalogs/{}/collections/{}", "/catalogs/{}/collections/{}/items",
    "/catalogs/{}/collections/{}/items/{}", "/catalogs/{}/search", "/catalogs/{}/queryables",
    "/catalogs/{}/sortables", "/catalogs/{}/aggregate", "/catalogs/{}/aggregations",
    "/catalogs/{}/children", "/catalogs/{}/catalogs",
]


def enc(text):
    return quote(text, safe="")


def key(item):
    return (item["collection"], item["id"])


class Root:
    """An API root: the server's (path "") or a catalog's (path /catalogs/{id})."""

    def __init__(self, base, path):
        self.base = base
        self.path = path
        self.catalog = path.rsplit("/", 1)[-1] if path else ""
        self.prefix = base + path              # R: R/collections, R/search, ...
        self.url = path and self.prefix or base + "/"  # the landing page
        self.scope = TREE.scope(self.catalog)
        self.items = [i for i in ITEMS if i["collection"] in self.scope]
        self.keys = {key(i) for i in self.items}

    def __repr__(self):
        return self.path or "/"

    def collection_url(self, cid):
        return f"{self.prefix}/collections/{enc(cid)}"

    def item_url(self, cid, iid):
        return f"{self.collection_url(cid)}/items/{enc(iid)}"

    def parent_url(self):
        """The landing page's one parent: the tree parent catalog, or B/ at the top."""
        parents = TREE.catalog_parents(self.catalog)
        if not parents:
            return self.base + "/"
        return f"{self.base}/catalogs/{enc(TREE.tree_parent[('catalog', self.catalog)])}"

    def node_url(self, node):
        kind, value = node
        if kind == "catalog":
            return f"{self.base}/catalogs/{enc(value)}"
        return self.collection_url(value)


def in_scope_pairs():
    return [(path, cid) for path in ROOTS for cid in sorted(Root("", path).scope)]


def out_of_scope_pairs():
    return [(path, cid) for path in ROOTS
            for cid in sorted(set(COLLECTIONS) - Root("", path).scope)]


def pair_id(pair):
    path, cid = pair
    return f"{path or 'root'}:{cid}"


@pytest.fixture(scope="module", autouse=True)
def federation_applied(federation):
    assert federation["applied"], \
        f"stacfed federation apply of the fixture tree failed: {federation['message'][:300]}"


@pytest.fixture(params=ROOTS, ids=ROOT_IDS)
def root(request, base):
    return Root(base, request.param)


@pytest.fixture
def landing_doc(root, http):
    r = http.get(root.url)
    assert r.status_code == 200, f"GET {root.url}: {r.status_code} {r.text[:300]}"
    assert media_type(r) == JSON, f"GET {root.url}: Content-Type {r.headers.get('Content-Type')}"
    return r.json()


def hrefs(doc, rel, method=None):
    return [link["href"] for link in links_by_rel(doc, rel)
            if method is None or link.get("method", "GET").upper() == method]


def one(doc, rel, where, method=None):
    found = [link for link in links_by_rel(doc, rel)
             if method is None or link.get("method", "GET").upper() == method]
    assert len(found) == 1, \
        f"{where}: expected one rel={rel}{' ' + method if method else ''} link, got {found}"
    return found[0]


def keys_from(pages):
    got = [key(f) for p in pages for f in p["features"]]
    dupes = [k for k, n in Counter(got).items() if n > 1]
    assert not dupes, f"items returned more than once: {dupes[:5]}"
    return got


def diff(got, want):
    got, want = set(got), set(want)
    return (f"{len(got)} returned, {len(want)} expected; unexpected {sorted(got - want)[:4]}, "
            f"missing {sorted(want - got)[:4]}")


def check_item_links(root, item, where):
    """The links of an item served under R."""
    cid, iid = item["collection"], item["id"]
    errors = []

    def expect(rel, want, media=None):
        found = links_by_rel(item, rel)
        if [link["href"] for link in found] != [want]:
            errors.append(f"rel={rel}: {[link['href'] for link in found]} instead of [{want}]")
        elif media and found[0].get("type") != media:
            errors.append(f"rel={rel} has type {found[0].get('type')}, not {media}")

    expect("self", root.item_url(cid, iid), GEOJSON)
    expect("parent", root.collection_url(cid), JSON)
    expect("collection", root.collection_url(cid), JSON)
    expect("root", root.base + "/", JSON)
    if root.path:
        expect("canonical", f"{root.base}/collections/{enc(cid)}/items/{enc(iid)}")
    bad = [link["href"] for link in item.get("links", []) if not link["href"].startswith("http")]
    if bad:
        errors.append(f"relative hrefs {bad}")
    assert not errors, f"{where}: item {cid}/{iid}: " + "; ".join(errors)


# --- landing page ---------------------------------------------------------------------------


def test_landing_document(root, landing_doc):
    doc = landing_doc
    assert doc.get("type") == "Catalog", f"{root}: type {doc.get('type')}"
    for name in ("id", "description", "stac_version"):
        assert isinstance(doc.get(name), str) and doc[name], f"{root}: no {name}"
    if root.catalog:
        assert doc["id"] == root.catalog, f"{root}: id {doc['id']}"
        assert doc["description"] == TREE.catalogs[root.catalog]["description"]
    assert isinstance(doc.get("conformsTo"), list) and doc["conformsTo"], \
        f"{root}: conformsTo {doc.get('conformsTo')}"


def test_landing_links(root, landing_doc):
    doc, p, b = landing_doc, root.prefix, root.base
    w = f"landing {root}"
    assert one(doc, "self", w)["href"] == root.url
    assert one(doc, "root", w)["href"] == b + "/"
    parents = hrefs(doc, "parent")
    if root.path:
        assert parents == [root.parent_url()], f"{w}: parent links {parents}, expected exactly " \
                                               f"[{root.parent_url()}]"
    else:
        assert parents == [], f"{w}: the server root has parent links {parents}"
    desc = one(doc, "service-desc", w)
    assert (desc["href"], desc.get("type")) == (b + "/api", OPENAPI), f"{w}: service-desc {desc}"
    sdoc = one(doc, "service-doc", w)
    assert (sdoc["href"], sdoc.get("type")) == (b + "/api.html", "text/html"), \
        f"{w}: service-doc {sdoc}"
    for rel, href, media in [("conformance", p + "/conformance", JSON),
                             ("data", p + "/collections", JSON),
                             ("children", p + "/children", JSON),
                             ("catalogs", p + "/catalogs", JSON),
                             (QUERYABLES_REL, p + "/queryables", SCHEMA_JSON),
                             (SORTABLES_REL, p + "/sortables", SCHEMA_JSON)]:
        link = one(doc, rel, w)
        assert (link["href"], link.get("type")) == (href, media), \
            f"{w}: rel={rel} link {link}, expected href {href} type {media}"
    for method in ("GET", "POST"):
        link = one(doc, "search", w, method)
        assert (link["href"], link.get("type")) == (p + "/search", GEOJSON), \
            f"{w}: {method} search link {link}"
    aggregate = one(doc, "aggregate", w, "GET")
    assert aggregate["href"] == p + "/aggregate", f"{w}: aggregate link {aggregate}"
    assert hrefs(doc, "aggregations") == [p + "/aggregations"], \
        f"{w}: aggregations links {hrefs(doc, 'aggregations')}"
    outside = [link["href"] for link in doc["links"]
               if not (link["href"] + "/").startswith(b + "/")]
    assert not outside, f"{w}: hrefs not under the server: {outside}"


def test_landing_child_and_related_links(root, landing_doc):
    """child: the tree children only (sub-catalogs at B/catalogs/{id}, collections at
    R/collections/{id}); related: other parents and the children another parent links."""
    got = hrefs(landing_doc, "child")
    want = [root.node_url(n) for n in TREE.tree_children(root.catalog)]
    assert Counter(got) == Counter(want), f"landing {root}: child links {got}, expected {want}"
    related = hrefs(landing_doc, "related")
    want_related = [f"{root.base}/catalogs/{enc(c)}" for c in TREE.catalog_parents(root.catalog)
                    if root.path and c != TREE.tree_parent[("catalog", root.catalog)]]
    want_related += [root.node_url(n) for n in TREE.other_children(root.catalog)]
    assert Counter(related) == Counter(want_related), \
        f"landing {root}: related links {related}, expected {want_related}"


def test_service_desc_documents_the_scoped_paths(root, landing_doc, http):
    link = one(landing_doc, "service-desc", f"landing {root}")
    r = http.get(link["href"], headers={"Accept": OPENAPI})
    assert r.status_code == 200, f"GET {link['href']}: {r.status_code}"
    got = (r.headers.get("Content-Type") or "").replace(" ", "").lower()
    assert got == OPENAPI, f"GET {link['href']}: Content-Type {got}"
    spec = r.json()
    assert str(spec.get("openapi", "")).startswith("3.0."), spec.get("openapi")
    documented = {re.sub(r"\{[^}]+\}", "{}", p) for p in spec.get("paths", {})}
    missing = [p for p in SCOPED_PATHS if p not in documented]
    assert not missing, f"OpenAPI document lacks the catalog paths {missing}"


def test_service_doc_is_html(root, landing_doc, http):
    link = one(landing_doc, "service-doc", f"landing {root}")
    r = http.get(link["href"])
    assert r.status_code == 200 and media_type(r) == "text/html", \
        f"GET {link['href']}: {r.status_code} {r.headers.get('Content-Type')}"


def test_conformance_endpoint_equals_conformsto(root, landing_doc, http):
    r = http.get(root.prefix + "/conformance")
    assert r.status_code == 200, f"GET {root.prefix}/conformance: {r.status_code} {r.text[:200]}"
    assert media_type(r) == JSON
    got = r.json().get("conformsTo")
    assert got == landing_doc["conformsTo"], \
        f"{root}: /conformance and conformsTo differ: only in /conformance " \
        f"{sorted(set(got or []) - set(landing_doc['conformsTo']))}, only in conformsTo " \
        f"{sorted(set(landing_doc['conformsTo']) - set(got or []))}"


def test_conformance_classes(root, landing_doc, landing):
    """The classes that work in the scope: the root's, minus Browseable when the catalog's
    child links do not reach every collection of its scope; both v1.0.0 extensions."""
    conforms = landing_doc["conformsTo"]
    missing = [u for u in MULTI_TENANT + CHILDREN_V1 if u not in conforms]
    assert not missing, f"{root} does not declare {missing}"
    assert len(conforms) == len(set(conforms)), f"{root}: duplicates in conformsTo"
    browseable = [u for u in conforms if "/browseable" in u]
    complete = TREE.walk_complete(root.catalog)
    if complete:
        assert browseable, f"{root} is walk-complete but declares no Browseable class"
    else:
        unreached = sorted(root.scope - TREE.tree_reach(root.catalog))
        assert not browseable, \
            f"{root}: its child links do not reach {unreached} yet it declares {browseable}"
    if root.path:
        want = [u for u in landing["conformsTo"] if complete or "/browseable" not in u]
        assert conforms == want, \
            f"{root}: conformsTo differs from the root's: extra " \
            f"{sorted(set(conforms) - set(want))}, missing {sorted(set(want) - set(conforms))}"


# --- collections ----------------------------------------------------------------------------


def test_collections_list_is_the_scope(root, http):
    url = root.prefix + "/collections"
    r = http.get(url)
    assert r.status_code == 200, f"GET {url}: {r.status_code} {r.text[:200]}"
    first = r.json()
    assert one(first, "self", url)["href"] == url
    assert one(first, "root", url)["href"] == root.base + "/"
    listed, doc = [], first
    for _ in range(100):
        listed.extend(doc["collections"])
        nxt = next_link(doc)
        if nxt is None:
            break
        r = http.get(nxt["href"])
        assert r.status_code == 200, f"GET {nxt['href']}: {r.status_code}"
        doc = r.json()
    ids = [c["id"] for c in listed]
    assert len(ids) == len(set(ids)), f"{url}: a collection listed twice: {ids}"
    assert set(ids) == root.scope, f"{url}: {diff(ids, root.scope)}"
    for c in listed:
        got = hrefs(c, "self")
        assert got == [root.collection_url(c["id"])], \
            f"{url}: entry {c['id']} has self {got}, expected {root.collection_url(c['id'])}"


@pytest.mark.parametrize("path,cid", in_scope_pairs(), ids=list(map(pair_id, in_scope_pairs())))
def test_collection_document(base, http, path, cid):
    root = Root(base, path)
    url = root.collection_url(cid)
    r = http.get(url)
    assert r.status_code == 200, f"GET {url}: {r.status_code} {r.text[:200]}"
    assert media_type(r) == JSON
    doc = r.json()
    fixture = COLLECTIONS[cid]
    assert (doc.get("type"), doc.get("id")) == ("Collection", cid), f"{url}: type and id"
    for name in ("description", "license", "extent", "title", "stac_version"):
        assert doc.get(name) == fixture[name], f"{url}: {name} differs from the fixture"
    assert one(doc, "self", url)["href"] == url
    assert one(doc, "root", url)["href"] == base + "/"
    parents = hrefs(doc, "parent")
    assert parents == [root.url], f"{url}: parent links {parents}, expected exactly [{root.url}]"
    items = one(doc, "items", url)
    assert (items["href"], items.get("type")) == (url + "/items", GEOJSON), f"{url}: items {items}"
    canonical = hrefs(doc, "canonical")
    if path:
        assert canonical == [f"{base}/collections/{enc(cid)}"], \
            f"{url}: canonical links {canonical}, expected the root-level URL"
    others = [h for h in TREE.holders(cid) if h != root.catalog]
    want_related = sorted(f"{base}/catalogs/{enc(h)}" for h in others)
    got_related = sorted(hrefs(doc, "related"))
    assert got_related == want_related, \
        f"{url}: related links {got_related}, expected the other holders {want_related}"
    want_dup = sorted(f"{base}/catalogs/{enc(h)}/collections/{enc(cid)}" for h in others)
    got_dup = sorted(hrefs(doc, "duplicate"))
    assert got_dup == want_dup, f"{url}: duplicate links {got_dup}, expected {want_dup}"
    children = hrefs(doc, "child")
    assert children == [url + "/browse"], f"{url}: child links {children}, expected [{url}/browse]"
    for extra in fixture.get("links", []):
        assert extra["href"] in hrefs(doc, extra["rel"]), f"{url}: lost the fixture link {extra}"
    relative = [link["href"] for link in doc["links"] if not link["href"].startswith("http")]
    assert not relative, f"{url}: relative hrefs {relative}"


@pytest.mark.parametrize("path,cid", out_of_scope_pairs(),
                         ids=list(map(pair_id, out_of_scope_pairs())))
def test_out_of_scope_collection_is_404(base, http, path, cid):
    root = Root(base, path)
    item = next(i for i in ITEMS if i["collection"] == cid)
    for url in (root.collection_url(cid), root.collection_url(cid) + "/items",
                root.item_url(cid, item["id"]), root.collection_url(cid) + "/queryables"):
        assert_error(http.get(url), 404)


def test_missing_collection_is_404(root, http):
    for url in (root.collection_url("non-existent-collection"),
                root.collection_url("non-existent-collection") + "/items"):
        assert_error(http.get(url), 404)


# --- features -------------------------------------------------------------------------------


@pytest.mark.parametrize("path,cid", in_scope_pairs(), ids=list(map(pair_id, in_scope_pairs())))
def test_collection_items_walk(base, http, path, cid):
    root = Root(base, path)
    url = root.collection_url(cid) + "/items"
    pages = walk_get(http, url, {"limit": 20})
    expected = {key(i) for i in ITEMS if i["collection"] == cid}
    got = keys_from(pages)
    assert set(got) == expected, f"{url}: {diff(got, expected)}"
    first = pages[0]
    assert one(first, "self", url)["href"] == f"{url}?limit=20", \
        f"{url}: the first page's self is not the requested URL"
    assert one(first, "root", url)["href"] == base + "/"
    assert hrefs(first, "collection") == [root.collection_url(cid)], \
        f"{url}: collection link {hrefs(first, 'collection')}"
    if "numberMatched" in first:
        assert first["numberMatched"] == len(expected), f"{url}: numberMatched"
    for page in pages:
        for feature in page["features"]:
            check_item_links(root, feature, url)


@pytest.mark.parametrize("path,cid", in_scope_pairs(), ids=list(map(pair_id, in_scope_pairs())))
def test_single_item(base, http, path, cid):
    root = Root(base, path)
    mine = [i for i in ITEMS if i["collection"] == cid]
    for item in (mine[0], mine[-1]):
        url = root.item_url(cid, item["id"])
        r = http.get(url)
        assert r.status_code == 200, f"GET {url}: {r.status_code} {r.text[:200]}"
        assert media_type(r) == GEOJSON, f"GET {url}: Content-Type {r.headers.get('Content-Type')}"
        doc = r.json()
        assert (doc.get("type"), doc.get("id"), doc.get("collection")) == \
               ("Feature", item["id"], cid)
        assert doc["properties"] == item["properties"], f"{url}: properties differ"
        assert doc["assets"] == item["assets"], f"{url}: assets differ"
        check_item_links(root, doc, url)
    assert_error(http.get(root.item_url(cid, "non-existent-item")), 404)
    stranger = next(i for i in ITEMS if i["collection"] != cid)
    assert_error(http.get(root.item_url(cid, stranger["id"])), 404)


# --- item search ----------------------------------------------------------------------------


def test_search_get_pages(root, http):
    url = root.prefix + "/search"
    pages = walk_get(http, url, {"limit": 25})
    got = keys_from(pages)
    assert set(got) == root.keys, f"GET {url}: {diff(got, root.keys)}"
    if "numberMatched" in pages[0]:
        assert pages[0]["numberMatched"] == len(root.keys), f"GET {url}: numberMatched"
    for page in pages:
        for link in links_by_rel(page, "next"):
            assert link["href"].startswith(url + "?"), f"GET {url}: next link {link['href']}"
        for feature in page["features"]:
            check_item_links(root, feature, f"GET {url}")


def test_search_post_pages(root, http):
    url = root.prefix + "/search"
    pages = walk_post(http, url, {"limit": 25})
    got = keys_from(pages)
    assert set(got) == root.keys, f"POST {url}: {diff(got, root.keys)}"
    for page in pages:
        for link in links_by_rel(page, "next"):
            assert link["href"] == url, f"POST {url}: next link {link}"
        for feature in page["features"]:
            check_item_links(root, feature, f"POST {url}")


def test_search_collections_never_leave_the_scope(root, http):
    url = root.prefix + "/search"
    every = sorted(COLLECTIONS)
    outside = sorted(set(COLLECTIONS) - root.scope)
    for names in [n for n in (every, outside, ["CMIP6"]) if n]:
        want = {k for k in root.keys if k[0] in names}
        r = http.get(url, params={"collections": ",".join(names), "limit": 1000})
        assert r.status_code == 200, \
            f"GET {url} collections={names}: {r.status_code} {r.text[:200]}"
        got = keys_from([r.json()])
        assert set(got) == want, f"GET {url} collections={names}: {diff(got, want)}"
        r = http.post(url, json={"collections": names, "limit": 1000})
        assert r.status_code == 200, f"POST {url} collections={names}: {r.status_code}"
        got = keys_from([r.json()])
        assert set(got) == want, f"POST {url} collections={names}: {diff(got, want)}"


CMIP6_IDS = [i["id"] for i in ITEMS if i["collection"] == "CMIP6"][:3]
S2_IDS = [i["id"] for i in ITEMS if i["collection"] == "sentinel-2-l2a"][:2]
SEARCHES = {
    "bbox": ({"bbox": [5.5, 44.5, 12.5, 47.5]},
             lambda i: matches_bbox(i, [5.5, 44.5, 12.5, 47.5])),
    "bbox-antimeridian": ({"bbox": [170.3, -29.7, -170.3, 29.7]},
                          lambda i: matches_bbox(i, [170.3, -29.7, -170.3, 29.7])),
    "datetime-closed": ({"datetime": "2000-01-01T00:00:00Z/2001-01-01T00:00:00Z"},
                        lambda i: matches_datetime(i, "2000-01-01T00:00:00Z/2001-01-01T00:00:00Z")),
    "datetime-open-end": ({"datetime": "2023-01-01T00:00:00Z/.."},
                          lambda i: matches_datetime(i, "2023-01-01T00:00:00Z/..")),
    "ids": ({"ids": CMIP6_IDS + S2_IDS}, lambda i: i["id"] in CMIP6_IDS + S2_IDS),
    "bbox-and-datetime": ({"bbox": [5.5, 44.5, 12.5, 47.5], "datetime": "2015-06-01T00:00:00Z/.."},
                          lambda i: matches_bbox(i, [5.5, 44.5, 12.5, 47.5])
                          and matches_datetime(i, "2015-06-01T00:00:00Z/..")),
}


def _get_params(params):
    out = {}
    for name, value in params.items():
        out[name] = ",".join(map(str, value)) if isinstance(value, list) else value
    return out


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", sorted(SEARCHES))
def test_search_parameters_within_the_scope(root, http, name, method):
    params, predicate = SEARCHES[name]
    want = {key(i) for i in root.items if predicate(i)}
    url = root.prefix + "/search"
    if method == "GET":
        pages = walk_get(http, url, {**_get_params(params), "limit": 30})
    else:
        pages = walk_post(http, url, {**params, "limit": 30})
    got = keys_from(pages)
    assert set(got) == want, f"{method} {url} {params}: {diff(got, want)}"


def test_search_parameters_discriminate():
    """Each search above keeps some fixture items and drops others."""
    for name, (_, predicate) in SEARCHES.items():
        assert 0 < sum(map(predicate, ITEMS)) < len(ITEMS), name


def require_class(root, landing_doc, needle):
    found = [u for u in landing_doc["conformsTo"] if needle in u]
    assert found, f"{root} declares no {needle} class (its conformsTo: {landing_doc['conformsTo']})"


# The search extensions tested below, by the fragment of their item-search class.
TESTED_EXTENSIONS = {"filter", "sort", "sortables", "fields", "query", "free-text",
                     "advanced-free-text"}


def test_every_declared_search_extension_is_tested(root, landing_doc):
    declared = {u.split("#", 1)[1] for u in landing_doc["conformsTo"] if "/item-search#" in u}
    untested = declared - TESTED_EXTENSIONS
    assert not untested, f"{root} declares item-search extensions this file does not test: " \
                         f"{sorted(untested)}"


# Properties every root's queryables list (each scope holds CMIP6), and `collection`.
FILTER = {"op": "or", "args": [{"op": "=", "args": [{"property": "cmip6:variable_id"}, "tas"]},
                               {"op": "=", "args": [{"property": "collection"},
                                                    "sentinel-2-l2a"]}]}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_filter(root, landing_doc, http, method):
    require_class(root, landing_doc, "item-search#filter")
    want = {key(i) for i in root.items if cql2_eval.matches(FILTER, i)}
    url = root.prefix + "/search"
    if method == "GET":
        pages = walk_get(http, url, {"filter": cql2_eval.to_text(FILTER),
                                     "filter-lang": "cql2-text", "limit": 10})
    else:
        pages = walk_post(http, url, {"filter": FILTER, "filter-lang": "cql2-json", "limit": 10})
    got = keys_from(pages)
    assert set(got) == want, f"{method} {url} filter {cql2_eval.to_text(FILTER)}: {diff(got, want)}"


def test_filter_on_a_property_outside_the_scope(root, http):
    """R's queryables decide: when they are closed (additionalProperties false) a property no
    item of the scope has is refused with a 400 naming it; when listed, it filters."""
    queryables = http.get(root.prefix + "/queryables").json()
    url = root.prefix + "/search"
    r = http.get(url, params={"filter": "eo:cloud_cover < 30", "filter-lang": "cql2-text"})
    if "eo:cloud_cover" in queryables.get("properties", {}):
        assert r.status_code == 200, \
            f"GET {url} filter on a queryable: {r.status_code} {r.text[:200]}"
        want = {key(i) for i in root.items if i["properties"].get("eo:cloud_cover", 100) < 30}
        got = keys_from([r.json()])
        assert set(got) <= want and len(got) == min(10, len(want)), f"GET {url}: {diff(got, want)}"
    elif queryables.get("additionalProperties") is False:
        assert_error(r, 400)
        assert "eo:cloud_cover" in r.json()["description"], r.json()["description"]
    else:  # open: allowed, and no item of the scope has it
        assert r.status_code == 200 and r.json()["features"] == [], \
            f"GET {url} filter on an unlisted property: {r.status_code} {r.text[:200]}"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sortby(root, landing_doc, http, method):
    require_class(root, landing_doc, "item-search#sort")
    want = expected_order([("datetime", True)], root.items)
    url = root.prefix + "/search"
    if method == "GET":
        pages = walk_get(http, url, {"sortby": "-datetime", "limit": 20})
    else:
        pages = walk_post(http, url, {"sortby": [{"field": "datetime", "direction": "desc"}],
                                      "limit": 20})
    got = keys_from(pages)
    first = next((n for n, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    assert got == want, f"{method} {url} sortby -datetime: {len(got)} items, {len(want)} " \
                        f"expected; from position {first}: {got[first:first + 2]} instead of " \
                        f"{want[first:first + 2]}"


FIELDS = {
    "include": ("id,collection,properties.cmip6:variable_id,properties.eo:cloud_cover",
                {"include": ["id", "collection", "properties.cmip6:variable_id",
                             "properties.eo:cloud_cover"]},
                ["id", "collection", "properties.cmip6:variable_id", "properties.eo:cloud_cover"],
                []),
    "exclude": ("-geometry,-assets", {"include": [], "exclude": ["geometry", "assets"]},
                [], ["geometry", "assets"]),
}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("case", sorted(FIELDS))
def test_fields(root, landing_doc, http, case, method):
    require_class(root, landing_doc, "item-search#fields")
    get_value, post_value, include, exclude = FIELDS[case]
    url = root.prefix + "/search"
    full = {key(f): f for p in walk_get(http, url, {"limit": 200}) for f in p["features"]}
    assert set(full) == root.keys, f"GET {url}: {diff(full, root.keys)}"
    if method == "GET":
        pages = walk_get(http, url, {"fields": get_value, "limit": 200})
    else:
        pages = walk_post(http, url, {"fields": post_value, "limit": 200})
    got = {key(f): f for p in pages for f in p["features"]}
    assert set(got) == root.keys, f"{method} {url} fields {case}: {diff(got, root.keys)}"
    for k, feature in got.items():
        want = fields_select(full[k], include, exclude)
        assert feature == want, \
            f"{method} {url} fields {case}: item {k} is {feature}, expected {want}"


QUERIES = [
    {"cmip6:variable_id": {"in": ["tas", "pr"]}},
    {"cmip6:experiment_id": {"startsWith": "ssp"}, "cmip6:source_id": {"neq": "CESM2"}},
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("query", QUERIES, ids=["variable-in", "experiment-and-source"])
def test_query(root, landing_doc, http, query, method):
    require_class(root, landing_doc, "item-search#query")
    want = query_expected(query, items=root.items)
    url = root.prefix + "/search"
    if method == "GET":
        pages = walk_get(http, url, {"query": json.dumps(query), "limit": 10})
    else:
        pages = walk_post(http, url, {"query": query, "limit": 10})
    got = keys_from(pages)
    assert set(got) == want, f"{method} {url} query {query}: {diff(got, want)}"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_free_text(root, landing_doc, http, method):
    require_class(root, landing_doc, "item-search#free-text")
    want = {key(i) for i in root.items if text_has(i, "tas") or text_has(i, "sentinel")}
    url = root.prefix + "/search"
    if method == "GET":
        pages = walk_get(http, url, {"q": "tas,sentinel", "limit": 10})
    else:
        pages = walk_post(http, url, {"q": ["tas", "sentinel"], "limit": 10})
    got = keys_from(pages)
    assert set(got) == want, f"{method} {url} q=tas,sentinel: {diff(got, want)}"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_aggregate(root, landing_doc, http, method):
    require_class(root, landing_doc, "/aggregation")
    url = root.prefix + "/aggregate"
    names = ["total_count", "collection_frequency"]
    if method == "GET":
        r = http.get(url, params={"aggregations": ",".join(names)})
    else:
        r = http.post(url, json={"aggregations": names})
    assert r.status_code == 200, f"{method} {url}: {r.status_code} {r.text[:300]}"
    got = {a["name"]: a for a in r.json().get("aggregations", [])}
    assert got.get("total_count", {}).get("value") == len(root.keys), \
        f"{method} {url}: total_count {got.get('total_count')}, expected {len(root.keys)}"
    buckets = {b["key"]: b["frequency"]
               for b in got.get("collection_frequency", {}).get("buckets", [])}
    want = dict(Counter(k[0] for k in root.keys))
    assert buckets == want, f"{method} {url}: collection_frequency {buckets}, expected {want}"


def test_queryables(root, http):
    url = root.prefix + "/queryables"
    doc = _check_schema_document(http.get(url), url)
    listed = set(doc["properties"])
    want = _item_properties(root.items)
    assert want <= listed, f"{url}: not listed: {sorted(want - listed)}"
    assert listed - want <= BUILTINS, \
        f"{url}: listed, but no item in the scope has them: {sorted(listed - want - BUILTINS)}"


def test_sortables(root, http):
    url = root.prefix + "/sortables"
    r = http.get(url)
    assert r.status_code == 200, f"GET {url}: {r.status_code} {r.text[:200]}"
    assert media_type(r) == SCHEMA_JSON, f"GET {url}: Content-Type {r.headers.get('Content-Type')}"
    doc = r.json()
    assert doc.get("$id") == url, f"GET {url}: $id {doc.get('$id')}"
    assert doc.get("type") == "object" and doc.get("properties"), f"GET {url}: {doc}"
    own = {k for i in root.items for k in i["properties"]}
    stray = set(doc["properties"]) - own - BUILTINS
    assert not stray, f"GET {url}: sortables no item in the scope has: {sorted(stray)}"


# --- children -------------------------------------------------------------------------------


def _children(http, url, params=None):
    r = http.get(url, params=params)
    assert r.status_code == 200, f"GET {url} {params or ''}: {r.status_code} {r.text[:200]}"
    assert media_type(r) == JSON
    doc = r.json()
    assert isinstance(doc.get("children"), list), f"GET {url}: no children array: {list(doc)}"
    return doc


def _node_key(doc):
    return (doc.get("type"), doc.get("id"))


def test_children_equal_the_child_link_bodies(root, landing_doc, http):
    """stac-api-validator's check: /children deep-equals the documents of the child links."""
    linked = []
    for href in hrefs(landing_doc, "child"):
        r = http.get(href)
        assert r.status_code == 200, f"child link {href} of {root}: {r.status_code}"
        linked.append(r.json())
    listed = _children(http, root.prefix + "/children")["children"]
    want = sorted((("Catalog" if k == "catalog" else "Collection", v)
                   for k, v in TREE.tree_children(root.catalog)))
    assert sorted(map(_node_key, listed)) == want, \
        f"{root}/children lists {sorted(map(_node_key, listed))}, expected {want}"
    linked.sort(key=_node_key)
    listed.sort(key=_node_key)
    for a, b in zip(listed, linked):
        assert a == b, f"{root}/children: {_node_key(a)} differs from its child link's body"
    assert len(listed) == len(linked)


def test_children_links(root, http):
    url = root.prefix + "/children"
    doc = _children(http, url)
    assert one(doc, "self", url)["href"] == url
    assert one(doc, "root", url)["href"] == root.base + "/"
    assert hrefs(doc, "parent") == [root.url], f"{url}: parent links {hrefs(doc, 'parent')}"
    assert doc.get("numberReturned") == len(doc["children"]), f"{url}: numberReturned"


@pytest.mark.parametrize("kind", ["Catalog", "Collection"])
def test_children_type_filter(root, http, kind):
    url = root.prefix + "/children"
    got = sorted(map(_node_key, _children(http, url, {"type": kind})["children"]))
    want = sorted((kind, v) for k, v in TREE.tree_children(root.catalog)
                  if k == kind.lower())
    assert got == want, f"GET {url}?type={kind}: {got}, expected {want}"


def test_children_paging(root, http):
    url = root.prefix + "/children"
    doc = _children(http, url, {"limit": 1})
    found = []
    for _ in range(50):
        assert len(doc["children"]) <= 1, f"{url}?limit=1 gave {len(doc['children'])} children"
        found.extend(map(_node_key, doc["children"]))
        nxt = next_link(doc)
        if nxt is None:
            break
        doc = _children(http, nxt["href"])
    else:
        raise AssertionError(f"{url}?limit=1: next links never end")
    want = [("Catalog" if k == "catalog" else "Collection", v)
            for k, v in TREE.tree_children(root.catalog)]
    assert sorted(found) == sorted(want), f"{url}?limit=1 paged: {found}, expected {want}"


def test_children_bad_parameters_are_400(root, http):
    url = root.prefix + "/children"
    assert_error(http.get(url, params={"type": "Other"}), 400)
    assert_error(http.get(url, params={"colour": "blue"}), 400)


# --- bad input ------------------------------------------------------------------------------

SUBPATHS = ["", "/conformance", "/collections", "/collections/CMIP6", "/collections/CMIP6/items",
            "/search", "/children", "/catalogs", "/queryables"]


@pytest.mark.parametrize("cid", ["no-such-catalog", "CMIP6", "ESGF", "esgf-"])
def test_unknown_catalog_is_404(base, http, cid):
    for sub in SUBPATHS:
        assert_error(http.get(f"{base}/catalogs/{cid}{sub}"), 404)


# Catalog ids as sent on the wire (already percent-encoded): slashes, dots, quotes, ...
HOSTILE_IDS = [
    "esgf%2Fesgf-west", "esgf%252Fesgf-west", "%2E", "%2E%2E", "..%2Fesgf", "esgf%2F..%2Fdkrz",
    "esgf.", ".esgf", "...", "esgf%27", "%27%20OR%20%271%27%3D%271", "%22esgf%22", "esgf%20",
    "%C3%A9sgf", "esgf%3Bselect%201", "esgf%5C", "%25", "%25%32%46", "esgf%3Fx%3D1",
    "esgf%23top", "esgf%2A", "esgf%0A", "%E2%80%AEesgf",
]
# Not text at all: 400 (bad request) is as right as 404.
UNDECODABLE_IDS = ["esgf%00", "%FF", "%C3"]


def _check_refused(base, path, allowed):
    status, content_type, body = raw_get(base, path)
    assert status in allowed, f"GET {path}: {status} (expected {allowed}): {body[:200]}"
    assert content_type.split(";")[0].strip() == JSON, f"GET {path}: Content-Type {content_type}"
    doc = json.loads(body)
    assert isinstance(doc.get("code"), str) and doc["code"] and \
        isinstance(doc.get("description"), str) and doc["description"], f"GET {path}: {doc}"


@pytest.mark.parametrize("raw", HOSTILE_IDS)
def test_hostile_catalog_id_is_404(base, raw):
    for sub in SUBPATHS:
        _check_refused(base, f"/catalogs/{raw}{sub}", (404,))


@pytest.mark.parametrize("raw", UNDECODABLE_IDS)
def test_undecodable_catalog_id_is_refused(base, raw):
    for sub in SUBPATHS:
        _check_refused(base, f"/catalogs/{raw}{sub}", (400, 404))

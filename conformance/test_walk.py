"""Issue 16, one tree for walkers: a static walker (pystac's get_all_items, stac-browser)
follows `child` links of catalogs and collections and the `item` links of the browse pages,
fetching every linked document. From the server root it must reach every fixture item exactly
once and fetch no document twice (shared nodes, like CMIP6 under esgf-west and esgf-east, are
a `child` of one parent only); from a walk-complete catalog, every item of its scope once."""

from collections import Counter, deque

import pytest

from stacutil import CatalogTree, load_fixtures, media_type

COLLECTIONS, ITEMS = load_fixtures()
TREE = CatalogTree(COLLECTIONS)
# Documents besides items a walk may fetch: catalogs, collections and their browse pages.
MAX_OTHER_DOCUMENTS = 60


@pytest.fixture(scope="module", autouse=True)
def federation_applied(federation):
    assert federation["applied"], \
        f"stacfed federation apply of the fixture tree failed: {federation['message'][:300]}"


def walk(http, start, limit):
    """Fetches `start`, then every child and item link of every catalog and collection, once
    per link (as pystac does). Returns (items reached, nodes reached, link targets, fetches)."""
    items, nodes, targets = Counter(), Counter(), Counter()
    fetched = set()
    queue = deque([(start, None)])
    while queue:
        url, linked_from = queue.popleft()
        if url in fetched:
            continue  # counted in targets; a pystac walk would fetch it again
        fetched.add(url)
        assert len(fetched) <= limit, \
            f"walk from {start}: more than {limit} documents fetched (at {url})"
        r = http.get(url)
        assert r.status_code == 200, \
            f"walk from {start}: GET {url} (linked from {linked_from}): {r.status_code}"
        doc = r.json()
        if doc.get("type") == "Feature":
            assert media_type(r) == "application/geo+json", \
                f"{url}: Content-Type {r.headers.get('Content-Type')}"
            items[(doc.get("collection"), doc.get("id"))] += 1
            continue
        nodes[(doc.get("type"), doc.get("id"))] += 1
        for link in doc.get("links", []):
            if link.get("rel") in ("child", "item"):
                targets[link["href"]] += 1
                queue.append((link["href"], url))
    return items, nodes, targets, len(fetched)


def check_walk(http, base, start, expected):
    items, nodes, targets, fetches = walk(http, start, len(expected) + MAX_OTHER_DOCUMENTS)
    twice = {url: n for url, n in targets.items() if n > 1}
    assert not twice, f"walk from {start}: documents linked (so fetched) more than once: " \
                      f"{sorted(twice.items())[:5]}"
    repeated = {k: n for k, n in items.items() if n > 1}
    assert not repeated, f"walk from {start}: items reached more than once: " \
                         f"{sorted(repeated.items())[:5]}"
    missing = expected - set(items)
    extra = set(items) - expected
    assert not missing and not extra, \
        f"walk from {start}: {len(items)} items reached, {len(expected)} expected; " \
        f"missing {sorted(missing)[:3]} ({len(missing)}), unexpected {sorted(extra)[:3]}"
    again = {k: n for k, n in nodes.items() if n > 1}
    assert not again, f"walk from {start}: catalogs or collections reached more than once " \
                      f"under different URLs: {again}"
    return nodes, fetches


def test_walk_from_the_root_reaches_every_item_once(base, http):
    expected = {(i["collection"], i["id"]) for i in ITEMS}
    nodes, _ = check_walk(http, base, base + "/", expected)
    catalogs = {i for t, i in nodes if t == "Catalog"}
    collections = {i for t, i in nodes if t == "Collection"}
    assert set(TREE.order) <= catalogs, \
        f"walk from the root: catalogs never reached: {sorted(set(TREE.order) - catalogs)}"
    assert collections == set(COLLECTIONS), \
        f"walk from the root: collections reached {sorted(collections)}, " \
        f"expected {sorted(COLLECTIONS)}"


@pytest.mark.parametrize("cid", ["esgf-west", "esgf", "dkrz", "esgf-east"])
def test_walk_from_a_catalog(base, http, cid):
    """From a walk-complete catalog, every item of its scope once; from one that is not
    (esgf-east: CMIP6's tree parent is esgf-west), whatever it reaches still once and in scope."""
    scope = TREE.scope(cid)
    in_scope = {(i["collection"], i["id"]) for i in ITEMS if i["collection"] in scope}
    if TREE.walk_complete(cid):
        check_walk(http, base, f"{base}/catalogs/{cid}", in_scope)
    else:
        items, _, targets, _ = walk(http, f"{base}/catalogs/{cid}",
                                    len(in_scope) + MAX_OTHER_DOCUMENTS)
        twice = {url: n for url, n in targets.items() if n > 1}
        assert not twice, f"walk from {cid}: documents linked more than once: {twice}"
        assert all(n == 1 for n in items.values()) and set(items) <= in_scope, \
            f"walk from {cid}: items reached more than once or out of scope: " \
            f"{sorted(k for k, n in items.items() if n > 1 or k not in in_scope)[:5]}"

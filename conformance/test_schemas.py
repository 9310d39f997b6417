"""Every kind of document the server returns has the members STAC requires (schemas.py)."""

import jsonschema
import pytest
import requests

import schemas


def check(schema, doc, what):
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: e.path)
    assert not errors, f"{what}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}"
        for e in errors[:5])


def get(url, **kwargs):
    r = requests.get(url, **kwargs)
    return r.json()


def test_landing_and_conformance(base):
    check(schemas.LANDING, get(base + "/"), "/")
    check(schemas.CONFORMANCE, get(base + "/conformance"), "/conformance")


def test_collections(base, collections):
    check(schemas.COLLECTIONS, get(base + "/collections"), "/collections")
    for cid in collections:
        check(schemas.COLLECTION, get(f"{base}/collections/{cid}"), f"/collections/{cid}")


def test_item_collections(base, collections):
    for cid in collections:
        check(schemas.ITEM_COLLECTION, get(f"{base}/collections/{cid}/items?limit=1000"),
              f"/collections/{cid}/items")
    check(schemas.ITEM_COLLECTION, get(base + "/search?limit=1000"), "GET /search")
    check(schemas.ITEM_COLLECTION, requests.post(base + "/search", json={"limit": 7}).json(),
          "POST /search")
    check(schemas.ITEM_COLLECTION, get(base + "/search?ids=none"), "empty /search")


def test_items(base, items):
    for item in items[::10]:
        url = f"{base}/collections/{item['collection']}/items/{item['id']}"
        check(schemas.ITEM, get(url), url)


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/collections/nope", None),
    ("GET", "/collections/CMIP6/items/nope", None),
    ("GET", "/search?bbox=1,2", None),
    ("GET", "/search?datetime=yesterday", None),
    ("GET", "/search?limit=0", None),
    ("GET", "/search?foo=bar", None),
    ("POST", "/search", b"{"),
])
def test_error_bodies(base, method, path, body):
    r = requests.request(method, base + path, data=body,
                         headers={"Content-Type": "application/json"} if body else {})
    assert 400 <= r.status_code < 500
    check(schemas.ERROR, r.json(), f"{method} {path}")


def test_catalogs(base, federation):
    r = requests.get(base + "/catalogs")
    if not federation["applied"] or r.status_code == 404:
        pytest.skip("catalogs not served")
    listing = r.json()
    assert isinstance(listing.get("catalogs"), list)
    for catalog in listing["catalogs"]:
        check(schemas.CATALOG, catalog, f"/catalogs entry {catalog.get('id')}")
        doc = get(f"{base}/catalogs/{catalog['id']}")
        check(schemas.CATALOG, doc, f"/catalogs/{catalog['id']}")


def test_fixture_data_is_valid(items, collections):
    """Our own fixture records meet the same schemas (no server needed)."""
    for item in items:
        check(schemas.ITEM, item, f"fixture item {item['id']}")
    for collection in collections.values():
        check(schemas.COLLECTION, collection, f"fixture collection {collection['id']}")

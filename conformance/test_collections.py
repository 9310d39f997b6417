"""/collections and /collections/{id} (STAC API Collections, OGC API Features)."""

from urllib.parse import quote

import pytest
import requests

from stacutil import GEOJSON, JSON, assert_error, links_by_rel, media_type, next_link, one_link


def all_collections(base):
    """Every collection of /collections, following next links if the list is paged."""
    found, url = [], base + "/collections"
    for _ in range(100):
        r = requests.get(url)
        assert r.status_code == 200
        doc = r.json()
        found.extend(doc["collections"])
        nxt = next_link(doc)
        if nxt is None:
            return found
        url = nxt["href"]
    raise AssertionError("next link loop on /collections")


def test_collections_document(base):
    r = requests.get(base + "/collections")
    assert r.status_code == 200
    assert media_type(r) == JSON
    doc = r.json()
    assert "type" not in doc, "/collections must have no type field"
    assert isinstance(doc["collections"], list)
    assert one_link(doc, "self")["href"] == base + "/collections"
    assert one_link(doc, "root")["href"].rstrip("/") == base
    for link in doc["links"]:
        assert link["href"].startswith(base + "/") or link["href"] == base, link


def test_collections_lists_every_fixture_collection(base, collections):
    listed = all_collections(base)
    ids = [c["id"] for c in listed]
    assert len(ids) == len(set(ids)), "a collection is listed twice"
    assert set(collections) <= set(ids)
    for c in listed:
        assert c["type"] == "Collection"
        assert one_link(c, "self")["href"] == f"{base}/collections/{quote(c['id'], safe='')}"


@pytest.mark.parametrize("cid", ["CMIP6", "sentinel-2-l2a", "eerie-pacific-regional",
                                 "destine-climate-dt"])
def test_collection_document(base, collections, cid):
    url = f"{base}/collections/{cid}"
    r = requests.get(url)
    assert r.status_code == 200
    assert media_type(r) == JSON
    doc = r.json()
    expected = collections[cid]
    assert doc["type"] == "Collection"
    assert doc["id"] == cid
    for key in ("description", "license", "extent", "title", "stac_version"):
        assert doc[key] == expected[key], key
    assert one_link(doc, "self")["href"] == url  # exactly the requested URL
    assert one_link(doc, "root")["href"].rstrip("/") == base
    parent = one_link(doc, "parent")
    assert parent["href"].rstrip("/") in (base, base + "/collections"), parent
    items = one_link(doc, "items")
    assert items.get("type") == GEOJSON
    assert items["href"] == url + "/items"
    for link in doc["links"]:
        assert link["href"].startswith("http"), link
    # Extra links of the document (license, ...) are kept.
    for extra in expected.get("links", []):
        assert [link for link in links_by_rel(doc, extra["rel"])
                if link["href"] == extra["href"]], f"lost link {extra}"


def test_missing_collection_is_404(base):
    assert_error(requests.get(base + "/collections/non-existent-collection"), 404)


def test_items_of_missing_collection_is_404(base):
    assert_error(requests.get(base + "/collections/non-existent-collection/items"), 404)


def test_missing_item_is_404(base):
    assert_error(requests.get(base + "/collections/CMIP6/items/non-existent-item"), 404)


def test_item_of_missing_collection_is_404(base, items):
    item = items[0]
    assert_error(requests.get(f"{base}/collections/non-existent-collection/items/{item['id']}"),
                 404)


def test_item_in_the_wrong_collection_is_404(base, items):
    item = next(i for i in items if i["collection"] == "sentinel-2-l2a")
    assert_error(requests.get(f"{base}/collections/CMIP6/items/{item['id']}"), 404)


def test_unknown_path_is_404(base):
    assert_error(requests.get(base + "/no-such-endpoint"), 404)

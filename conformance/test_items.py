"""/collections/{id}/items and /collections/{id}/items/{itemId}."""

import pytest
import requests

from stacutil import (GEOJSON, JSON, assert_error, ids_of, links_by_rel, media_type, one_link,
                      walk_get)

COLLECTIONS = ["CMIP6", "sentinel-2-l2a", "eerie-pacific-regional", "destine-climate-dt"]


def same_geometry(a, b):
    def flat(x):
        if isinstance(x, (int, float)):
            return [float(x)]
        return [v for y in x for v in flat(y)]
    return a["type"] == b["type"] and flat(a["coordinates"]) == pytest.approx(
        flat(b["coordinates"]))


def check_item_links(base, item):
    cid = item["collection"]
    for rel in ("self", "root", "parent", "collection"):
        assert len(links_by_rel(item, rel)) == 1, f"{item['id']}: {rel} links " \
                                                  f"{links_by_rel(item, rel)}"
    assert one_link(item, "self")["href"] == f"{base}/collections/{cid}/items/{item['id']}"
    assert one_link(item, "self").get("type") == GEOJSON
    assert one_link(item, "root")["href"].rstrip("/") == base
    assert one_link(item, "parent")["href"] == f"{base}/collections/{cid}"
    assert one_link(item, "collection")["href"] == f"{base}/collections/{cid}"
    for rel in ("root", "parent", "collection"):
        assert one_link(item, rel).get("type") == JSON, one_link(item, rel)
    for link in item["links"]:
        assert link["href"].startswith("http"), link


@pytest.mark.parametrize("cid", COLLECTIONS)
def test_items_page(base, items, cid):
    url = f"{base}/collections/{cid}/items"
    r = requests.get(url)
    assert r.status_code == 200
    assert media_type(r) == GEOJSON
    doc = r.json()
    assert doc["type"] == "FeatureCollection"
    expected = {i["id"] for i in items if i["collection"] == cid}
    assert doc["numberReturned"] == len(doc["features"]) == min(10, len(expected))
    if "numberMatched" in doc:
        assert doc["numberMatched"] == len(expected)
    assert set(ids_of(doc)) <= expected
    for link in doc["links"]:
        assert link["href"].startswith(base), link
    assert one_link(doc, "root")["href"].rstrip("/") == base
    assert one_link(doc, "self")["href"] == url  # exactly what was requested
    assert one_link(doc, "collection")["href"] == f"{base}/collections/{cid}"
    for feature in doc["features"]:
        assert feature["collection"] == cid
        check_item_links(base, feature)


@pytest.mark.parametrize("cid", COLLECTIONS)
def test_items_walk_returns_the_whole_collection(base, http, items, cid):
    pages = walk_get(http, f"{base}/collections/{cid}/items", {"limit": 7})
    got = [i for p in pages for i in ids_of(p)]
    expected = {i["id"] for i in items if i["collection"] == cid}
    assert len(got) == len(set(got)), "an item came twice"
    assert set(got) == expected


@pytest.mark.parametrize("cid", COLLECTIONS)
def test_items_accept_collections_parameter(base, items, cid):
    # pystac-client's CollectionClient.get_items(): GET <items link>?collections=<id>
    r = requests.get(f"{base}/collections/{cid}/items", params={"collections": cid,
                                                               "limit": 1000})
    assert r.status_code == 200, r.text[:300]
    assert set(ids_of(r.json())) == {i["id"] for i in items if i["collection"] == cid}


def test_items_accept_search_parameters(base, items):
    cid = "sentinel-2-l2a"
    r = requests.get(f"{base}/collections/{cid}/items",
                     params={"bbox": "4.5,43.5,10.5,50.5",
                             "datetime": "2023-01-01T00:00:00Z/2023-06-30T23:59:59Z",
                             "limit": 1000})
    assert r.status_code == 200, r.text[:300]
    from stacutil import matches_bbox, matches_datetime
    expected = {i["id"] for i in items if i["collection"] == cid
                and matches_bbox(i, [4.5, 43.5, 10.5, 50.5])
                and matches_datetime(i, "2023-01-01T00:00:00Z/2023-06-30T23:59:59Z")}
    assert expected, "fixture should give a non-empty answer"
    assert set(ids_of(r.json())) == expected


@pytest.mark.parametrize("params", [{"foo": "bar"}, {"bbox": "0,0,1,1", "colection": "x"}])
def test_items_unknown_parameter_is_400(base, params):
    assert_error(requests.get(f"{base}/collections/CMIP6/items", params=params), 400)


def test_single_item(base, items):
    for item in [items[0], items[60], items[100], items[-1]]:
        url = f"{base}/collections/{item['collection']}/items/{item['id']}"
        r = requests.get(url)
        assert r.status_code == 200, f"{url}: {r.status_code}"
        assert media_type(r) == GEOJSON
        doc = r.json()
        assert doc["type"] == "Feature"
        assert doc["id"] == item["id"]
        assert doc["collection"] == item["collection"]
        assert doc["stac_version"] == item["stac_version"]
        assert doc["properties"] == item["properties"]
        assert doc["assets"] == item["assets"]
        assert doc["bbox"] == pytest.approx(item["bbox"])
        assert same_geometry(doc["geometry"], item["geometry"])
        check_item_links(base, doc)
        assert one_link(doc, "self")["href"] == url


def test_item_upstream_links_are_replaced_and_extra_links_kept(base, items):
    # ESGF-like fixture items carry upstream self/parent/root links and a cite-as link.
    item = next(i for i in items if i["collection"] == "CMIP6")
    doc = requests.get(f"{base}/collections/CMIP6/items/{item['id']}").json()
    check_item_links(base, doc)
    cite = links_by_rel(item, "cite-as")[0]
    assert [link for link in links_by_rel(doc, "cite-as") if link["href"] == cite["href"]]
    assert not [link for link in doc["links"] if "esgf-west.example.org" in link["href"]]


def test_item_with_post_link_keeps_its_body(base, items):
    item = next(i for i in items if i["collection"] == "destine-climate-dt")
    doc = requests.get(f"{base}/collections/destine-climate-dt/items/{item['id']}").json()
    retrieve = one_link(doc, "retrieve")
    assert retrieve == links_by_rel(item, "retrieve")[0]


def test_items_404_body_is_json(base):
    r = requests.get(f"{base}/collections/CMIP6/items/nope")
    assert_error(r, 404)
    assert media_type(r) == JSON


def test_every_item_round_trips(base, items):
    """Loaded and served unchanged: every fixture item, through one big search page."""
    r = requests.post(f"{base}/search", json={"limit": 10000})
    assert r.status_code == 200
    served = {(f["collection"], f["id"]): f for f in r.json()["features"]}
    assert len(served) == len(items)
    for item in items:
        doc = served[(item["collection"], item["id"])]
        assert doc["type"] == "Feature"
        assert doc["stac_version"] == item["stac_version"]
        assert doc.get("stac_extensions", []) == item["stac_extensions"]
        assert doc["properties"] == item["properties"], item["id"]
        assert doc["assets"] == item["assets"], item["id"]
        assert doc["bbox"] == pytest.approx(item["bbox"]), item["id"]
        assert same_geometry(doc["geometry"], item["geometry"]), item["id"]
        check_item_links(base, doc)

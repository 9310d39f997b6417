"""Paging: following next links (GET hrefs as-is; POST with the link's full body, merge false)
yields every matching item exactly once, then a page without a next link."""

from urllib.parse import parse_qs, urlsplit

import pytest

from stacutil import (GEOJSON, keys_of, links_by_rel, matches_bbox, matches_datetime,
                      next_link, walk_get, walk_post)

QUERIES = {
    "everything": {},
    "one-collection": {"collections": ["sentinel-2-l2a"]},
    "two-collections": {"collections": ["CMIP6", "destine-climate-dt"]},
    "antimeridian": {"bbox": [170.3, -29.7, -170.3, 29.7]},
    "range": {"datetime": "2000-01-01T00:00:00Z/2030-06-01T12:00:00Z"},
    "open-end": {"datetime": "2023-01-01T00:00:00Z/.."},
    "combined": {"bbox": [-179.9, -60.1, 179.9, 60.1], "datetime": "../2024-01-01T00:00:00Z",
                 "collections": ["sentinel-2-l2a", "eerie-pacific-regional", "CMIP6"]},
}


def expected_keys(items, query):
    def ok(i):
        if "collections" in query and i["collection"] not in query["collections"]:
            return False
        if "bbox" in query and not matches_bbox(i, query["bbox"]):
            return False
        if "datetime" in query and not matches_datetime(i, query["datetime"]):
            return False
        return True
    return {(i["collection"], i["id"]) for i in items if ok(i)}


def as_get(query):
    return {k: (",".join(map(str, v)) if isinstance(v, list) else v) for k, v in query.items()}


def check_pages(pages, expected, limit):
    got = [k for p in pages for k in keys_of(p)]
    assert len(got) == len(set(got)), \
        f"duplicates across pages: {[k for k in set(got) if got.count(k) > 1][:5]}"
    assert set(got) == expected, (f"missing {list(expected - set(got))[:5]}, "
                                  f"unexpected {list(set(got) - expected)[:5]}")
    for n, page in enumerate(pages):
        assert page["numberReturned"] == len(page["features"])
        if "numberMatched" in page:
            assert page["numberMatched"] == len(expected)
        if n < len(pages) - 1:
            assert len(page["features"]) == limit, "only the last page may be short"
            assert page["features"], "an empty page before the end"
    assert next_link(pages[-1]) is None
    assert len(pages) == max(1, -(-len(expected) // limit)), \
        "no trailing empty page expected when the count is known"


@pytest.mark.parametrize("name", list(QUERIES))
def test_paging_get(base, http, items, name):
    query = QUERIES[name]
    expected = expected_keys(items, query)
    pages = walk_get(http, base + "/search", {**as_get(query), "limit": 7})
    check_pages(pages, expected, 7)
    # Every GET next href carries the full query, not just a token.
    for page in pages[:-1]:
        href = next_link(page)["href"]
        assert href.startswith(base + "/search?")
        params = parse_qs(urlsplit(href).query)
        for key, value in as_get(query).items():
            assert params.get(key) == [value], f"next href lost {key}: {href}"
        assert params.get("limit") == ["7"], href
        assert next_link(page).get("type") in (None, GEOJSON)


@pytest.mark.parametrize("name", list(QUERIES))
def test_paging_post(base, http, items, name):
    query = QUERIES[name]
    expected = expected_keys(items, query)
    body = {**query, "limit": 7}
    pages = walk_post(http, base + "/search", body)
    check_pages(pages, expected, 7)
    for page in pages[:-1]:
        nxt = next_link(page)
        assert nxt.get("method") == "POST", f"a POST search must page with POST: {nxt}"
        assert nxt.get("merge", False) is False, "merge must be false (stac-browser ignores it)"
        assert nxt["href"] == base + "/search"
        for key, value in body.items():
            assert nxt["body"].get(key) == value, f"next body lost {key}: {nxt['body']}"
        assert set(nxt["body"]) - set(body), "the next body must add a token"


def test_get_and_post_pages_agree(base, http):
    query = QUERIES["combined"]
    get_pages = walk_get(http, base + "/search", {**as_get(query), "limit": 5})
    post_pages = walk_post(http, base + "/search", {**query, "limit": 5})
    assert [keys_of(p) for p in get_pages] == [keys_of(p) for p in post_pages]


@pytest.mark.parametrize("limit", [1, 3, 10, 137, 138, 139])
def test_paging_limits(base, http, items, limit):
    pages = walk_get(http, base + "/search", {"limit": limit})
    check_pages(pages, expected_keys(items, {}), limit)


def test_paging_ties_on_datetime(base, http, items):
    # Three Sentinel tiles per datatake and three DestinE regions per step share a datetime:
    # a page boundary inside such a group must neither repeat nor drop an item.
    query = {"collections": ["sentinel-2-l2a", "destine-climate-dt"]}
    for limit in (2, 4):
        pages = walk_get(http, base + "/search", {**as_get(query), "limit": limit})
        check_pages(pages, expected_keys(items, query), limit)


def test_paging_items_endpoint(base, http, items):
    for cid in ("CMIP6", "eerie-pacific-regional"):
        pages = walk_get(http, f"{base}/collections/{cid}/items", {"limit": 4})
        check_pages(pages, expected_keys(items, {"collections": [cid]}), 4)
        for page in pages[:-1]:
            assert next_link(page)["href"].startswith(f"{base}/collections/{cid}/items?")


def test_prev_link_leads_back(base, http):
    # prev is optional; when offered, it must lead back to the previous page.
    pages = walk_get(http, base + "/search", {"limit": 7})
    if not links_by_rel(pages[1], "prev"):
        pytest.skip("no prev links offered")
    for earlier, later in zip(pages, pages[1:]):
        prev = links_by_rel(later, "prev")[0]
        back = http.get(prev["href"]).json()
        assert keys_of(back) == keys_of(earlier)


def test_prev_link_post(base, http):
    pages = walk_post(http, base + "/search", {"limit": 7, "collections": ["CMIP6"]})
    if len(pages) < 2 or not links_by_rel(pages[1], "prev"):
        pytest.skip("no prev links offered")
    prev = links_by_rel(pages[1], "prev")[0]
    assert prev.get("method") == "POST"
    back = http.post(prev["href"], json=prev["body"]).json()
    assert keys_of(back) == keys_of(pages[0])


def test_no_prev_link_on_first_page(base, http):
    doc = http.get(base + "/search", params={"limit": 7}).json()
    assert not links_by_rel(doc, "prev")


def test_tampered_token_is_400(base, http):
    doc = http.get(base + "/search", params={"limit": 7}).json()
    href = next_link(doc)["href"]
    params = parse_qs(urlsplit(href).query)
    token_keys = [k for k in params if k not in ("limit",)]
    assert token_keys, href
    for key in token_keys:
        r = http.get(base + "/search", params={"limit": 7, key: "garbage!!"})
        assert r.status_code == 400, f"{key}=garbage!! -> {r.status_code}"

"""Item search parameters: strict parsing (every form stac-api-validator tries) and the
filtering itself, checked against answers computed from the fixture data."""

import json

import pytest
import requests

from stacutil import (GEOJSON, assert_error, ids_of, keys_of, matches_bbox, matches_datetime,
                      intersects, media_type, next_link, one_link)

# stac-api-validator's lists (validations.py), plus a few of the same kind.
VALID_DATETIMES = [
    "1985-04-12T23:20:50.52Z",
    "1996-12-19T16:39:57-00:00",
    "1996-12-19T16:39:57+00:00",
    "1996-12-19T16:39:57-08:00",
    "1996-12-19T16:39:57+08:00",
    "../1985-04-12T23:20:50.52Z",
    "1985-04-12T23:20:50.52Z/..",
    "/1985-04-12T23:20:50.52Z",
    "1985-04-12T23:20:50.52Z/",
    "1985-04-12T23:20:50.52Z/1986-04-12T23:20:50.52Z",
    "1985-04-12T23:20:50.52+01:00/1986-04-12T23:20:50.52+01:00",
    "1985-04-12T23:20:50.52-01:00/1986-04-12T23:20:50.52-01:00",
    "1937-01-01T12:00:27.87+01:00",
    "1937-01-01T12:00:27.8710+01:00",
    "1937-01-01T12:00:27.8+01:00",
    "1937-01-01T12:00:27.8Z",
    "2020-07-23T00:00:00.000+03:00",
    "2020-07-23T00:00:00+03:00",
    "1985-04-12t23:20:50.000z",
    "2020-07-23T00:00:00Z",
    "2020-07-23T00:00:00.0Z",
    "2020-07-23T00:00:00.01Z",
    "2020-07-23T00:00:00.012Z",
    "2020-07-23T00:00:00.0123Z",
    "2020-07-23T00:00:00.01234Z",
    "2020-07-23T00:00:00.012345Z",
    "2020-07-23T00:00:00.0123456Z",
    "2020-07-23T00:00:00.01234567Z",
    "2020-07-23T00:00:00.012345678Z",
    # Ours: instants and ranges that hit fixture items.
    "2030-06-01T06:00:00Z",
    "2030-06-01T06:00:00.000000000Z",
    "2030-06-01T08:00:00+02:00",
    "2001-03-15T00:00:00Z",
    "2000-01-01T00:00:00Z/2000-12-31T23:59:59Z",
    "2023-03-01T00:00:00Z/..",
    "../1850-01-16T12:00:00Z",
    "2014-12-16T12:00:00Z/2015-01-16T12:00:00Z",
    "2017-01-01T00:00:00Z/2017-12-31T23:59:59Z",  # pystac-client's form of "2017"
]

INVALID_DATETIMES = [
    "/",
    "../..",
    "/..",
    "../",
    "/1984-04-12T23:20:50.52Z/1985-04-12T23:20:50.52Z",
    "1984-04-12T23:20:50.52Z/1985-04-12T23:20:50.52Z/",
    "/1984-04-12T23:20:50.52Z/1985-04-12T23:20:50.52Z/",
    "1985-04-12",
    "1937-01-01T12:00:27.87+0100",
    "37-01-01T12:00:27.87Z",
    "1985-12-12T23:20:50.52",
    "21985-12-12T23:20:50.52Z",
    "1985-13-12T23:20:50.52Z",
    "1985-12-32T23:20:50.52Z",
    "1985-12-01T25:20:50.52Z",
    "1985-12-01T00:60:50.52Z",
    "1985-12-01T00:06:61.52Z",
    "1985-04-12T23:20:50.Z",
    "1985-04-12T23:20:50,Z",
    "1990-12-31T23:59:61Z",
    "1986-04-12T23:20:50.52Z/1985-04-12T23:20:50.52Z",
    "1985-04-12T23:20:50,52Z",
    # Ours.
    "2017",
    "2021-02-30T00:00:00Z",
    "1985-04-12T23:20:50.52Z/1986-04-12",
    "yesterday",
]

BAD_BBOXES_GET = [
    "[100.0, 0.0, 105.0, 1.0]",
    "100.0, 1.0, 105.0, 0.0",
    "100.0,1.0,105.0,0.0",  # south > north
    "0,1,0,1,0,1",  # 3D, south > north
    "0",
    "0,0",
    "0,0,0",
    "0,0,0,1,1",
    "0,0,0,1,1,1,1",
    "a,b,c,d",
    "0,0,1,x",
]

BAD_BBOXES_POST = [
    "100.0, 0.0, 105.0, 1.0",
    [100.0, 1.0, 105.0, 0.0],
    [0],
    [0, 0],
    [0, 0, 0],
    [0, 0, 0, 1, 1],
    [0, 0, 0, 1, 1, 1, 1],
    ["a", 0, 1, 1],
    {"west": 0},
]


def search_all(http, base, method, params):
    """One page holding every match (asserts there is no next page)."""
    if method == "GET":
        q = dict(params)
        for key in ("bbox", "ids", "collections"):
            if isinstance(q.get(key), list):
                q[key] = ",".join(str(v) for v in q[key])
        if isinstance(q.get("intersects"), dict):
            q["intersects"] = json.dumps(q["intersects"])
        q["limit"] = 10000
        r = http.get(base + "/search", params=q)
    else:
        r = http.post(base + "/search", json={**params, "limit": 10000})
    assert r.status_code == 200, f"{method} {params}: {r.status_code} {r.text[:300]}"
    assert media_type(r) == GEOJSON
    doc = r.json()
    assert next_link(doc) is None, "a page with every match must have no next link"
    assert doc["numberReturned"] == len(doc["features"])
    if "numberMatched" in doc:
        assert doc["numberMatched"] == len(doc["features"])
    return doc


def expect(items, predicate):
    return {(i["collection"], i["id"]) for i in items if predicate(i)}


# --- datetime -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("dt", VALID_DATETIMES)
def test_valid_datetime(base, http, items, method, dt):
    doc = search_all(http, base, method, {"datetime": dt})
    got = keys_of(doc)
    assert len(got) == len(set(got))
    assert set(got) == expect(items, lambda i: matches_datetime(i, dt))


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("dt", INVALID_DATETIMES)
def test_invalid_datetime_is_400(base, http, method, dt):
    if method == "GET":
        r = http.get(base + "/search", params={"datetime": dt})
    else:
        r = http.post(base + "/search", json={"datetime": dt})
    assert_error(r, 400)


def test_datetime_interval_spanning_collections_pages_through_each_match_once(base, http, items):
    # The server narrows a search in time to the collections whose items can overlap the
    # interval (per-collection time bounds); paging through such a search, with and without
    # naming collections, must still give every matching item exactly once.
    dt = "1990-01-01T00:00:00Z/2030-12-31T23:59:59Z"
    every = sorted({i["collection"] for i in items})
    for params in ({"datetime": dt, "limit": 3}, {"datetime": dt, "limit": 3, "collections": every}):
        for method in ("GET", "POST"):
            doc = search_all(http, base, method, params)
            got = keys_of(doc)
            assert len(got) == len(set(got))
            assert set(got) == expect(items, lambda i: matches_datetime(i, dt))


def test_datetime_no_collection_covers_gives_an_empty_page(base, http, items):
    dt = "0001-01-01T00:00:00Z/0002-01-01T00:00:00Z"
    assert not expect(items, lambda i: matches_datetime(i, dt))
    doc = http.get(base + "/search", params={"datetime": dt}).json()
    assert doc["type"] == "FeatureCollection"
    assert doc["features"] == [] and doc["numberReturned"] == 0
    assert doc.get("numberMatched", 0) == 0
    assert next_link(doc) is None
    some = items[0]["collection"]
    r = http.get(base + f"/collections/{some}/items", params={"datetime": dt})
    assert r.status_code == 200 and r.json()["features"] == []
    r = http.get(base + "/collections/no-such-collection/items", params={"datetime": dt})
    assert r.status_code == 404


def test_datetime_of_an_item_finds_it(base, http, items):
    # The validator's first datetime check: a datetime taken from a returned item.
    feature = http.get(base + "/search", params={"collections": "sentinel-2-l2a"}).json()[
        "features"][0]
    dt = feature["properties"]["datetime"]
    doc = http.get(base + "/search", params={"datetime": dt}).json()
    assert feature["id"] in ids_of(doc)


def test_items_with_null_datetime_match_by_their_range(base, http, items):
    dt = "1900-06-01T00:00:00Z"
    doc = search_all(http, base, "GET", {"datetime": dt, "collections": ["CMIP6"]})
    expected = expect(items, lambda i: i["collection"] == "CMIP6" and matches_datetime(i, dt))
    assert expected, "fixture: historical/piControl runs cover 1900"
    assert all(i["properties"]["datetime"] is None for i in items if i["collection"] == "CMIP6")
    assert set(keys_of(doc)) == expected


# --- bbox ---------------------------------------------------------------------------------

GOOD_BBOXES = [
    [100.0, 0.0, 105.0, 1.0],
    [100.0, 0.0, 0.0, 105.0, 1.0, 1.0],
    [4.5, 43.5, 10.5, 50.5],
    [8.1, 45.1, 8.9, 45.9],
    [-179.9, -89.9, 179.9, 89.9],
    [170.3, -29.7, -170.3, 29.7],  # crosses the antimeridian
    [178.6, -17.6, -179.4, -16.4],  # crosses the antimeridian, clips Fiji tiles
    [-154.9, -10.1, -100.1, 10.1],
    [-10.1, 60.1, 10.1, 70.1],
    [-179.6, 55.1, -159.9, 60.1],  # only the western half of the Bering Sea box
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("bbox", GOOD_BBOXES, ids=lambda b: ",".join(map(str, b)))
def test_bbox_filter(base, http, items, method, bbox):
    doc = search_all(http, base, method, {"bbox": bbox})
    assert set(keys_of(doc)) == expect(items, lambda i: matches_bbox(i, bbox))


def test_bbox_antimeridian_finds_both_sides(base, http, items):
    bbox = [170.3, -29.7, -170.3, 29.7]
    got = set(keys_of(search_all(http, base, "GET",
                                 {"bbox": bbox, "collections": ["eerie-pacific-regional"]})))
    names = {k[1] for k in got}
    assert any("fiji-basin" in n for n in names)  # a box crossing 180
    assert any("tao-0n180" in n for n in names)  # a point just west of 180
    assert not any("tao-0n155w" in n for n in names)
    assert not any("kuroshio" in n for n in names)


def test_bbox_unencoded_commas(base, items):
    r = requests.get(base + "/search?bbox=4.5,43.5,10.5,50.5&limit=10000")
    assert r.status_code == 200
    assert set(keys_of(r.json())) == expect(items,
                                            lambda i: matches_bbox(i, [4.5, 43.5, 10.5, 50.5]))


@pytest.mark.parametrize("bbox", BAD_BBOXES_GET)
def test_bad_bbox_get_is_400(base, http, bbox):
    assert_error(http.get(base + "/search", params={"bbox": bbox}), 400)


@pytest.mark.parametrize("bbox", BAD_BBOXES_POST, ids=str)
def test_bad_bbox_post_is_400(base, http, bbox):
    assert_error(http.post(base + "/search", json={"bbox": bbox}), 400)


POLYGON = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def test_bbox_with_intersects_is_400(base, http):
    assert_error(http.get(base + "/search", params={"bbox": "0,0,1,1",
                                                    "intersects": json.dumps(POLYGON)}), 400)
    assert_error(http.post(base + "/search", json={"bbox": [0, 0, 1, 1],
                                                   "intersects": POLYGON}), 400)


# --- intersects ---------------------------------------------------------------------------

GEOMETRIES = {
    "triangle-alps": {"type": "Polygon",
                      "coordinates": [[[6.1, 44.1], [14.9, 44.6], [9.3, 50.9], [6.1, 44.1]]]},
    "point-in-tile": None,  # filled from the data below
    "point-nowhere": {"type": "Point", "coordinates": [-30.3, -40.3]},
    "multipolygon-antimeridian": {"type": "MultiPolygon", "coordinates": [
        [[[175.1, -20.1], [180, -20.1], [180, -10.1], [175.1, -10.1], [175.1, -20.1]]],
        [[[-180, -20.1], [-175.1, -20.1], [-175.1, -10.1], [-180, -10.1], [-180, -20.1]]]]},
    "linestring-pacific": {"type": "LineString",
                           "coordinates": [[140.1, 30.1], [160.1, 10.1], [179.9, 0.3]]},
    "multipoint": {"type": "MultiPoint", "coordinates": [[-155.0, 0.0], [-70.3, 40.3]]},
    "multilinestring": {"type": "MultiLineString", "coordinates": [
        [[-125.3, 30.3], [-120.3, 35.3]], [[10.3, 80.3], [20.3, 85.3]]]},
    "polygon-with-hole": {"type": "Polygon", "coordinates": [
        [[-50.3, 20.3], [-40.3, 20.3], [-40.3, 30.3], [-50.3, 30.3], [-50.3, 20.3]],
        [[-46.3, 24.3], [-44.3, 24.3], [-44.3, 26.3], [-46.3, 26.3], [-46.3, 24.3]]]},
    "geometry-collection": {"type": "GeometryCollection", "geometries": [
        {"type": "Point", "coordinates": [165.0, 2.0]},
        {"type": "Polygon", "coordinates": [[[131.1, 26.1], [132.1, 26.1], [132.1, 27.1],
                                             [131.1, 26.1]]]}]},
}


@pytest.fixture(scope="module")
def geometries(items):
    tile = next(i for i in items if i["collection"] == "sentinel-2-l2a")
    w, s, e, n = tile["bbox"]
    found = dict(GEOMETRIES)
    found["point-in-tile"] = {"type": "Point", "coordinates": [(w + e) / 2, (s + n) / 2]}
    return found


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", list(GEOMETRIES))
def test_intersects_filter(base, http, items, geometries, method, name):
    geometry = geometries[name]
    doc = search_all(http, base, method, {"intersects": geometry})
    # The hole of polygon-with-hole lies in no fixture item's way, so the outer ring decides.
    assert set(keys_of(doc)) == expect(items, lambda i: intersects(i["geometry"], geometry))


@pytest.mark.parametrize("value", ['{"type":"Polygon"}', "not json", '{"type":"Circle",'
                                   '"coordinates":[0,0]}', "[1,2,3,4]"])
def test_bad_intersects_is_400(base, http, value):
    assert_error(http.get(base + "/search", params={"intersects": value}), 400)
    try:
        body = json.loads(value)
    except ValueError:
        return
    assert_error(http.post(base + "/search", json={"intersects": body}), 400)


# --- ids, collections, combinations -------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_ids(base, http, items, method):
    chosen = [items[3]["id"], items[70]["id"], items[130]["id"], "no-such-item"]
    doc = search_all(http, base, method, {"ids": chosen})
    assert set(ids_of(doc)) == set(chosen[:3])


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_collections(base, http, items, method):
    chosen = ["eerie-pacific-regional", "destine-climate-dt"]
    doc = search_all(http, base, method, {"collections": chosen})
    assert set(keys_of(doc)) == expect(items, lambda i: i["collection"] in chosen)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_ids_with_non_intersecting_bbox_is_empty(base, http, items, method):
    item = next(i for i in items if i["collection"] == "sentinel-2-l2a")
    w, s, e, n = item["bbox"]
    bbox = [e + 1.1, n + 1.1, e + 2.1, n + 2.1]
    assert not matches_bbox(item, bbox)
    doc = search_all(http, base, method, {"ids": [item["id"]], "collections": [item["collection"]],
                                          "bbox": bbox})
    assert doc["features"] == []
    assert doc["numberReturned"] == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_all_parameters_combine_with_and(base, http, items, method):
    bbox, dt = [4.5, 43.5, 15.5, 55.5], "2023-02-01T00:00:00Z/2023-10-31T23:59:59Z"
    chosen = ["sentinel-2-l2a", "CMIP6"]
    doc = search_all(http, base, method, {"bbox": bbox, "datetime": dt, "collections": chosen})
    expected = expect(items, lambda i: i["collection"] in chosen and matches_bbox(i, bbox)
                      and matches_datetime(i, dt))
    assert {c for c, _ in expected} == set(chosen), "fixture: both collections contribute"
    assert set(keys_of(doc)) == expected


@pytest.mark.parametrize("params", [
    {},
    {"collections": ["sentinel-2-l2a"]},
    {"bbox": [170.3, -29.7, -170.3, 29.7]},
    {"datetime": "2000-01-01T00:00:00Z/2030-12-31T00:00:00Z", "limit": 25},
    {"ids": ["no-such-item"]},
], ids=str)
def test_get_and_post_answer_the_same(base, http, params):
    q = {k: (",".join(map(str, v)) if isinstance(v, list) else v) for k, v in params.items()}
    got = http.get(base + "/search", params=q)
    posted = http.post(base + "/search", json=params)
    assert got.status_code == posted.status_code == 200
    a, b = got.json(), posted.json()
    assert keys_of(a) == keys_of(b), "GET and POST must return the same items in the same order"
    assert a["numberReturned"] == b["numberReturned"]
    assert a.get("numberMatched") == b.get("numberMatched")


# --- limit --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("limit", [1, 2, 7, 10, 1000, 10000, 10001, 100000, 1000000])
def test_valid_limit(base, http, items, method, limit):
    if method == "GET":
        r = http.get(base + "/search", params={"limit": limit})
    else:
        r = http.post(base + "/search", json={"limit": limit})
    assert r.status_code == 200, r.text[:300]
    doc = r.json()
    assert doc["numberReturned"] == len(doc["features"]) == min(limit, 10000, len(items))


def test_default_limit_is_10(base, http):
    doc = http.get(base + "/search").json()
    assert doc["numberReturned"] == len(doc["features"]) == 10


@pytest.mark.parametrize("limit", ["0", "-1", "abc"])
def test_bad_limit_get_is_400(base, http, limit):
    assert_error(http.get(base + "/search", params={"limit": limit}), 400)
    assert_error(http.get(base + "/collections/CMIP6/items", params={"limit": limit}), 400)


@pytest.mark.parametrize("limit", [0, -1, "abc"])
def test_bad_limit_post_is_400(base, http, limit):
    assert_error(http.post(base + "/search", json={"limit": limit}), 400)


# --- unknown parameters, self links -------------------------------------------------------


@pytest.mark.parametrize("params", [{"foo": "bar"}, {"colections": "CMIP6"},
                                    {"limit": "5", "bboxx": "0,0,1,1"}])
def test_unknown_parameter_is_400(base, http, params):
    assert_error(http.get(base + "/search", params=params), 400)


def test_search_self_link_is_the_request_url(base):
    url = base + "/search?collections=CMIP6&limit=3"
    doc = requests.get(url).json()
    assert one_link(doc, "self")["href"] == url
    assert one_link(doc, "root")["href"].rstrip("/") == base
    for link in doc["links"]:
        assert link["href"].startswith(base), link


def test_search_features_have_their_links(base, http):
    doc = http.get(base + "/search", params={"limit": 50}).json()
    for f in doc["features"]:
        assert one_link(f, "self")["href"] == \
            f"{base}/collections/{f['collection']}/items/{f['id']}"
        assert one_link(f, "collection")["href"] == f"{base}/collections/{f['collection']}"
        assert one_link(f, "parent")["href"] == f"{base}/collections/{f['collection']}"
        assert one_link(f, "root")["href"].rstrip("/") == base


def test_search_media_type(base, http):
    assert media_type(http.get(base + "/search")) == GEOJSON
    assert media_type(http.post(base + "/search", json={})) == GEOJSON


def test_datetime_precision(base, http, items):
    """An instant equal to an item's datetime finds it, whatever the notation; a microsecond
    later does not."""
    item = next(i for i in items if i["collection"] == "sentinel-2-l2a")
    dt = item["properties"]["datetime"]  # e.g. 2023-01-03T10:15:00.000Z
    base_time = dt[:-1]
    forms = [dt, base_time + "000000Z", base_time + "000z".upper(),
             base_time.replace("T", "t") + "z"]
    for form in forms:
        doc = search_all(http, base, "GET", {"datetime": form, "ids": [item["id"]]})
        assert ids_of(doc) == [item["id"]], form
    from stacutil import parse_rfc3339
    from datetime import timedelta
    later = (parse_rfc3339(dt) + timedelta(microseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    doc = search_all(http, base, "GET", {"datetime": later, "ids": [item["id"]]})
    assert ids_of(doc) == []
    shifted = (parse_rfc3339(dt) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "+02:00"
    doc = search_all(http, base, "POST", {"datetime": shifted, "ids": [item["id"]]})
    assert ids_of(doc) == [item["id"]], shifted


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_validator_ids_with_bbox_beyond_the_item(base, http, method):
    """stac-api-validator's exact check (validations.py,
    validate_item_search_ids_does_not_override_all_other_params): it takes the first item of
    `?limit=1&bbox=20,20,21,21&collections=<c>` and searches its id with the box
    [e+1, n+1, e+2, n+2] beyond the item's bbox, expecting a JSON page with no features. For a
    global item (every CMIP6 dataset) that box lies outside [-180,180]x[-90,90]; a 400 there
    makes the validator itself crash (len(None)). So: no match, but not an error."""
    first = http.get(base + "/search?limit=1&bbox=20,20,21,21&collections=CMIP6").json()
    item = first["features"][0]
    w, s, e, n = item["bbox"][:4]
    bbox = [e + 1, n + 1, e + 2, n + 2]
    if method == "GET":
        r = http.get(base + "/search", params={"ids": item["id"], "collections": "CMIP6",
                                               "bbox": ",".join(map(str, bbox))})
    else:
        r = http.post(base + "/search", json={"ids": [item["id"]], "collections": ["CMIP6"],
                                              "bbox": bbox})
    assert r.status_code == 200, f"{r.status_code} {r.text[:200]}"
    assert r.json()["features"] == []


@pytest.mark.parametrize("params,word", [
    ({"bbox": "1,2,3"}, "bbox"),
    ({"datetime": "2020-13-01T00:00:00Z"}, "datetime"),
    ({"limit": "abc"}, "limit"),
    ({"intersects": "{}"}, "intersects"),
    ({"fooBar": "1"}, "fooBar"),
])
def test_error_description_names_the_problem(base, http, params, word):
    """A message a person can act on: it names the offending parameter."""
    r = http.get(base + "/search", params=params)
    assert_error(r, 400)
    assert word in r.json()["description"], r.json()

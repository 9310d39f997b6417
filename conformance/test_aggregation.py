"""The Aggregation extension (https://api.stacspec.org/v0.3.0/aggregation): /aggregate (GET
and POST) and /aggregations at the root, in each collection and in each catalog, with the
search parameters beside them (filter, query, bbox, intersects, datetime, ids, collections).
Every count is compared with one computed here from the fixture items; every malformed
request is refused with 400 naming the parameter."""

import json
import math
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import requests

from stacutil import (FIXTURES, assert_error, load_fixtures, matches_bbox, matches_datetime,
                      parse_rfc3339)

COLLECTIONS, ITEMS = load_fixtures()
CONFORMANCE = "https://api.stacspec.org/v0.3.0/aggregation"
BUILTIN = ["total_count", "datetime_min", "datetime_max", "datetime_frequency",
           "collection_frequency", "centroid_geohash_grid_frequency",
           "centroid_geotile_grid_frequency"]


# --- expectations from the fixtures ----------------------------------------------------------


def item_range(item):
    """The item's time range as the server stores it: start/end when both are given (even
    beside datetime), else datetime."""
    p = item["properties"]
    if p.get("start_datetime") and p.get("end_datetime"):
        s, e = parse_rfc3339(p["start_datetime"]), parse_rfc3339(p["end_datetime"])
        if s <= e or not p.get("datetime"):
            return s, e
    t = parse_rfc3339(p["datetime"])
    return t, t


def json_text(value):
    """A JSON scalar as PostgreSQL's ->> prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def term_counts(items, prop):
    """Items per value of `prop`; an array counts once per distinct element."""
    counts = Counter()
    for item in items:
        if prop not in item["properties"]:
            continue
        value = item["properties"][prop]
        values = value if isinstance(value, list) else [value]
        for v in {json_text(v) for v in values if v is not None}:
            counts[v] += 1
    return counts


def truncate(t, interval):
    if interval == "year":
        t = t.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    elif interval == "month":
        t = t.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    elif interval == "week":
        t = (t - timedelta(days=t.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    elif interval == "day":
        t = t.replace(hour=0, minute=0, second=0, microsecond=0)
    elif interval == "hour":
        t = t.replace(minute=0, second=0, microsecond=0)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def datetime_counts(items, interval):
    return Counter(truncate(item_range(i)[0], interval) for i in items)


def _ring_centroid(ring):
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if area == 0:
        return 0.0, 0.0, 0.0
    return abs(area), cx / (6 * area), cy / (6 * area)


def centroid(geometry):
    """The planar centroid PostGIS computes: area-weighted over polygons (holes subtract)."""
    if geometry["type"] == "Point":
        return tuple(geometry["coordinates"][:2])
    polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                else geometry["coordinates"])
    total = sx = sy = 0.0
    for polygon in polygons:
        for k, ring in enumerate(polygon):
            a, x, y = _ring_centroid(ring)
            a = a if k == 0 else -a
            total += a
            sx += a * x
            sy += a * y
    return sx / total, sy / total


BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"


def geohash(lon, lat, precision):
    lo_lon, hi_lon, lo_lat, hi_lat = -180.0, 180.0, -90.0, 90.0
    out, bit, ch, even = "", 0, 0, True
    while len(out) < precision:
        if even:
            mid = (lo_lon + hi_lon) / 2
            if lon >= mid:
                ch |= 16 >> bit
                lo_lon = mid
            else:
                hi_lon = mid
        else:
            mid = (lo_lat + hi_lat) / 2
            if lat >= mid:
                ch |= 16 >> bit
                lo_lat = mid
            else:
                hi_lat = mid
        even = not even
        if bit < 4:
            bit += 1
        else:
            out += BASE32[ch]
            bit, ch = 0, 0
    return out


def geotile(lon, lat, zoom):
    tiles = 2 ** zoom
    lat = max(min(lat, 85.0511287798066), -85.0511287798066)
    x = math.floor((lon + 180) / 360 * tiles)
    rad = math.radians(lat)
    y = math.floor((1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * tiles)
    return f"{zoom}/{min(max(x, 0), tiles - 1)}/{min(max(y, 0), tiles - 1)}"


def grid_cells(items, cell):
    """Items per cell of their centroid (within CRS84's range); a centroid on a cell's edge
    (the global items' (0, 0)) is in the cell east and north of it, as PostGIS 3.1+ puts it."""
    counts = Counter()
    for item in items:
        lon, lat = centroid(item["geometry"])
        counts[cell(min(max(lon, -180), 180), min(max(lat, -90), 90))] += 1
    return counts


# --- helpers ---------------------------------------------------------------------------------


def aggregate(base, params=None, body=None, path=""):
    url = f"{base}{path}/aggregate"
    if body is not None:
        r = requests.post(url, json=body)
    else:
        r = requests.get(url, params=params)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["type"] == "AggregationCollection"
    return {a["name"]: a for a in doc["aggregations"]}, doc


def buckets(aggregation):
    keys = [b["key"] for b in aggregation["buckets"]]
    assert len(keys) == len(set(keys)), aggregation
    return {b["key"]: b["frequency"] for b in aggregation["buckets"]}


def facet_names(base, path=""):
    r = requests.get(f"{base}{path}/aggregations")
    assert r.status_code == 200, r.text
    return {a["name"]: a.get("property") for a in r.json()["aggregations"]}


def check_all(got, items, interval="month"):
    """Every aggregation in `got` against the same over `items`."""
    assert got["total_count"]["value"] == len(items)
    starts = [item_range(i)[0] for i in items]
    ends = [item_range(i)[1] for i in items]
    if "datetime_min" in got:
        want = min(starts).strftime("%Y-%m-%dT%H:%M:%SZ") if items else None
        value = got["datetime_min"]["value"]
        assert (value and parse_rfc3339(value) == min(starts)) if items else value is None, value
    if "datetime_max" in got:
        value = got["datetime_max"]["value"]
        assert (value and parse_rfc3339(value) == max(ends)) if items else value is None, value
    if "collection_frequency" in got:
        assert buckets(got["collection_frequency"]) == Counter(i["collection"] for i in items)
        assert got["collection_frequency"]["overflow"] == 0
    if "datetime_frequency" in got:
        assert buckets(got["datetime_frequency"]) == datetime_counts(items, interval)
        keys = [b["key"] for b in got["datetime_frequency"]["buckets"]]
        assert keys == sorted(keys), "time intervals in time order"


# --- the landing page, conformance, /aggregations --------------------------------------------


def test_conformance_declared(base):
    conforms = requests.get(f"{base}/conformance").json()["conformsTo"]
    assert CONFORMANCE in conforms


def test_landing_links(base):
    landing = requests.get(base + "/").json()
    links = landing["links"]
    aggregate_links = [l for l in links if l["rel"] == "aggregate"]
    assert {l.get("method", "GET") for l in aggregate_links} == {"GET", "POST"}
    assert all(l["href"].endswith("/aggregate") for l in aggregate_links)
    assert [l["href"] for l in links if l["rel"] == "aggregations"] == [base + "/aggregations"]


def test_collection_and_catalog_links(base):
    collection = requests.get(f"{base}/collections/CMIP6").json()
    hrefs = {l["rel"]: l["href"] for l in collection["links"]}
    assert hrefs["aggregate"] == f"{base}/collections/CMIP6/aggregate"
    assert hrefs["aggregations"] == f"{base}/collections/CMIP6/aggregations"
    r = requests.get(f"{base}/catalogs/esgf")
    if r.status_code == 200:
        hrefs = {l["rel"]: l["href"] for l in r.json()["links"]}
        assert hrefs["aggregate"] == f"{base}/catalogs/esgf/aggregate"


def test_aggregations_listing(base):
    r = requests.get(f"{base}/aggregations")
    assert r.status_code == 200
    doc = r.json()
    assert doc["type"] == "AggregationCollection"
    names = {a["name"]: a for a in doc["aggregations"]}
    for name in BUILTIN:
        assert name in names
    assert names["total_count"]["data_type"] == "integer"
    assert names["collection_frequency"]["data_type"] == "frequency_distribution"
    # The ESGF facet sidebar and the common STAC facets.
    for facet in ("cmip6:variable_id", "cmip6:experiment_id", "cmip6:source_id",
                  "cmip6:frequency", "platform", "product:type"):
        assert names[f"{facet}_frequency"]["property"] == facet
    assert "eo:cloud_cover_frequency" not in names  # a number, not a facet
    assert any(l["rel"] == "self" for l in doc["links"])


def test_aggregations_per_scope(base):
    cmip6 = facet_names(base, "/collections/CMIP6")
    assert "cmip6:variable_id_frequency" in cmip6
    assert "platform_frequency" not in cmip6
    s2 = facet_names(base, "/collections/sentinel-2-l2a")
    assert "platform_frequency" in s2 and "cmip6:variable_id_frequency" not in s2
    r = requests.get(f"{base}/catalogs/copernicus/aggregations")
    if r.status_code != 404:
        names = {a["name"] for a in r.json()["aggregations"]}
        assert "platform_frequency" in names and "cmip6:variable_id_frequency" not in names
    assert_error(requests.get(f"{base}/collections/nope/aggregations"), 404)
    assert_error(requests.get(f"{base}/catalogs/nope/aggregations"), 404)
    assert_error(requests.get(f"{base}/aggregations", params={"x": "1"}), 400)


# --- counts ----------------------------------------------------------------------------------


def test_everything_at_the_root(base):
    got, doc = aggregate(base, {"aggregations": ",".join(BUILTIN[:5])})
    assert [a["name"] for a in doc["aggregations"]] == BUILTIN[:5]  # in the order asked
    check_all(got, ITEMS)


def test_every_facet_at_the_root(base):
    facets = {n: p for n, p in facet_names(base).items() if p}
    assert len(facets) >= 10
    names = sorted(facets)
    for start in range(0, len(names), 20):
        chunk = names[start:start + 20]
        got, _ = aggregate(base, body={"aggregations": chunk, "aggregation_buckets": 10000})
        for name in chunk:
            assert buckets(got[name]) == term_counts(ITEMS, facets[name]), name
            assert got[name]["overflow"] == 0
            assert got[name]["data_type"] == "frequency_distribution"


def test_array_facet_counts_items_per_element(base):
    got, _ = aggregate(base, {"aggregations": "cmip6:realm_frequency,cmip6:activity_id_frequency"})
    assert buckets(got["cmip6:realm_frequency"]) == term_counts(ITEMS, "cmip6:realm")
    assert buckets(got["cmip6:activity_id_frequency"]) == term_counts(ITEMS, "cmip6:activity_id")


@pytest.mark.parametrize("interval", ["year", "month", "week", "day", "hour"])
def test_datetime_frequency_intervals(base, interval):
    got, _ = aggregate(base, {"aggregations": "total_count,datetime_frequency",
                              "datetime_frequency_interval": interval,
                              "aggregation_buckets": "10000"})
    check_all(got, ITEMS, interval)
    assert got["datetime_frequency"]["interval"] == interval


def test_top_n_and_overflow(base):
    want = term_counts(ITEMS, "cmip6:variable_id")
    got, _ = aggregate(base, {"aggregations": "cmip6:variable_id_frequency",
                              "aggregation_buckets": "2"})
    agg = got["cmip6:variable_id_frequency"]
    top = sorted(want.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    assert [(b["key"], b["frequency"]) for b in agg["buckets"]] == top
    assert agg["overflow"] == sum(want.values()) - sum(n for _, n in top)
    got, _ = aggregate(base, {"aggregations": "collection_frequency", "aggregation_buckets": "1"})
    counts = Counter(i["collection"] for i in ITEMS)
    assert len(got["collection_frequency"]["buckets"]) == 1
    assert got["collection_frequency"]["overflow"] == len(ITEMS) - max(counts.values())


@pytest.mark.parametrize("precision", [1, 2, 3])
def test_geohash_grid(base, precision):
    got, _ = aggregate(base, {"aggregations": "centroid_geohash_grid_frequency",
                              "centroid_geohash_grid_frequency_precision": str(precision),
                              "aggregation_buckets": "10000"})
    assert buckets(got["centroid_geohash_grid_frequency"]) == grid_cells(
        ITEMS, lambda x, y: geohash(x, y, precision))


@pytest.mark.parametrize("zoom", [0, 1, 3, 6])
def test_geotile_grid(base, zoom):
    got, _ = aggregate(base, body={"aggregations": ["centroid_geotile_grid_frequency"],
                                   "centroid_geotile_grid_frequency_precision": zoom,
                                   "aggregation_buckets": 10000})
    assert buckets(got["centroid_geotile_grid_frequency"]) == grid_cells(
        ITEMS, lambda x, y: geotile(x, y, zoom))


# Searches beside the aggregations: (GET params, POST body, predicate on fixture items).
SEARCHES = {
    "collections": ({"collections": "CMIP6,sentinel-2-l2a"},
                    {"collections": ["CMIP6", "sentinel-2-l2a"]},
                    lambda i: i["collection"] in ("CMIP6", "sentinel-2-l2a")),
    "bbox": ({"bbox": "0,0,60,60"}, {"bbox": [0, 0, 60, 60]},
             lambda i: matches_bbox(i, [0, 0, 60, 60])),
    "datetime": ({"datetime": "2000-01-01T00:00:00Z/2030-01-01T00:00:00Z"},
                 {"datetime": "2000-01-01T00:00:00Z/2030-01-01T00:00:00Z"},
                 lambda i: matches_datetime(i, "2000-01-01T00:00:00Z/2030-01-01T00:00:00Z")),
    "filter": ({"filter": "cmip6:variable_id IN ('tas','pr')"},
               {"filter": {"op": "in", "args": [{"property": "cmip6:variable_id"},
                                                ["tas", "pr"]]}},
               lambda i: i["properties"].get("cmip6:variable_id") in ("tas", "pr")),
    "filter-number": ({"filter": "eo:cloud_cover < 30"},
                      {"filter": {"op": "<", "args": [{"property": "eo:cloud_cover"}, 30]}},
                      lambda i: isinstance(i["properties"].get("eo:cloud_cover"), (int, float))
                      and i["properties"]["eo:cloud_cover"] < 30),
    "query": ({"query": json.dumps({"platform": {"eq": "sentinel-2a"}})},
              {"query": {"platform": {"eq": "sentinel-2a"}}},
              lambda i: i["properties"].get("platform") == "sentinel-2a"),
    "ids": ({"ids": f"{ITEMS[0]['id']},{ITEMS[-1]['id']}"},
            {"ids": [ITEMS[0]["id"], ITEMS[-1]["id"]]},
            lambda i: i["id"] in (ITEMS[0]["id"], ITEMS[-1]["id"])),
}
FACETS = ["cmip6:variable_id", "cmip6:experiment_id", "platform", "cmip6:realm"]
ASKED = ["total_count", "datetime_min", "datetime_max", "collection_frequency",
         "datetime_frequency"] + [f"{f}_frequency" for f in FACETS]


@pytest.mark.parametrize("search", sorted(SEARCHES))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_with_search_parameters(base, search, method):
    params, body, keep = SEARCHES[search]
    items = [i for i in ITEMS if keep(i)]
    assert items, "a search that matches nothing tests little"
    if method == "GET":
        got, _ = aggregate(base, {**params, "aggregations": ",".join(ASKED)})
    else:
        got, _ = aggregate(base, body={**body, "aggregations": ASKED})
    check_all(got, items)
    for facet in FACETS:
        assert buckets(got[f"{facet}_frequency"]) == term_counts(items, facet), facet


def test_no_matches(base):
    got, _ = aggregate(base, {"aggregations": ",".join(ASKED[:5]), "ids": "no-such-item"})
    assert got["total_count"]["value"] == 0
    assert got["datetime_min"]["value"] is None and got["datetime_max"]["value"] is None
    assert got["collection_frequency"]["buckets"] == []
    got, _ = aggregate(base, {"aggregations": "total_count",
                              "datetime": "1000-01-01T00:00:00Z/1000-01-02T00:00:00Z"})
    assert got["total_count"]["value"] == 0


@pytest.mark.parametrize("collection", sorted({i["collection"] for i in ITEMS}))
def test_per_collection(base, collection):
    items = [i for i in ITEMS if i["collection"] == collection]
    facets = {n: p for n, p in facet_names(base, f"/collections/{collection}").items() if p}
    names = ASKED[:5] + sorted(facets)[:20]
    got, _ = aggregate(base, {"aggregations": ",".join(names)}, path=f"/collections/{collection}")
    check_all(got, items)
    for name in sorted(facets)[:20]:
        assert buckets(got[name]) == term_counts(items, facets[name]), name
    # POST alike, with a filter.
    got, _ = aggregate(base, body={"aggregations": ["total_count"],
                                   "filter": {"op": "not", "args": [
                                       {"op": "isNull", "args": [{"property": "id"}]}]}},
                       path=f"/collections/{collection}")
    assert got["total_count"]["value"] == len(items)


def test_collection_scope_refuses_other_facets(base):
    r = requests.get(f"{base}/collections/sentinel-2-l2a/aggregate",
                     params={"aggregations": "cmip6:variable_id_frequency"})
    assert_error(r, 400)
    assert "cmip6:variable_id_frequency" in r.json()["description"]
    assert_error(requests.get(f"{base}/collections/nope/aggregate",
                              params={"aggregations": "total_count"}), 404)


def _closure(catalog):
    doc = json.loads((FIXTURES / "federation" / "federation.json").read_text())
    catalogs = {c["id"]: c for c in doc["catalogs"]}

    def below(cid):
        found = set()
        for child in catalogs[cid].get("children", []):
            for kind, value in child.items():
                found |= below(value) if kind == "catalog" else {value}
        return found
    return below(catalog)


@pytest.mark.parametrize("catalog", ["esgf", "copernicus", "eerie", "destine"])
def test_per_catalog(base, federation, catalog):
    if not federation["applied"]:
        pytest.skip("the federation did not apply")
    below = _closure(catalog)
    items = [i for i in ITEMS if i["collection"] in below]
    got, _ = aggregate(base, {"aggregations": ",".join(ASKED[:5])}, path=f"/catalogs/{catalog}")
    check_all(got, items)
    # collections beyond the catalog do not widen it.
    got, _ = aggregate(base, body={"aggregations": ["total_count", "collection_frequency"],
                                   "collections": sorted(COLLECTIONS)},
                       path=f"/catalogs/{catalog}")
    check_all(got, items)
    got, _ = aggregate(base, body={"aggregations": ["total_count"],
                                   "collections": ["not-below-it"]},
                       path=f"/catalogs/{catalog}")
    assert got["total_count"]["value"] == 0
    assert_error(requests.get(f"{base}/catalogs/nope/aggregate",
                              params={"aggregations": "total_count"}), 404)


# --- bad input -------------------------------------------------------------------------------

BAD_GET = [
    ({}, "aggregations"),
    ({"aggregations": ""}, "aggregations"),
    ({"aggregations": "nope"}, "aggregations"),
    ({"aggregations": "total_count,total_count"}, "aggregations"),
    ({"aggregations": "total_count", "datetime_frequency_interval": "fortnight"},
     "datetime_frequency_interval"),
    ({"aggregations": "total_count", "centroid_geohash_grid_frequency_precision": "13"},
     "centroid_geohash_grid_frequency_precision"),
    ({"aggregations": "total_count", "centroid_geohash_grid_frequency_precision": "x"},
     "centroid_geohash_grid_frequency_precision"),
    ({"aggregations": "total_count", "centroid_geotile_grid_frequency_precision": "-1"},
     "centroid_geotile_grid_frequency_precision"),
    ({"aggregations": "total_count", "aggregation_buckets": "0"}, "aggregation_buckets"),
    ({"aggregations": "total_count", "aggregation_buckets": "100000"}, "aggregation_buckets"),
    ({"aggregations": "total_count", "limit": "10"}, "limit"),
    ({"aggregations": "total_count", "bbox": "1,2,3"}, "bbox"),
    ({"aggregations": "total_count", "filter": "nope ="}, "filter"),
]


@pytest.mark.parametrize("params,parameter", BAD_GET)
def test_bad_get(base, params, parameter):
    r = requests.get(f"{base}/aggregate", params=params)
    assert_error(r, 400)
    assert parameter in r.json()["description"], r.json()


BAD_POST = [
    ({}, "aggregations"),
    ({"aggregations": "total_count"}, "aggregations"),
    ({"aggregations": []}, "aggregations"),
    ({"aggregations": [None]}, "aggregations"),
    ({"aggregations": ["total_count"], "aggregation_buckets": "5"}, "aggregation_buckets"),
    ({"aggregations": ["total_count"], "datetime_frequency_interval": ["year"]},
     "datetime_frequency_interval"),
    ({"aggregations": ["total_count"], "bbox": [0, 0, 1, 1],
      "intersects": {"type": "Point", "coordinates": [0, 0]}}, "intersects"),
]


@pytest.mark.parametrize("body,parameter", BAD_POST)
def test_bad_post(base, body, parameter):
    r = requests.post(f"{base}/aggregate", json=body)
    assert_error(r, 400)
    assert parameter in r.json()["description"], r.json()


# --- whole collections: the counts the write path keeps --------------------------------------


def string_facets(base, path=""):
    r = requests.get(f"{base}{path}/aggregations")
    return sorted(a["name"] for a in r.json()["aggregations"]
                  if a.get("property") and a["frequency_distribution_data_type"] == "string")


EVERYTHING = {"op": "not", "args": [{"op": "isNull", "args": [{"property": "id"}]}]}


@pytest.mark.parametrize("path", ["", "/collections/CMIP6", "/collections/sentinel-2-l2a",
                                  "/catalogs/esgf", "/catalogs/copernicus"])
def test_whole_collections_from_kept_counts(base, federation, path):
    """Over whole collections, total_count, collection_frequency, the time range and string
    facets come from the counts the write path keeps (sql/0014, sql/0016): they equal the
    counts of the fixture items, and a count of the matching rows (a filter that matches
    every item forces one)."""
    if path.startswith("/catalogs") and not federation["applied"]:
        pytest.skip("the federation did not apply")
    if path.startswith("/catalogs/"):
        below = _closure(path.rsplit("/", 1)[1])
        items = [i for i in ITEMS if i["collection"] in below]
    elif path.startswith("/collections/"):
        items = [i for i in ITEMS if i["collection"] == path.rsplit("/", 1)[1]]
    else:
        items = ITEMS
    facets = string_facets(base, path)[:28]  # with the 4 others, at most 32 at once
    assert facets
    asked = ["total_count", "datetime_min", "datetime_max", "collection_frequency"] + facets
    kept, _ = aggregate(base, body={"aggregations": asked, "aggregation_buckets": 10000}, path=path)
    counted, _ = aggregate(base, body={"aggregations": asked, "aggregation_buckets": 10000,
                                       "filter": EVERYTHING}, path=path)
    check_all(kept, items)
    assert kept == counted
    props = facet_names(base, path)
    for name in facets:
        assert buckets(kept[name]) == term_counts(items, props[name]), name
    # The top N alike.
    kept, _ = aggregate(base, {"aggregations": ",".join(facets), "aggregation_buckets": "1"},
                        path=path)
    counted, _ = aggregate(base, {"aggregations": ",".join(facets), "aggregation_buckets": "1",
                                  "filter": "id IS NOT NULL"}, path=path)
    assert kept == counted


def test_statement_timeout_gives_503(own_server, base):
    """An aggregation the statement timeout ends is a 503 with a plain description, and the
    server goes on serving."""
    facets = [n for n, p in facet_names(base).items() if p][:20]
    srv = own_server(STACFED_DB_STATEMENT_TIMEOUT_MS=1)
    r = requests.get(srv.base + "/aggregate",
                     params={"aggregations": ",".join(BUILTIN + facets),
                             "filter": "id IS NOT NULL", "aggregation_buckets": "10000"})
    assert_error(r, 503)
    assert "longer than the server allows" in r.json()["description"], r.json()
    assert requests.get(srv.base + "/conformance").status_code == 200

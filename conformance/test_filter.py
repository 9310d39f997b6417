"""CQL2 filter (STAC API filter extension, OGC API Features Part 3, CQL2 1.0): `filter`,
`filter-lang` and `filter-crs` on GET/POST /search and GET /collections/{id}/items, and the
queryables.

Approach: every filter below is written once in cql2-json (and, where the text form is the
point of the test, also by hand in cql2-text). The expected items are computed from the
fixture files with the independent evaluator of cql2_eval.py, never stored. Each filter is
sent four ways: POST cql2-json, GET cql2-text (hand-written, else cql2_eval.to_text), GET
cql2-json (as pystac-client sends a dict on GET) and POST cql2-text (as pystac-client sends a
string); each walk follows every `next` link with a small limit (filters must survive paging),
and the set of (collection, id) returned must equal the expected set, without duplicates.

Every case names the CQL2 conformance classes it exercises; the test fails (it does not skip)
when /conformance does not declare one of them: a server must declare what it implements.
The semantics the expectations follow (three-valued logic, `datetime` as the item's range,
DATE as a whole day, arrays as sets) are spelled out in cql2_eval.py. The errors (400 with
{"code","description"}, never 500), /queryables and /collections/{id}/queryables come at the
end. pystac-client (not packaged for Debian 12) is replayed: its `search(filter=...)` sends a
dict as POST {"filter": {...}, "filter-lang": "cql2-json"} and a string as POST cql2-text, and
follows the POST `next` links, which is what test_post_cql2_json and test_post_cql2_text do for
every case (conformance/test_clients.py replays the rest of the client).
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from conftest import Server
from cql2_eval import matches, to_text
from stacutil import (assert_error, links_by_rel, load_fixtures, matches_bbox,
                      matches_datetime, media_type, parse_rfc3339, walk_get, walk_post)

_, ITEMS = load_fixtures()
BY_COLLECTION = {}
for _item in ITEMS:
    BY_COLLECTION.setdefault(_item["collection"], []).append(_item)

CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
BASIC = "basic-cql2"
TEXT = "cql2-text"
JSON_ = "cql2-json"
ADVANCED = "advanced-comparison-operators"
CASEI = "case-insensitive-comparison"
ACCENTI = "accent-insensitive-comparison"
BASIC_SPATIAL = "basic-spatial-functions"
SPATIAL = "spatial-functions"
TEMPORAL = "temporal-functions"
ARRAYS = "array-functions"
PROPERTY_PROPERTY = "property-property"
FILTER_SEARCH = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"
FILTER_ITEMS = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter"
STAC_FILTER = re.compile(r"^https://api\.stacspec\.org/v1\.0\.0(-rc\.\d+)?/item-search#filter$")
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA_JSON = "application/schema+json"
BUILTINS = {"id", "collection", "geometry", "datetime", "start_datetime", "end_datetime"}


def uri(cls):
    return cls if cls.startswith("http") else CQL2 + cls


# ---------------------------------------------------------------------------------------------
# cql2-json builders


def P(name):
    return {"property": name}


def op(name, *args):
    return {"op": name, "args": list(args)}


def eq(a, b):
    return op("=", a, b)


def AND(*args):
    return op("and", *args)


def OR(*args):
    return op("or", *args)


def NOT(a):
    return op("not", a)


def ts(text):
    return {"timestamp": text}


def date(text):
    return {"date": text}


def interval(a, b):
    return {"interval": [a, b]}


def casei(a):
    return op("casei", a)


def accenti(a):
    return op("accenti", a)


def point(x, y):
    return {"type": "Point", "coordinates": [x, y]}


def box_polygon(w, s, e, n):
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def line(a, b):
    return {"type": "LineString", "coordinates": [list(a), list(b)]}


GEOM = P("geometry")
DT = P("datetime")

# Values taken from the fixtures (so the cases follow the data).
FIRST_CMIP6 = BY_COLLECTION["CMIP6"][0]
FIRST_EERIE = BY_COLLECTION["eerie-pacific-regional"][0]
FIRST_S2 = BY_COLLECTION["sentinel-2-l2a"][0]
EERIE_START = FIRST_EERIE["properties"]["start_datetime"]
EERIE_END = FIRST_EERIE["properties"]["end_datetime"]
S2_DATETIME = BY_COLLECTION["sentinel-2-l2a"][3]["properties"]["datetime"]  # with millis
LAST_CMIP6_END = BY_COLLECTION["CMIP6"][-1]["properties"]["end_datetime"]
SOME_IDS = [BY_COLLECTION[c][i]["id"] for c, i in
            (("CMIP6", 3), ("sentinel-2-l2a", 0), ("sentinel-2-l2a", 7), ("destine-climate-dt", 2))]


@dataclass
class Case:
    name: str
    classes: tuple        # the CQL2 classes exercised (besides basic-cql2 and the encodings)
    filter: dict          # cql2-json
    text: str = None      # hand-written cql2-text; default: to_text(filter)
    params: dict = field(default_factory=dict)  # collections, bbox, datetime, ids
    # For precedence tests: a reading the text must NOT have (its answer must differ).
    wrong_reading: dict = None

    @property
    def cql2_text(self):
        return self.text if self.text is not None else to_text(self.filter)


CASES = [
    # --- basic-cql2: comparisons, logic, literals, null -------------------------------------
    Case("eq-facet-string", (), eq(P("cmip6:variable_id"), "tas")),
    Case("eq-properties-prefix", (), eq(P("properties.cmip6:variable_id"), "pr"),
         "properties.cmip6:variable_id = 'pr'"),
    Case("quoted-identifier", (), eq(P("cmip6:experiment_id"), "amip"),
         "\"cmip6:experiment_id\" = 'amip'"),
    Case("neq-missing-is-null", (), op("<>", P("cmip6:frequency"), "mon")),
    Case("not-eq-missing-is-null", (), NOT(eq(P("cmip6:variable_id"), "tas")),
         "NOT cmip6:variable_id = 'tas'"),
    Case("not-eq-facet-boolean", (), NOT(eq(P("latest"), False)), "NOT latest = FALSE"),
    Case("lt-number", (), op("<", P("eo:cloud_cover"), 20)),
    Case("gte-float", (), op(">=", P("eo:cloud_cover"), 55.5)),
    Case("exponent-and-plus-sign", (), op(">", P("eo:snow_cover"), 1.5), "eo:snow_cover > +15e-1"),
    Case("negative-number", (), op(">", P("eo:snow_cover"), -1), "eo:snow_cover > -1"),
    Case("large-integer", (), op(">", P("size"), 2000000000)),
    Case("eq-facet-number", (), eq(P("gsd"), 10), "gsd = 10.0"),
    Case("eq-facet-number-orbit", (), op("<=", P("sat:relative_orbit"), 22)),
    Case("eq-facet-boolean", (), eq(P("latest"), True), "latest = TRUE"),
    Case("eq-boolean-lowercase", (), eq(P("retracted"), False), "retracted = false"),
    Case("eq-facet-version", (), eq(P("version"), FIRST_CMIP6["properties"]["version"])),
    Case("or-and-precedence", (),
         OR(eq(P("cmip6:variable_id"), "uas"),
            AND(eq(P("cmip6:variable_id"), "pr"), eq(P("cmip6:table_id"), "Amon"))),
         "cmip6:variable_id = 'uas' OR cmip6:variable_id = 'pr' AND cmip6:table_id = 'Amon'",
         wrong_reading=AND(OR(eq(P("cmip6:variable_id"), "uas"),
                              eq(P("cmip6:variable_id"), "pr")),
                           eq(P("cmip6:table_id"), "Amon"))),
    Case("parentheses", (),
         AND(OR(eq(P("cmip6:variable_id"), "tas"), eq(P("cmip6:variable_id"), "uas")),
             eq(P("cmip6:institution_id"), "NCAR")),
         "(cmip6:variable_id = 'tas' OR cmip6:variable_id = 'uas') AND "
         "cmip6:institution_id = 'NCAR'",
         wrong_reading=OR(eq(P("cmip6:variable_id"), "tas"),
                          AND(eq(P("cmip6:variable_id"), "uas"),
                              eq(P("cmip6:institution_id"), "NCAR")))),
    Case("not-binds-tighter-than-and", (),
         AND(NOT(eq(P("cmip6:variable_id"), "tas")), eq(P("cmip6:frequency"), "mon")),
         "NOT cmip6:variable_id = 'tas' AND cmip6:frequency = 'mon'",
         wrong_reading=NOT(AND(eq(P("cmip6:variable_id"), "tas"),
                               eq(P("cmip6:frequency"), "mon")))),
    Case("lowercase-keywords", (),
         OR(AND(eq(P("cmip6:variable_id"), "tas"), NOT(eq(P("cmip6:institution_id"), "NCAR"))),
            op("<", P("eo:cloud_cover"), 5)),
         "cmip6:variable_id = 'tas' and not cmip6:institution_id = 'NCAR' "
         "or eo:cloud_cover < 5"),
    Case("is-null", (), op("isNull", P("title")), "title IS NULL"),
    Case("is-not-null", (), NOT(op("isNull", P("eo:cloud_cover"))),
         "eo:cloud_cover IS NOT NULL"),
    Case("string-with-quote", (),
         AND(op("<>", P("title"), "it's"), eq(P("collection"), "eerie-pacific-regional")),
         "title <> 'it''s' AND collection = 'eerie-pacific-regional'"),
    Case("boolean-literal", (), AND(True, eq(P("collection"), "destine-climate-dt")),
         "TRUE AND collection = 'destine-climate-dt'"),
    Case("id-and-collection", (),
         AND(eq(P("collection"), "sentinel-2-l2a"), op("<>", P("id"), FIRST_S2["id"]))),
    Case("timestamp-comparison", (), op(">", DT, ts("2030-06-01T06:00:00Z"))),
    Case("timestamp-millis", (), eq(DT, ts(S2_DATETIME))),
    Case("date-equals-the-whole-day", (), eq(DT, date("2030-06-01"))),
    Case("date-less-than", (), op("<", DT, date("1900-01-01"))),
    Case("timestamp-property", (), op(">=", P("created"), ts("2023-07-01T00:00:00Z"))),
    Case("end-datetime", (), op("<=", P("end_datetime"), ts("2000-06-30T23:59:59Z"))),

    # --- advanced-comparison-operators: LIKE, BETWEEN, IN ------------------------------------
    Case("like-prefix", (ADVANCED,), op("like", P("cmip6:source_id"), "MPI%")),
    Case("like-id", (ADVANCED,), op("like", P("id"), "S2A\\_MSIL2A\\_2023%")),
    Case("like-single-char", (ADVANCED,), op("like", P("cmip6:member_id"), "s19_5-r%")),
    Case("like-escaped-underscore", (ADVANCED,),
         OR(op("like", P("cmip6:variable_cf_standard_name"), "air\\_%"),
            op("like", P("cmip6:member_id"), "s1965\\_r%")),
         "cmip6:variable_cf_standard_name LIKE 'air\\_%' OR cmip6:member_id LIKE 's1965\\_r%'"),
    Case("like-is-case-sensitive", (ADVANCED,),
         OR(op("like", P("cmip6:table_id"), "amon"), eq(P("cmip6:variable_id"), "uas"))),
    Case("not-like", (ADVANCED,), NOT(op("like", P("title"), "%kuroshio%")),
         "title NOT LIKE '%kuroshio%'"),
    Case("between-numbers", (ADVANCED,), op("between", P("eo:cloud_cover"), 20, 40.5)),
    Case("not-between", (ADVANCED,), NOT(op("between", P("eo:cloud_cover"), 20, 80)),
         "eo:cloud_cover NOT BETWEEN 20 AND 80"),
    Case("between-timestamps-inclusive", (ADVANCED,),
         op("between", DT, ts("2030-06-01T06:00:00Z"), ts("2030-06-01T18:00:00Z"))),
    Case("between-dates", (ADVANCED,), op("between", DT, date("2023-03-01"), date("2023-06-13"))),
    Case("in-facet-strings", (ADVANCED,), op("in", P("cmip6:variable_id"), ["tas", "pr"])),
    Case("not-in", (ADVANCED,), NOT(op("in", P("cmip6:experiment_id"), ["amip", "historical"])),
         "cmip6:experiment_id NOT IN ('amip', 'historical')"),
    Case("in-numbers", (ADVANCED,), op("in", P("sat:relative_orbit"), [8, 15, 22.0])),
    Case("in-ids", (ADVANCED,), op("in", P("id"), SOME_IDS)),
    Case("in-collections", (ADVANCED,),
         op("in", P("collection"), ["CMIP6", "destine-climate-dt"])),

    # --- case- and accent-insensitive comparison ---------------------------------------------
    Case("casei-eq", (CASEI,),
         eq(casei(P("cmip6:variable_long_name")), casei("PRECIPITATION"))),
    Case("casei-in", (CASEI, ADVANCED),
         op("in", casei(P("cmip6:institution_id")), [casei("ncar"), casei("Ipsl")])),
    Case("casei-like", (CASEI, ADVANCED), op("like", casei(P("eerie:region")), casei("KURO%"))),
    Case("casei-non-ascii", (CASEI, PROPERTY_PROPERTY),
         AND(eq(casei("ÉTÉ Straße"), casei("été straße")),
             eq(P("collection"), "destine-climate-dt"))),
    Case("accenti-eq", (ACCENTI,),
         eq(accenti(P("cmip6:variable_long_name")), accenti("Précipitation"))),
    Case("accenti-like", (ACCENTI, ADVANCED),
         op("like", accenti(P("eerie:region")), accenti("kürôshiö%"))),
    Case("casei-accenti", (CASEI, ACCENTI),
         eq(casei(accenti(P("cmip6:variable_long_name"))), casei(accenti("PRÉCIPITATION")))),

    # --- basic-spatial-functions: S_INTERSECTS with points and boxes -------------------------
    Case("s-intersects-point", (BASIC_SPATIAL,), op("s_intersects", GEOM, point(11.5, 44.5))),
    Case("s-intersects-point-item", (BASIC_SPATIAL,),
         op("s_intersects", GEOM, point(-155, 0))),
    Case("s-intersects-bbox", (BASIC_SPATIAL,),
         op("s_intersects", GEOM, {"bbox": [5.5, 50.5, 11.5, 52.5]})),
    Case("s-intersects-bbox-antimeridian", (BASIC_SPATIAL,),
         AND(op("s_intersects", GEOM, {"bbox": [170, -20, -170, 1]}),
             op("<>", P("collection"), "CMIP6"))),
    Case("s-intersects-literal-first", (BASIC_SPATIAL, PROPERTY_PROPERTY),
         op("s_intersects", point(165, 2), GEOM)),
    Case("s-intersects-polygon", (SPATIAL,),
         op("s_intersects", GEOM, {"type": "Polygon",
                                   "coordinates": [[[0, 40], [20, 40], [10, 60], [0, 40]]]})),
    Case("s-intersects-line", (SPATIAL,),
         op("s_intersects", GEOM, line((-160, 0), (-150, 0)))),

    # --- spatial-functions: the other DE-9IM relations ---------------------------------------
    Case("s-disjoint", (SPATIAL,), op("s_disjoint", GEOM, {"bbox": [-180, -90, 100, 90]})),
    Case("s-within-bbox", (SPATIAL,), op("s_within", GEOM, {"bbox": [4.5, 43.5, 12.5, 51.5]})),
    Case("s-within-polygon", (SPATIAL,), op("s_within", GEOM, box_polygon(-160, -5, 170, 5))),
    Case("s-contains-point", (SPATIAL,), op("s_contains", GEOM, point(11.5, 44.5))),
    Case("s-contains-equal-point", (SPATIAL,), op("s_contains", GEOM, point(165, 2))),
    Case("s-contains-bbox", (SPATIAL,), op("s_contains", GEOM, {"bbox": [-20, 40, 40, 70]})),
    Case("s-equals-polygon", (SPATIAL,), op("s_equals", GEOM, FIRST_S2["geometry"])),
    Case("s-equals-point", (SPATIAL,), op("s_equals", GEOM, point(179.75, 0.25))),
    Case("s-touches", (SPATIAL,), op("s_touches", GEOM, {"bbox": [12, 44, 13, 45]})),
    Case("s-overlaps", (SPATIAL,), op("s_overlaps", GEOM, {"bbox": [11.5, 44.5, 12.5, 45.5]})),
    Case("s-crosses-horizontal", (SPATIAL,), op("s_crosses", GEOM, line((0, 46.5), (20, 46.5)))),
    Case("s-crosses-vertical", (SPATIAL,), op("s_crosses", GEOM, line((179.5, -20), (179.5, 0)))),

    # --- temporal-functions ------------------------------------------------------------------
    Case("t-intersects-dates", (TEMPORAL,),
         op("t_intersects", DT, interval("2000-01-01", "2000-12-31"))),
    Case("t-intersects-open-end", (TEMPORAL,),
         op("t_intersects", DT, interval("2023-03-01T00:00:00Z", ".."))),
    Case("t-before", (TEMPORAL,), op("t_before", DT, date("2015-01-01"))),
    Case("t-after-date", (TEMPORAL,), op("t_after", DT, date("2030-06-01"))),
    Case("t-after-timestamp", (TEMPORAL,), op("t_after", DT, ts("2030-06-01T06:00:00Z"))),
    Case("t-during", (TEMPORAL,),
         op("t_during", DT, interval("2000-01-01T00:00:00Z", "2001-12-31T23:59:59Z"))),
    Case("t-contains", (TEMPORAL,),
         op("t_contains", DT, interval("2000-06-10T00:00:00Z", "2000-06-20T00:00:00Z"))),
    Case("t-equals-instant", (TEMPORAL,), op("t_equals", DT, ts(S2_DATETIME))),
    Case("t-equals-interval", (TEMPORAL,), op("t_equals", DT, interval(EERIE_START, EERIE_END))),
    Case("t-disjoint", (TEMPORAL,), op("t_disjoint", DT, interval("1850-01-01", "2030-01-01"))),
    Case("t-meets", (TEMPORAL,), op("t_meets", DT, interval(EERIE_END, ".."))),
    Case("t-metby", (TEMPORAL,), op("t_metby", DT, interval("..", EERIE_START))),
    Case("t-starts", (TEMPORAL,),
         op("t_starts", DT, interval("2000-01-01T00:00:00Z", "2000-12-31T23:59:59Z"))),
    Case("t-startedby", (TEMPORAL,),
         op("t_startedby", DT, interval("2000-01-01T00:00:00Z", "2000-01-15T00:00:00Z"))),
    Case("t-finishes", (TEMPORAL,),
         op("t_finishes", DT, interval("2010-01-01T00:00:00Z", LAST_CMIP6_END))),
    Case("t-finishedby", (TEMPORAL,),
         op("t_finishedby", DT, interval("2000-01-15T00:00:00Z", EERIE_END))),
    Case("t-overlaps", (TEMPORAL,),
         op("t_overlaps", DT, interval("2000-06-15T00:00:00Z", "2001-06-15T00:00:00Z"))),
    Case("t-overlappedby", (TEMPORAL,),
         op("t_overlappedby", DT, interval("1999-06-01T00:00:00Z", "2000-06-15T00:00:00Z"))),
    Case("t-interval-of-properties", (TEMPORAL,),
         op("t_intersects", interval(P("start_datetime"), P("end_datetime")),
            interval("2000-01-01", "2000-03-31"))),
    Case("t-before-end-property", (TEMPORAL,), op("t_before", P("end_datetime"),
                                                  date("1980-01-01"))),
    Case("t-after-timestamp-property", (TEMPORAL,),
         op("t_after", P("created"), ts("2023-10-01T00:00:00Z"))),

    # --- array-functions (arrays are sets) ---------------------------------------------------
    Case("a-contains", (ARRAYS,), op("a_contains", P("cmip6:activity_id"), ["CMIP"])),
    Case("a-containedby", (ARRAYS,),
         op("a_containedby", P("variables"), ["zos", "to", "so", "u", "v"])),
    Case("a-overlaps", (ARRAYS,), op("a_overlaps", P("variables"), ["mlotst", "siconc"])),
    Case("a-equals-any-order", (ARRAYS,), op("a_equals", P("access"), ["Globus", "HTTPServer"])),
    Case("a-equals-set", (ARRAYS,),
         op("a_equals", P("variables"), list(reversed(FIRST_EERIE["properties"]["variables"])))),
    Case("a-contains-instruments", (ARRAYS,), op("a_contains", P("instruments"), ["msi"])),
    Case("not-a-overlaps", (ARRAYS,), NOT(op("a_overlaps", P("variables"), ["u", "v"]))),
    Case("not-a-contains", (ARRAYS,), NOT(op("a_contains", P("variables"), ["u"]))),

    # --- property-property comparisons and literals on the left ------------------------------
    Case("pp-strings", (PROPERTY_PROPERTY,), eq(P("cmip6:variant_label"), P("cmip6:member_id"))),
    Case("pp-numbers", (PROPERTY_PROPERTY,), op(">", P("eo:snow_cover"), P("eo:cloud_cover"))),
    Case("pp-times", (PROPERTY_PROPERTY,), op("<", P("start_datetime"), P("end_datetime"))),
    Case("pp-timestamp-property", (PROPERTY_PROPERTY,), op(">", P("created"), DT)),
    Case("pp-literal-left", (PROPERTY_PROPERTY,), op(">", 20, P("eo:cloud_cover")),
         "20 > eo:cloud_cover"),
    Case("pp-literal-quotes", (PROPERTY_PROPERTY, ADVANCED),
         AND(op("like", "it's", "it_s"), op("<>", "it's", "it''s"),
             eq(P("collection"), "destine-climate-dt")),
         "'it''s' LIKE 'it_s' AND 'it''s' <> 'it''''s' AND collection = 'destine-climate-dt'"),

    # --- filters combined with the other search parameters -----------------------------------
    Case("facets-collections-datetime", (ADVANCED,),
         AND(eq(P("cmip6:variable_id"), "tas"),
             op("in", P("cmip6:experiment_id"), ["ssp585", "ssp245", "historical"])),
         params={"collections": ["CMIP6"],
                 "datetime": "2015-01-01T00:00:00Z/2100-12-31T23:59:59Z"}),
    Case("facets-two-collections-bbox", (),
         OR(eq(P("cmip6:source_id"), "CESM2"), op("<", P("eo:cloud_cover"), 30)),
         params={"collections": ["CMIP6", "sentinel-2-l2a"], "bbox": [0, 40, 12, 50]}),
    Case("facets-datetime-range", (ADVANCED,),
         AND(op("in", P("cmip6:frequency"), ["day"]), eq(P("cmip6:institution_id"), "IPSL")),
         params={"datetime": "1950-01-01T00:00:00Z/1980-12-31T23:59:59Z"}),
    Case("sentinel-bbox-datetime", (),
         op("<", P("eo:cloud_cover"), 50),
         params={"bbox": [8, 45, 13, 52], "datetime": "2023-01-01T00:00:00Z/2023-12-31T23:59:59Z"}),
    Case("ids-and-filter", (), op("<>", P("collection"), "destine-climate-dt"),
         params={"ids": SOME_IDS}),
]

# Test ids name the CQL2 class a case is about: "advanced-comparison-operators:like-prefix".
CASE_IDS = [f"{(c.classes or (BASIC,))[0]}:{c.name}" for c in CASES]


def expected_keys(case, items=ITEMS):
    """(collection, id) of the fixture items the case selects, search parameters included."""
    out = set()
    for item in items:
        p = case.params
        if "collections" in p and item["collection"] not in p["collections"]:
            continue
        if "ids" in p and item["id"] not in p["ids"]:
            continue
        if "bbox" in p and not matches_bbox(item, p["bbox"]):
            continue
        if "datetime" in p and not matches_datetime(item, p["datetime"]):
            continue
        if matches(case.filter, item):
            out.add((item["collection"], item["id"]))
    return out


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture(scope="module")
def declared(base):
    r = requests.get(base + "/conformance")
    assert r.status_code == 200, r.text[:300]
    return set(r.json()["conformsTo"])


def require(declared, *classes):
    """The server must declare every class a test exercises: fail, never skip."""
    missing = [uri(c) for c in classes if uri(c) not in declared]
    assert not missing, f"/conformance does not declare {missing}"


def get_params(params):
    """Search parameters as GET sends them."""
    out = {}
    for key, v in params.items():
        out[key] = ",".join(str(x) for x in v) if isinstance(v, list) else v
    return out


def collected(pages):
    """The (collection, id) of every page, checked for duplicates and numberMatched."""
    keys = [(f["collection"], f["id"]) for page in pages for f in page["features"]]
    assert len(keys) == len(set(keys)), f"an item came twice while paging: {keys}"
    matched = pages[0].get("numberMatched")
    if matched is not None:
        assert matched == len(keys), f"numberMatched {matched}, walked {len(keys)}"
    return set(keys)


def diff(got, want):
    return (f"missing {sorted(want - got)[:5]} ({len(want - got)}), "
            f"unexpected {sorted(got - want)[:5]} ({len(got - want)})")


def search_get(http, base, case, lang, limit=5, path="/search"):
    params = {**get_params(case.params), "limit": limit}
    if lang == "cql2-json":
        params.update({"filter": json.dumps(case.filter), "filter-lang": "cql2-json"})
    else:
        params["filter"] = case.cql2_text
        if len(case.name) % 2:  # half of them rely on cql2-text being the GET default
            params["filter-lang"] = "cql2-text"
    return collected(walk_get(http, base + path, params))


def search_post(http, base, case, lang, limit=4):
    body = {**case.params, "limit": limit}
    if lang == "cql2-json":
        body["filter"] = case.filter
        if len(case.name) % 2:  # half of them rely on cql2-json being the POST default
            body["filter-lang"] = "cql2-json"
    else:
        body.update({"filter": case.cql2_text, "filter-lang": "cql2-text"})
    return collected(walk_post(http, base + "/search", body))


# ---------------------------------------------------------------------------------------------
# The cases themselves (no server): each must say something.


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_case_is_meaningful(case):
    want = expected_keys(case)
    assert want, f"{case.name}: selects no fixture item; choose values that match some"
    scope = expected_keys(Case("all", (), True, params=case.params))
    assert want != scope, f"{case.name}: selects every item in scope"
    if case.wrong_reading is not None:
        wrong = {(i["collection"], i["id"]) for i in ITEMS if matches(case.wrong_reading, i)}
        assert wrong != want, f"{case.name}: the wrong reading gives the same answer"


def test_cases_cover_every_tested_class():
    covered = {c for case in CASES for c in case.classes}
    assert covered >= {ADVANCED, CASEI, ACCENTI, BASIC_SPATIAL, SPATIAL, TEMPORAL, ARRAYS,
                       PROPERTY_PROPERTY}


# ---------------------------------------------------------------------------------------------
# Conformance


def test_filter_conformance_classes_are_declared(declared):
    require(declared, FILTER_SEARCH, FILTER_ITEMS, BASIC, TEXT, JSON_)
    assert any(STAC_FILTER.match(u) for u in declared), \
        "no https://api.stacspec.org/v1.0.0*/item-search#filter (pystac-client looks for it)"


@pytest.mark.parametrize("cls", [ADVANCED, CASEI, ACCENTI, BASIC_SPATIAL, SPATIAL, TEMPORAL,
                                 ARRAYS, PROPERTY_PROPERTY])
def test_tested_cql2_class_is_declared(declared, cls):
    require(declared, cls)


def test_declared_cql2_classes_are_all_tested(declared):
    tested = {uri(c) for c in (BASIC, TEXT, JSON_, ADVANCED, CASEI, ACCENTI, BASIC_SPATIAL,
                               SPATIAL, TEMPORAL, ARRAYS, PROPERTY_PROPERTY)}
    untested = sorted(u for u in declared if u.startswith(CQL2) and u not in tested)
    assert not untested, f"declared but not covered by test_filter.py: {untested}"


# ---------------------------------------------------------------------------------------------
# Filters: the four encodings, paged


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_post_cql2_json(base, http, declared, case):
    require(declared, FILTER_SEARCH, BASIC, JSON_, *case.classes)
    want, got = expected_keys(case), search_post(http, base, case, "cql2-json")
    assert got == want, diff(got, want)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_get_cql2_text(base, http, declared, case):
    require(declared, FILTER_SEARCH, BASIC, TEXT, *case.classes)
    want, got = expected_keys(case), search_get(http, base, case, "cql2-text")
    assert got == want, f"{case.cql2_text}: {diff(got, want)}"


@pytest.fixture(scope="module", params=["index", "walk"])
def planned_base(request, database_url, workdir):
    """A server that runs every filter the facets' index can answer with one statement:
    asking that index first, or walking the time order first (STACFED_FACET_PLAN). The
    default server chooses between them by PostgreSQL's statistics; both must give the same
    answers."""
    srv = Server(database_url, workdir, {"STACFED_FACET_PLAN": request.param})
    assert srv.wait_ready(), srv.log()
    yield srv.base
    srv.terminate()


FACET_CASES = [c for c in CASES if "cmip6:" in c.cql2_text or "platform" in c.cql2_text
               or "instruments" in c.cql2_text or "constellation" in c.cql2_text]


@pytest.mark.parametrize("case", FACET_CASES, ids=[c.name for c in FACET_CASES])
def test_facet_plans_agree(planned_base, http, declared, case):
    require(declared, FILTER_SEARCH, BASIC, TEXT, *case.classes)
    want = expected_keys(case)
    assert search_get(http, planned_base, case, "cql2-text", limit=2) == want, case.cql2_text
    assert search_post(http, planned_base, case, "cql2-text", limit=3) == want, case.cql2_text


def test_facet_plan_cases_exist():
    assert len(FACET_CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_get_cql2_json(base, http, declared, case):
    require(declared, FILTER_SEARCH, BASIC, JSON_, *case.classes)
    want, got = expected_keys(case), search_get(http, base, case, "cql2-json", limit=3)
    assert got == want, diff(got, want)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_post_cql2_text(base, http, declared, case):
    require(declared, FILTER_SEARCH, BASIC, TEXT, *case.classes)
    want, got = expected_keys(case), search_post(http, base, case, "cql2-text", limit=7)
    assert got == want, f"{case.cql2_text}: {diff(got, want)}"


def _properties_of(filter_json):
    if isinstance(filter_json, dict):
        if "property" in filter_json:
            return {filter_json["property"].removeprefix("properties.")}
        return set().union(*(_properties_of(v) for v in filter_json.values()))
    if isinstance(filter_json, list):
        return set().union(*(_properties_of(v) for v in filter_json))
    return set()


def _items_cases():
    """(case, collection) for /collections/{id}/items: the collection whose items carry every
    property the filter names and that the filter selects most items of."""
    out = []
    for case in CASES:
        if case.params:
            continue
        names = _properties_of(case.filter) - BUILTINS
        best = None
        for cid, items in sorted(BY_COLLECTION.items()):
            carried = {k for i in items for k in i["properties"]}
            if not names <= carried:
                continue
            hits = len(expected_keys(case, items))
            if hits and (best is None or hits > best[1]):
                best = (cid, hits)
        if best:
            case_id = CASE_IDS[CASES.index(case)]
            out.append(pytest.param(case, best[0], id=f"{case_id}@{best[0]}"))
    return out


@pytest.mark.parametrize("case,collection", _items_cases())
def test_collection_items(base, http, declared, case, collection):
    require(declared, FILTER_ITEMS, BASIC, TEXT, *case.classes)
    want = expected_keys(case, BY_COLLECTION[collection])
    got = search_get(http, base, case, "cql2-text", limit=3,
                     path=f"/collections/{collection}/items")
    assert got == want, f"{case.cql2_text}: {diff(got, want)}"


def test_collection_items_cql2_json_with_bbox_and_datetime(base, http, declared):
    require(declared, FILTER_ITEMS, BASIC, JSON_)
    case = Case("items-json", (), op("<", P("eo:cloud_cover"), 60),
                params={"bbox": [5, 44, 12, 51], "datetime": "2023-03-01T00:00:00Z/.."})
    want = expected_keys(case, BY_COLLECTION["sentinel-2-l2a"])
    got = search_get(http, base, case, "cql2-json", limit=2,
                     path="/collections/sentinel-2-l2a/items")
    assert want and got == want, diff(got, want)


def test_filter_crs_crs84_is_accepted(base, http, declared):
    require(declared, FILTER_SEARCH, BASIC_SPATIAL)
    case = next(c for c in CASES if c.name == "s-intersects-bbox")
    want = expected_keys(case)
    r = http.get(base + "/search", params={"filter": case.cql2_text, "filter-crs": CRS84,
                                           "limit": 1000})
    assert r.status_code == 200, r.text[:300]
    assert {(f["collection"], f["id"]) for f in r.json()["features"]} == want
    r = http.post(base + "/search", json={"filter": case.filter, "filter-crs": CRS84,
                                          "limit": 1000})
    assert r.status_code == 200, r.text[:300]
    assert {(f["collection"], f["id"]) for f in r.json()["features"]} == want


def test_next_link_keeps_the_filter(base, http):
    """A GET next link repeats filter and filter-lang (and encodes % and ' in them)."""
    text = "title LIKE '%-1950 %' AND title <> 'it''s'"
    r = http.get(base + "/search", params={"filter": text, "limit": 2})
    assert r.status_code == 200, r.text[:300]
    nxt = links_by_rel(r.json(), "next")
    assert len(nxt) == 1
    query = parse_qs(urlsplit(nxt[0]["href"]).query)
    assert query.get("filter") == [text], nxt[0]["href"]


# ---------------------------------------------------------------------------------------------
# Unknown properties


def test_unknown_property_follows_additional_properties(base, http, declared):
    """The queryables' additionalProperties says whether other names may be used. false: only
    the listed names, anything else is a 400 naming it (OGC API Features Part 3). true: "any
    syntactically-valid term for a property will be accepted", an item without it has it null
    (STAC filter extension, Queryables)."""
    require(declared, FILTER_SEARCH, FILTER_ITEMS, BASIC)
    name = "no:such_property"
    closed = http.get(base + "/queryables").json().get("additionalProperties") is False
    responses = [
        http.get(base + "/search", params={"filter": f"{name} IS NULL", "limit": 1000}),
        http.post(base + "/search", json={"filter": op("isNull", P(name)), "limit": 1000}),
        http.get(base + "/collections/CMIP6/items", params={"filter": f"{name} IS NULL",
                                                           "limit": 1000}),
    ]
    for r in responses:
        if closed:
            assert_error(r, 400)
            assert name in r.json()["description"], r.json()
        else:
            assert r.status_code == 200, (
                "/queryables declares additionalProperties: true, yet a filter on a property "
                f"it does not list is refused: {r.status_code} {r.text[:300]}")
    if not closed:
        assert len(responses[0].json()["features"]) == len(ITEMS)


def test_property_of_another_collection_in_a_scoped_search(base, http, declared):
    """A property /queryables lists (so a client may use it on /search) that the searched
    collection's items lack: they have it null, so nothing matches; not an error."""
    require(declared, FILTER_SEARCH, BASIC)
    root = http.get(base + "/queryables").json()
    assert "cmip6:variable_id" in root["properties"]
    case = Case("scoped", (), eq(P("cmip6:variable_id"), "tas"),
                params={"collections": ["sentinel-2-l2a"]})
    for method in ("GET", "POST"):
        if method == "GET":
            r = http.get(base + "/search", params={**get_params(case.params),
                                                   "filter": case.cql2_text})
        else:
            r = http.post(base + "/search", json={**case.params, "filter": case.filter})
        assert r.status_code == 200, f"{method}: {r.status_code} {r.text[:300]}"
        assert r.json()["features"] == []


# ---------------------------------------------------------------------------------------------
# Errors: 400 with {"code","description"}, never 500

# (cql2-text, offset of the error): the description must name the position.
MALFORMED_TEXT = [
    ("eo:cloud_cover <", 16),
    ("eo:cloud_cover < 10 AND", 23),
    ("cmip6:variable_id = 'tas", 20),
    ("(eo:cloud_cover < 10", 20),
    ("eo:cloud_cover << 10", 16),
    ("S_INTERSECTS(geometry POINT(1 2))", 22),
    ("eo:cloud_cover = 10 10", 20),
    ("eo:cloud_cover IN 10", 18),
    ("cmip6:variable_id = @", 20),
    ("cmip6:variable_id = 'tas' OR", 28),
    ("eo:cloud_cover BETWEEN 1 OR 2", 25),
    ("title IS 'x'", 9),
    ("S_INTERSECTS(geometry, POINT(1))", 30),
    ("T_BEFORE(datetime, TIMESTAMP('2020-13-01T00:00:00Z'))", 19),
    ("datetime > DATE('2020-1-1')", 11),
    ("eo:cloud_cover < 10)", 19),
]


@pytest.mark.parametrize("text,at", MALFORMED_TEXT, ids=[t for t, _ in MALFORMED_TEXT])
def test_malformed_cql2_text_is_400_naming_the_position(base, http, text, at):
    for r in (http.get(base + "/search", params={"filter": text}),
              http.post(base + "/search", json={"filter": text, "filter-lang": "cql2-text"}),
              http.get(base + "/collections/CMIP6/items", params={"filter": text})):
        assert_error(r, 400)
        description = r.json()["description"]
        assert re.search(rf"(?<!\d)({at}|{at + 1})(?!\d)", description), \
            f"{text!r}: the description does not name position {at}: {description}"


MALFORMED_JSON = [
    {"op": "=", "args": [P("eo:cloud_cover")]},
    {"op": "no_such_op", "args": [P("eo:cloud_cover"), 1]},
    {"op": "=", "args": P("eo:cloud_cover")},
    {"op": "in", "args": [P("cmip6:variable_id"), "tas"]},
    {"args": [P("eo:cloud_cover"), 1]},
    {"op": "=", "args": [P("eo:cloud_cover"), None]},
    {"op": "t_before", "args": [DT, {"timestamp": "yesterday"}]},
    {"op": "s_intersects", "args": [GEOM, {"type": "Point", "coordinates": []}]},
    {"op": "s_intersects", "args": [GEOM, {"bbox": [1, 2, 3]}]},
    {"op": "and", "args": []},
    {"op": "not", "args": []},
    42,
    [eq(P("cmip6:variable_id"), "tas")],
]


@pytest.mark.parametrize("bad", MALFORMED_JSON, ids=[json.dumps(b)[:60] for b in MALFORMED_JSON])
def test_malformed_cql2_json_is_400(base, http, bad):
    assert_error(http.post(base + "/search", json={"filter": bad}), 400)
    assert_error(http.get(base + "/search", params={"filter": json.dumps(bad),
                                                    "filter-lang": "cql2-json"}), 400)


@pytest.mark.parametrize("op", ["and", "or"])
def test_and_or_of_one_condition_is_that_condition(base, http, op):
    """stac-browser's filter form wraps its one condition in an and (or or) of one argument,
    which CQL2's schema does not allow: it is read as the condition."""
    one = eq(P("cmip6:variable_id"), "tas")
    wrapped = http.post(base + "/search", json={"filter": {"op": op, "args": [one]}, "limit": 100})
    plain = http.post(base + "/search", json={"filter": one, "limit": 100})
    assert wrapped.status_code == plain.status_code == 200, wrapped.text
    ids = [f["id"] for f in wrapped.json()["features"]]
    assert ids and ids == [f["id"] for f in plain.json()["features"]]


def test_unparsable_cql2_json_on_get_is_400(base, http):
    r = http.get(base + "/search", params={"filter": '{"op": "=", "args": [', "filter-lang":
                                           "cql2-json"})
    assert_error(r, 400)


@pytest.mark.parametrize("lang", ["cql2-xml", "cql-text", ""])
def test_unknown_filter_lang_is_400(base, http, lang):
    text = "cmip6:variable_id = 'tas'"
    r = http.get(base + "/search", params={"filter": text, "filter-lang": lang})
    assert_error(r, 400)
    assert "filter-lang" in r.json()["description"]
    r = http.post(base + "/search", json={"filter": eq(P("cmip6:variable_id"), "tas"),
                                          "filter-lang": lang})
    assert_error(r, 400)
    r = http.get(base + "/collections/CMIP6/items", params={"filter": text,
                                                           "filter-lang": lang})
    assert_error(r, 400)


@pytest.mark.parametrize("crs", ["http://www.opengis.net/def/crs/EPSG/0/4326",
                                 "http://www.opengis.net/def/crs/EPSG/0/32635", "CRS84"])
def test_other_filter_crs_is_400(base, http, crs):
    text = "S_INTERSECTS(geometry, POINT(379213.87 3610774.16))"
    r = http.get(base + "/search", params={"filter": text, "filter-crs": crs})
    assert_error(r, 400)
    assert "filter-crs" in r.json()["description"]
    r = http.post(base + "/search", json={"filter": text, "filter-lang": "cql2-text",
                                          "filter-crs": crs})
    assert_error(r, 400)


# (cql2-text, the cql2-json equivalent): types that do not fit the queryables.
TYPE_MISMATCHES = [
    ("eo:cloud_cover = 'abc'", eq(P("eo:cloud_cover"), "abc")),
    ("cmip6:variable_id > 5", op(">", P("cmip6:variable_id"), 5)),
    ("latest = 'true'", eq(P("latest"), "true")),
    ("version = 20191003", eq(P("version"), 20191003)),
    ("eo:cloud_cover LIKE '1%'", op("like", P("eo:cloud_cover"), "1%")),
    ("eo:cloud_cover BETWEEN 'a' AND 'b'", op("between", P("eo:cloud_cover"), "a", "b")),
    ("cmip6:variable_id IN (1, 2)", op("in", P("cmip6:variable_id"), [1, 2])),
    ("S_INTERSECTS(eo:cloud_cover, POINT(0 0))", op("s_intersects", P("eo:cloud_cover"),
                                                     point(0, 0))),
    ("T_BEFORE(cmip6:variable_id, TIMESTAMP('2020-01-01T00:00:00Z'))",
     op("t_before", P("cmip6:variable_id"), ts("2020-01-01T00:00:00Z"))),
    ("A_CONTAINS(cmip6:variable_id, ('tas'))", op("a_contains", P("cmip6:variable_id"),
                                                  ["tas"])),
    ("CASEI(eo:cloud_cover) = CASEI('x')", eq(casei(P("eo:cloud_cover")), casei("x"))),
    ("datetime = 5", eq(DT, 5)),
    ("geometry = 'x'", eq(GEOM, "x")),
]


@pytest.mark.parametrize("text,filter_json", TYPE_MISMATCHES,
                         ids=[t for t, _ in TYPE_MISMATCHES])
def test_type_mismatch_is_400(base, http, text, filter_json):
    assert_error(http.get(base + "/search", params={"filter": text}), 400)
    assert_error(http.post(base + "/search", json={"filter": filter_json}), 400)


@pytest.mark.parametrize("function", ["T_DURING", "T_CONTAINS", "T_MEETS", "T_STARTS",
                                      "T_OVERLAPS"])
def test_interval_only_temporal_function_with_instant_literals_is_400(base, http, declared,
                                                                       function):
    """21-065 7.8: T_CONTAINS, T_DURING, T_MEETS, T_STARTS, T_OVERLAPS ... "are only
    applicable for intervals. Using these functions with instants will result in a client
    error"."""
    require(declared, TEMPORAL)
    text = (f"{function}(TIMESTAMP('2000-01-01T00:00:00Z'), "
            f"TIMESTAMP('2000-01-02T00:00:00Z'))")
    assert_error(http.get(base + "/search", params={"filter": text}), 400)


GARBAGE = [
    "(" * 200 + "eo:cloud_cover < 1" + ")" * 200,
    "NOT " * 500 + "eo:cloud_cover < 1",
    "eo:cloud_cover IN (" + ", ".join(str(i) for i in range(5000)) + ")",
    "\x00",
    "'\u00e9\u00e8\u2603",
    "eo:cloud_cover < 1e999",
    "S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))",
    "S_INTERSECTS(geometry, POINT(1 2 3 4))",
    "S_INTERSECTS(geometry, BBOX(10, 10, 0, 0))",
    "S_INTERSECTS(geometry, POINT(200 100))",
    "T_INTERSECTS(datetime, INTERVAL('2001-01-01', '2000-01-01'))",
    "A_CONTAINS(variables, ())",
    "\"\" = 'x'",
    "CASEI(CASEI(CASEI(title))) = 'x'",
    "title = " + "'" + "x" * 100000 + "'",
]


@pytest.mark.parametrize("text", GARBAGE, ids=[repr(t[:30]) for t in GARBAGE])
def test_odd_filters_never_give_500(base, http, text):
    for r in (http.post(base + "/search", json={"filter": text, "filter-lang": "cql2-text"}),
              http.post(base + "/search", json={"filter": text})):
        assert r.status_code < 500, f"{text[:80]!r}: {r.status_code} {r.text[:300]}"
        if r.status_code >= 400:
            assert_error(r, r.status_code)


# ---------------------------------------------------------------------------------------------
# Queryables


def _item_properties(items):
    names = {k for i in items for k in i["properties"]}
    return names | {"id", "collection", "geometry", "datetime"}


def _check_schema_document(r, url):
    assert r.status_code == 200, r.text[:300]
    assert media_type(r) == SCHEMA_JSON, r.headers.get("Content-Type")
    doc = r.json()
    assert re.match(r"^https?://json-schema\.org/", doc.get("$schema", "")), doc.get("$schema")
    assert doc.get("$id") == url, f"$id {doc.get('$id')} is not the document's own URL {url}"
    assert doc.get("type") == "object"
    assert isinstance(doc.get("properties"), dict)
    assert isinstance(doc.get("additionalProperties"), bool), \
        "additionalProperties must be declared (true or false)"
    import jsonschema
    validator = getattr(jsonschema, "Draft201909Validator", jsonschema.Draft7Validator)
    validator.check_schema(doc)
    return doc


def _check_values_fit(doc, items):
    """Every fixture value of a listed property fits that property's schema (types, enum)."""
    import jsonschema
    validator = getattr(jsonschema, "Draft201909Validator", jsonschema.Draft7Validator)
    for name, schema in doc["properties"].items():
        if name in BUILTINS or "$ref" in schema:
            continue
        check = validator(schema)
        for item in items:
            v = item["properties"].get(name)
            if v is None:
                continue
            errors = [e.message for e in check.iter_errors(v)]
            assert not errors, f"{name} of {item['id']}: {v!r} does not fit {schema}: {errors}"
            if schema.get("format") == "date-time":
                parse_rfc3339(v)


def test_landing_links_the_queryables(base, landing):
    found = [link for link in landing["links"] if link.get("rel") == QUERYABLES_REL]
    assert len(found) == 1, found
    assert found[0]["href"] == base + "/queryables"
    assert found[0].get("type") == SCHEMA_JSON


def test_queryables(base, http):
    url = base + "/queryables"
    doc = _check_schema_document(http.get(url), url)
    listed = set(doc["properties"])
    want = _item_properties(ITEMS)
    assert want <= listed, f"not listed: {sorted(want - listed)}"
    assert listed - want <= BUILTINS, f"listed, but no item has them: {sorted(listed - want)}"
    _check_values_fit(doc, ITEMS)
    assert not any(n.startswith("properties.") for n in listed), "names must be unprefixed"


@pytest.mark.parametrize("collection", sorted(BY_COLLECTION))
def test_collection_queryables(base, http, collection):
    url = f"{base}/collections/{collection}/queryables"
    doc = _check_schema_document(http.get(url), url)
    listed = set(doc["properties"])
    want = _item_properties(BY_COLLECTION[collection])
    assert want <= listed, f"not listed: {sorted(want - listed)}"
    assert listed - want <= BUILTINS, \
        f"listed, but no item of {collection} has them: {sorted(listed - want)}"
    _check_values_fit(doc, BY_COLLECTION[collection])


def test_queryables_errors(base, http):
    assert_error(http.get(base + "/collections/no-such-collection/queryables"), 404)
    assert_error(http.get(base + "/queryables", params={"f": "xml"}), 400)


def test_between_with_its_bounds_as_one_array(base, http):
    # The form of drafts before CQL2 1.0, which stac-api-validator sends.
    def keys(filter_json):
        r = http.post(base + "/search", json={"filter": filter_json, "limit": 200})
        assert r.status_code == 200, r.text
        return {(f["collection"], f["id"]) for f in r.json()["features"]}
    prop = {"property": "eo:cloud_cover"}
    old = keys({"op": "between", "args": [prop, [0, 50]]})
    assert old and old == keys({"op": "between", "args": [prop, 0, 50]})

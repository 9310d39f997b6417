"""Issue 13: every endpoint and parameter crossed with hostile values. Whatever a client
sends, the answer is a 4xx with a valid {"code","description"} body in valid UTF-8 (or a
2xx with valid JSON), never a 5xx, never a dropped connection, and the server stays up.

The values: injection strings, NUL, invalid UTF-8, huge and non-finite numbers, invalid
geometries, tampered and foreign tokens, empty and very long values; the requests: every
GET route with each parameter, duplicate and unknown parameters, hostile path segments,
POST bodies with each member and malformed bodies, and raw protocol abuse."""

import json
import socket
import urllib.parse

import pytest
import requests

INJECTION = ["' OR '1'='1", "'; DROP TABLE stacfed.items; --", "$1", "\\", "\")::text",
             "%27", "{}", "[]", "null", "*", "..", "../../etc/passwd", "a,b,,c", ",", " "]
WEIRD_TEXT = ["", "é", "\U0001F30D", "\u202e", "\t\n", "x" * 3000, "\u0000", "a\u0000b",
              "\ufeff", "\\u0000"]
# Raw bytes that are not UTF-8, percent-encoded in a URL.
RAW_BYTES = [b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x00"]
NUMBERS = ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "99999999999999999999999",
           "-0", "1e-400", "0x10", "1_000", "-1", "0", "2147483648", "9223372036854775808"]
GEOMETRIES = [
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]},
    {"type": "Polygon", "coordinates": []},
    {"type": "Polygon", "coordinates": [[]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [1e400, 1], [1, 0], [0, 0]]]},
    {"type": "Point", "coordinates": [200, 0]},
    {"type": "Point", "coordinates": [0]},
    {"type": "Point", "coordinates": [0, 0, 0, 0, 0]},
    {"type": "Point", "coordinates": ["0", "0"]},
    {"type": "LineString", "coordinates": [[0, 0]]},
    {"type": "MultiPolygon", "coordinates": [[]]},
    {"type": "GeometryCollection", "geometries": [{"type": "Point"}]},
    {"type": "Circle", "coordinates": [0, 0]},
    {"type": "Point"},
    {"coordinates": [0, 0]},
    {"type": "Point", "coordinates": [0, 0], "crs": {"type": "name",
                                                     "properties": {"name": "EPSG:3857"}}},
    "POINT(0 0)", 42, None, [],
]
DEEP = "[" * 5000 + "]" * 5000


def _quote(value):
    if isinstance(value, bytes):
        return urllib.parse.quote_from_bytes(value, safe="")
    return urllib.parse.quote(value, safe="")


def query_values():
    values = [*INJECTION, *WEIRD_TEXT, *NUMBERS, *RAW_BYTES, DEEP[:3000]]
    values += [json.dumps(g) for g in GEOMETRIES]
    values += ["-10,-10", "0,0,1,1,2", "1,2,3,4,5,6,7", "10,0,0,0", "0,10,1,0", "0,0,1e400,1",
               "2020-01-01", "2020-13-01T00:00:00Z", "../..", "2020-01-01T00:00:00Z/..//",
               "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59",
               "2020-01-01T00:00:00.1234567890Z", "1985-04-12T23:20:50.52Z/1985-04-11T00:00:00Z"]
    return values


def check_answer(response, what):
    """The answer to a hostile request: no 5xx; a 4xx has a valid error body."""
    status = response.status_code
    assert status < 500, f"{what} -> {status}: {response.content[:300]!r}"
    text = response.content.decode("utf-8")  # raises when not UTF-8
    if not text and status in (204, 304):
        return
    doc = json.loads(text)
    if status >= 400:
        assert isinstance(doc.get("code"), str) and doc["code"], (what, doc)
        assert isinstance(doc.get("description"), str) and doc["description"], (what, doc)


def ids_in(items):
    first = items[0]
    return first["collection"], first["id"]


AGGREGATE_PARAMS = ["aggregations", "datetime_frequency_interval",
                    "centroid_geohash_grid_frequency_precision",
                    "centroid_geotile_grid_frequency_precision", "aggregation_buckets"]
# Every kind of aggregation, so that a hostile value beside them reaches the statement.
EVERY_AGGREGATION = ("total_count,datetime_min,datetime_max,datetime_frequency,"
                     "collection_frequency,centroid_geohash_grid_frequency,"
                     "centroid_geotile_grid_frequency,cmip6:variable_id_frequency,"
                     "cmip6:realm_frequency")


def routes(items, catalog):
    collection, item = ids_in(items)
    search_params = ["bbox", "intersects", "datetime", "ids", "collections", "limit", "token",
                     "filter", "query", "sortby", "q", "client_site"]
    aggregate_params = AGGREGATE_PARAMS + ["bbox", "intersects", "datetime", "ids",
                                           "collections", "filter", "query", "q"]
    collection_search_params = ["limit", "token", "q", "bbox", "datetime", "filter", "filter-lang",
                                "sortby", "fields"]
    return [
        ("/search", search_params),
        ("/aggregate", aggregate_params),
        (f"/collections/{collection}/aggregate", aggregate_params),
        (f"/catalogs/{catalog}/aggregate", aggregate_params),
        ("/aggregations", ["x"]),
        (f"/collections/{collection}/aggregations", ["x"]),
        (f"/catalogs/{catalog}/aggregations", ["x"]),
        (f"/collections/{collection}/items", search_params),
        (f"/catalogs/{catalog}/search", search_params),
        ("/collections", collection_search_params),
        (f"/catalogs/{catalog}/collections", collection_search_params),
        ("/collection-queryables", ["x"]),
        ("/collection-sortables", ["x"]),
        ("/catalogs", ["limit", "token", "q", "bbox", "datetime", "country", "site"]),
        (f"/collections/{collection}/browse", ["token"]),
        (f"/collections/{collection}/items/{item}", ["x", "client_site"]),
        (f"/collections/{collection}", ["x"]),
        (f"/catalogs/{catalog}", ["x"]),
        (f"/catalogs/{catalog}/children", ["x"]),
        (f"/catalogs/{catalog}/catalogs", ["x"]),
        (f"/catalogs/{catalog}/conformance", ["x"]),
        ("/children", ["x"]),
        ("/", ["x"]),
        ("/conformance", ["x"]),
        ("/api", ["x"]),
    ]


@pytest.fixture(scope="module")
def catalog(base, federation):
    if federation["applied"]:
        return "esgf"
    return "none"


@pytest.fixture(scope="module")
def foreign_token(base, items):
    """A valid token of another search (another collection)."""
    collection = items[-1]["collection"]
    doc = requests.get(base + "/search", params={"collections": collection, "limit": 1}).json()
    for link in doc["links"]:
        if link["rel"] == "next":
            return urllib.parse.parse_qs(urllib.parse.urlparse(link["href"]).query)["token"][0]
    pytest.fail("no next link for a token")


def test_every_get_parameter_with_hostile_values(base, items, catalog, foreign_token):
    values = query_values() + [foreign_token, foreign_token[:-1] + "A", foreign_token + "A",
                               "i2" + foreign_token]
    checked = 0
    with requests.Session() as s:
        for path, params in routes(items, catalog):
            for param in params:
                for value in values:
                    url = f"{base}{path}?{param}={_quote(value)}"
                    check_answer(s.get(url), url[:200])
                    checked += 1
    assert checked > 2000


def test_aggregate_parameters_with_hostile_values(base):
    """Each parameter of /aggregate hostile beside valid aggregations of every kind, so
    that what it passes reaches the statement."""
    checked = 0
    with requests.Session() as s:
        for param in AGGREGATE_PARAMS[1:] + ["bbox", "datetime", "filter", "collections"]:
            for value in query_values():
                url = (f"{base}/aggregate?aggregations={_quote(EVERY_AGGREGATION)}"
                       f"&{param}={_quote(value)}")
                check_answer(s.get(url), url[:200])
                checked += 1
        for value in INJECTION + WEIRD_TEXT + ["total_count," * 40, "_frequency",
                                               "properties.cmip6:variable_id_frequency"]:
            url = f"{base}/aggregate?aggregations={_quote(value)}"
            r = s.get(url)
            check_answer(r, url[:200])
            assert r.status_code == 400, url[:200]
    assert checked > 500


def test_aggregate_post_members_with_hostile_values(base, catalog):
    members = {
        "aggregations": [[], ["total_count"] * 2, [1], [None], "total_count", [DEEP[:100]],
                         ["\u0000"], [["total_count"]], ["x" * 5000], ["total_count"] * 100],
        "datetime_frequency_interval": ["", "YEAR", 1, ["year"], "year'--", "\u0000"],
        "centroid_geohash_grid_frequency_precision": [0, 13, -1, 1.5, "5", 2 ** 64, None, []],
        "centroid_geotile_grid_frequency_precision": [-1, 30, 1e400, "0", True],
        "aggregation_buckets": [0, -1, 10001, 2 ** 63, 1.0000001, "1", False, {}],
    }
    with requests.Session() as s:
        for path in ("/aggregate", f"/catalogs/{catalog}/aggregate"):
            for name, values in members.items():
                for value in values + INJECTION[:5] + NUMBERS[:3]:
                    body = {"aggregations": EVERY_AGGREGATION.split(","), name: value}
                    r = s.post(base + path, data=json.dumps(body),
                               headers={"Content-Type": "application/json"})
                    check_answer(r, f"POST {path} {json.dumps(body)[:160]}")
                    if value is not None:  # a null member is an absent one
                        assert r.status_code in (400, 404), (path, name, value)


def test_duplicate_unknown_and_empty_parameters(base, items, catalog):
    with requests.Session() as s:
        for path, params in routes(items, catalog):
            for query in [f"{params[0]}=1&{params[0]}=2", "unknown=1", "=", "&&&", "a=b=c",
                          f"{params[0]}", f"{params[0]}=", "%=%", "%ZZ=1", "%00=1",
                          "limit=1&" * 300]:
                check_answer(s.get(f"{base}{path}?{query}"), f"{path}?{query}"[:200])


SEGMENTS = ["%00", "a%00b", "%FF", "%C3%28", "..", "%2E%2E", "a%2Fb", "%2F", "%25", "'",
            "%27%20OR%201", "x" * 4000, "%20", "%0A", "%E2%80%AE", "null", "{id}"]


@pytest.mark.parametrize("segment", SEGMENTS, ids=[f"segment{i}" for i in range(len(SEGMENTS))])
def test_hostile_path_segments(base, items, catalog, segment):
    collection, item = ids_in(items)
    with requests.Session() as s:
        for path in (f"/collections/{segment}", f"/collections/{segment}/items",
                     f"/collections/{collection}/items/{segment}",
                     f"/collections/{segment}/items/{item}", f"/collections/{segment}/browse",
                     f"/catalogs/{segment}", f"/catalogs/{segment}/search",
                     f"/catalogs/{segment}/collections", f"/catalogs/{segment}/children",
                     f"/catalogs/{segment}/catalogs", f"/catalogs/{segment}/conformance",
                     f"/collections/{segment}/aggregate",
                     f"/collections/{segment}/aggregations", f"/catalogs/{segment}/aggregate",
                     f"/catalogs/{segment}/aggregations",
                     f"/{segment}", f"/search/{segment}"):
            check_answer(s.get(base + path), path[:200])


def post_bodies(foreign_token):
    members = {
        "bbox": [[0, 0, 1, 1, 2], [10, 0, 0, 0], "0,0,1,1", [0, 0, "1", 1], [], {}, None,
                 [-1e308, -1e308, 1e308, 1e308]],
        "intersects": GEOMETRIES,
        "datetime": ["2020-01-01", "../..", "", 5, ["2020-01-01T00:00:00Z"], "\u0000"],
        "ids": [["a", 1], "a", [None], [""], ["\u0000"], [DEEP[:100]], [{"a": 1}]],
        "collections": [["a", 1], "a", [None], [""], ["a\u0000b"], [[]]],
        "limit": [0, -1, 1.5, "10", True, [], 1e400, 2 ** 64, -2 ** 63, 10001],
        "token": ["", "x", foreign_token, foreign_token[:-1] + "A", 5, ["x"], "\u0000"],
        "unknown": [1],
        "": [1],
        "filter": [{"op": "=", "args": [{"property": "id"}, "x"]}],
        "query": [{"id": {"eq": "x"}}, {"id": {"in": ["x"] * 5000}}, {"id": {"startsWith": DEEP}},
                  {"id": {"eq": 1e308}}, {f"p{i}": {"eq": i} for i in range(2000)},
                  {"\u0000": {"eq": 1}}, {"id": {"contains": "\u0000"}}],
        "sortby": [[{"field": "id"}], [{"field": "\u0000"}], [{"field": DEEP}],
                   [{"field": "eo:cloud_cover", "direction": "desc"}] * 9, [{"field": None}],
                   [{"field": "id", "direction": None}], "-id", [["id"]]],
        "q": ["(" * 5000, "\u0000", ["\u0000"], [DEEP[:3000]] * 70, "a " * 3000, "'|&!:*",
              ["'", "\\"], 1, {"a": 1}],
    }
    bodies = []
    for name, values in members.items():
        for value in values + INJECTION[:5] + NUMBERS[:3]:
            bodies.append(json.dumps({name: value}))
    bodies += ["", "{", "[]", "null", "1", '"x"', "{}" * 2, '{"limit": 1, "limit": 2}',
               DEEP, '{"a":' * 3000 + "1" + "}" * 3000, '{"ids": ["\\ud800"]}', "\xff",
               '{"bbox": [0, 0, 1, 1], "intersects": {"type": "Point", "coordinates": [0, 0]}}',
               '{"limit": 1e400}', '{"bbox": [NaN, 0, 1, 1]}', '{"limit": Infinity}',
               json.dumps({"ids": ["x" * 20] * 40000})]
    return bodies


def test_every_post_member_with_hostile_values(base, catalog, foreign_token):
    with requests.Session() as s:
        for path in ("/search", f"/catalogs/{catalog}/search"):
            for body in post_bodies(foreign_token):
                data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
                r = s.post(base + path, data=data, headers={"Content-Type": "application/json"})
                check_answer(r, f"POST {path} {body[:120]!r}")


def test_post_bodies_with_other_media_types(base):
    with requests.Session() as s:
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "", "json",
                             "application/xml", "*/*", "application/jsonx"):
            r = s.post(base + "/search", data=b'{"limit": 1}',
                       headers={"Content-Type": content_type})
            check_answer(r, content_type)
            assert r.status_code == 415, content_type
        # A NUL in a header value is malformed HTTP.
        r = s.post(base + "/search", data=b'{"limit": 1}',
                   headers={"Content-Type": "application/json\u0000"})
        check_answer(r, "NUL in Content-Type")


def _raw(base, data):
    host, port = base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while not _one_response(answer):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return answer


def _one_response(answer):
    """Whether `answer` holds a whole response (head, and the body its length says)."""
    head, separator, body = answer.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


PROTOCOL_ABUSE = [
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n",
    b"POST /search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET http://example.org/ HTTP/1.1\r\nHost: x\r\n\r\n",
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n Folded: header\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
    b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"\r\n\r\n\r\n",
    b"GET\r\n\r\n",
    b"DELETE /collections/CMIP6 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
]


@pytest.mark.parametrize("request_bytes", PROTOCOL_ABUSE,
                         ids=[f"abuse{i}" for i in range(len(PROTOCOL_ABUSE))])
def test_protocol_abuse(base, request_bytes):
    answer = _raw(base, request_bytes + b"")
    if answer:  # the server may also just close a connection that is not HTTP
        status = int(answer.split(b" ", 2)[1])
        assert status < 500, answer[:300]
    assert requests.get(base + "/").status_code == 200  # and it is still there


FIELDS_BODIES = [
    {"include": ["id"]}, {"include": ["a" * 5000]}, {"exclude": ["x"] * 5000},
    {"include": [DEEP[:100]], "exclude": [None]}, {"include": ["\u0000"]},
    {"include": ["properties..x"]}, {"include": "id"}, "id,-geometry", [], {},
    {"include": ["id"], "x": 1}, {"exclude": [{"a": 1}]}, {"include": [".."] * 1001},
    {"include": ["properties"], "exclude": ["properties." + "a." * 400 + "b"]},
]


def test_fields_with_hostile_values(base, items, catalog):
    """fields (the Fields extension): every hostile GET value on the item routes, and hostile
    POST members, answer without a 5xx."""
    collection, _ = ids_in(items)
    with requests.Session() as s:
        for path in ("/search", f"/collections/{collection}/items", f"/catalogs/{catalog}/search"):
            for value in query_values() + ["-", "+", ",,,", "a." * 600, "-" * 3000]:
                url = f"{base}{path}?fields={_quote(value)}"
                check_answer(s.get(url), url[:200])
        for path in ("/search", f"/catalogs/{catalog}/search"):
            for fields in FIELDS_BODIES + INJECTION[:5] + NUMBERS[:3]:
                r = s.post(base + path, data=json.dumps({"fields": fields}),
                           headers={"Content-Type": "application/json"})
                check_answer(r, f"POST {path} fields={json.dumps(fields)[:100]}")

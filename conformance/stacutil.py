"""Helpers shared by the conformance tests: the fixture data, an independent evaluation of
the search predicates (so expected answers come from the data, never from the server), link
lookup and paging walkers. Standard library plus requests only."""

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"

GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"


# ---------------------------------------------------------------------------------------------
# Fixture data


def load_fixtures():
    """Returns (collections by id, items in file order)."""
    collections, items = {}, []
    for path in sorted(FIXTURES.glob("*.json")):
        doc = json.loads(path.read_text())
        if doc.get("type") == "Collection":
            collections[doc["id"]] = doc
        elif doc.get("type") == "FeatureCollection":
            items.extend(doc["features"])
        elif doc.get("type") == "Feature":
            items.append(doc)
    return collections, items


# ---------------------------------------------------------------------------------------------
# Time

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$")


def parse_rfc3339(text):
    """Strict RFC 3339 date-time -> aware datetime (fractions truncated to microseconds)."""
    m = _RFC3339.match(text)
    if not m:
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    frac = m.group(7) or ""
    micros = int((frac + "000000")[:6]) if frac else 0
    zone = m.group(8)
    if zone in ("Z", "z"):
        offset = timedelta(0)
    else:
        sign = -1 if zone[0] == "-" else 1
        hh, mm = int(zone[1:3]), int(zone[4:6])
        if hh > 23 or mm > 59:
            raise ValueError(f"bad offset in {text!r}")
        offset = sign * timedelta(hours=hh, minutes=mm)
    # datetime() rejects out-of-range fields (month 13, hour 25, second 61 ...).
    return datetime(year, month, day, hour, minute, second, micros,
                    tzinfo=timezone(offset)).astimezone(timezone.utc)


def parse_datetime_param(text):
    """A STAC `datetime` parameter -> (start or None, end or None). Raises ValueError."""
    parts = text.split("/")
    if len(parts) == 1:
        instant = parse_rfc3339(parts[0])
        return instant, instant
    if len(parts) != 2:
        raise ValueError("more than one '/'")
    open_start = parts[0] in ("", "..")
    open_end = parts[1] in ("", "..")
    if open_start and open_end:
        raise ValueError("both ends open")
    start = None if open_start else parse_rfc3339(parts[0])
    end = None if open_end else parse_rfc3339(parts[1])
    if start and end and start > end:
        raise ValueError("start after end")
    return start, end


def item_interval(item):
    p = item["properties"]
    if p.get("datetime"):
        t = parse_rfc3339(p["datetime"])
        return t, t
    return parse_rfc3339(p["start_datetime"]), parse_rfc3339(p["end_datetime"])


def matches_datetime(item, text):
    qs, qe = parse_datetime_param(text)
    s, e = item_interval(item)
    return (qe is None or s <= qe) and (qs is None or e >= qs)


# ---------------------------------------------------------------------------------------------
# Space: every fixture geometry is a union of convex parts (boxes, points), and every test
# query is convex too, so the separating axis test decides intersection exactly.


def _rect(w, s, e, n):
    return [(w, s), (e, s), (e, n), (w, n)]


def bbox_parts(bbox):
    if len(bbox) == 6:
        w, s, _, e, n, _ = bbox
    else:
        w, s, e, n = bbox
    if w > e:  # crosses the antimeridian
        return [_rect(w, s, 180.0, n), _rect(-180.0, s, e, n)]
    return [_rect(w, s, e, n)]


def geometry_parts(geometry):
    kind = geometry["type"]
    coords = geometry.get("coordinates")
    if kind == "Point":
        return [[tuple(coords[:2])]]
    if kind == "MultiPoint":
        return [[tuple(c[:2])] for c in coords]
    if kind == "LineString":
        return [[tuple(a[:2]), tuple(b[:2])] for a, b in zip(coords, coords[1:])]
    if kind == "MultiLineString":
        return [p for line in coords
                for p in geometry_parts({"type": "LineString", "coordinates": line})]
    if kind == "Polygon":
        ring = [tuple(c[:2]) for c in coords[0]]
        return [ring[:-1] if ring[0] == ring[-1] else ring]
    if kind == "MultiPolygon":
        return [p for poly in coords
                for p in geometry_parts({"type": "Polygon", "coordinates": poly})]
    if kind == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in geometry_parts(g)]
    raise ValueError(kind)


def _axes(poly):
    if len(poly) < 2:
        return []
    axes = []
    for i in range(len(poly)):
        (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % len(poly)]
        if (x1, y1) != (x2, y2):
            axes.append((y1 - y2, x2 - x1))
    return axes


def _convex_intersect(a, b):
    axes = _axes(a) + _axes(b)
    if len(a) <= 2 and len(b) <= 2:
        # Points/segments: also test the axes along them.
        for poly in (a, b):
            if len(poly) == 2:
                (x1, y1), (x2, y2) = poly
                axes.append((x2 - x1, y2 - y1))
        if not axes:  # two points
            return a[0] == b[0]
    for ax, ay in axes:
        pa = [ax * x + ay * y for x, y in a]
        pb = [ax * x + ay * y for x, y in b]
        if max(pa) < min(pb) or max(pb) < min(pa):
            return False
    return True


def intersects(geometry_a, geometry_b):
    return any(_convex_intersect(pa, pb)
               for pa in geometry_parts(geometry_a) for pb in geometry_parts(geometry_b))


def matches_bbox(item, bbox):
    return any(_convex_intersect(part, q)
               for part in geometry_parts(item["geometry"]) for q in bbox_parts(bbox))


# ---------------------------------------------------------------------------------------------
# Responses


def media_type(response):
    return (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def links_by_rel(doc, rel):
    return [link for link in doc.get("links", []) if link.get("rel") == rel]


def one_link(doc, rel, method=None):
    found = [link for link in links_by_rel(doc, rel)
             if method is None or link.get("method", "GET").upper() == method]
    assert len(found) == 1, f"expected exactly one link rel={rel} method={method}, got {found}"
    return found[0]


def next_link(doc):
    found = links_by_rel(doc, "next")
    assert len(found) <= 1, f"more than one next link: {found}"
    return found[0] if found else None


def assert_error(response, status):
    assert response.status_code == status, (
        f"{response.request.method} {response.url} -> {response.status_code}, expected "
        f"{status}: {response.text[:300]}")
    assert media_type(response) == JSON, response.headers.get("Content-Type")
    body = response.json()
    assert isinstance(body.get("code"), str) and body["code"], body
    assert isinstance(body.get("description"), str) and body["description"], body


def ids_of(doc):
    return [f["id"] for f in doc["features"]]


def keys_of(doc):
    return [(f["collection"], f["id"]) for f in doc["features"]]


def walk_get(session, url, params=None, max_pages=500):
    """Follows next links (hrefs used as-is) from a GET; returns the list of page bodies."""
    pages = []
    response = session.get(url, params=params)
    while True:
        assert response.status_code == 200, f"GET {response.url}: {response.status_code} " \
                                            f"{response.text[:300]}"
        assert media_type(response) == GEOJSON, response.headers.get("Content-Type")
        page = response.json()
        pages.append(page)
        nxt = next_link(page)
        if nxt is None:
            return pages
        assert nxt.get("method", "GET").upper() == "GET", f"next link of a GET uses {nxt}"
        assert nxt["href"] != response.url, "next link points to the page itself"
        assert len(pages) < max_pages, "too many pages: a next link loop?"
        response = session.get(nxt["href"])


def walk_post(session, url, body, max_pages=500, merge_aware=False):
    """Follows next links from a POST. A POST next link must carry the FULL body: we send
    exactly its body (merge false), as stac-browser does. With merge_aware we behave like
    pystac-client (original body updated with the link's body when merge is true)."""
    pages = []
    response = session.post(url, json=body)
    while True:
        assert response.status_code == 200, f"POST {url} {body}: {response.status_code} " \
                                            f"{response.text[:300]}"
        assert media_type(response) == GEOJSON, response.headers.get("Content-Type")
        page = response.json()
        pages.append(page)
        nxt = next_link(page)
        if nxt is None:
            return pages
        assert len(pages) < max_pages, "too many pages: a next link loop?"
        method = nxt.get("method", "GET").upper()
        if method == "GET":
            response = session.get(nxt["href"])
            continue
        next_body = nxt.get("body")
        assert isinstance(next_body, dict), f"POST next link without a body: {nxt}"
        if merge_aware and nxt.get("merge"):
            next_body = {**body, **next_body}
        body = next_body
        url = nxt["href"]
        response = session.post(url, json=body, headers=nxt.get("headers") or {})


# ---------------------------------------------------------------------------------------------
# The catalog tree of fixtures/federation/federation.json (issue 16): the DAG of catalogs and
# collections, the tree drawn in it for walkers, and the scope of every catalog.

FEDERATION_FILE = FIXTURES / "federation" / "federation.json"


class CatalogTree:
    """The federation file's catalogs as the server reads them. A node is ("catalog", id) or
    ("collection", id). The tree parent of a node is the parent whose child entry is marked
    primary, else the parent listed first in the file (then the lower id); the other parents
    hold it too but do not link it as `child`."""

    def __init__(self, loaded_collections, path=FEDERATION_FILE):
        doc = json.loads(Path(path).read_text())
        self.order = [c["id"] for c in doc["catalogs"]]
        self.catalogs = {c["id"]: c for c in doc["catalogs"]}
        self.loaded = set(loaded_collections)
        position = {cid: n for n, cid in enumerate(self.order)}
        self.children = {cid: [] for cid in self.order}  # file order
        self.parents = {}
        primary = {}
        for c in doc["catalogs"]:
            for entry in c.get("children", []):
                kind = "catalog" if "catalog" in entry else "collection"
                node = (kind, entry[kind])
                self.children[c["id"]].append(node)
                self.parents.setdefault(node, []).append(c["id"])
                if entry.get("primary"):
                    primary[node] = c["id"]
        self.tree_parent = {
            node: primary.get(node) or min(holders, key=lambda p: (position[p], p))
            for node, holders in self.parents.items()}

    def top(self):
        """Catalogs no catalog holds, in file order."""
        return [cid for cid in self.order if ("catalog", cid) not in self.parents]

    def orphans(self):
        """Loaded collections no catalog holds (children of the server root)."""
        return sorted(c for c in self.loaded if ("collection", c) not in self.parents)

    def holders(self, collection):
        """Catalogs that hold a collection directly."""
        return list(self.parents.get(("collection", collection), []))

    def catalog_parents(self, cid):
        return list(self.parents.get(("catalog", cid), []))

    def tree_children(self, cid):
        """The `child` nodes of a catalog ("" is the server root)."""
        if not cid:
            return [("catalog", c) for c in self.top()] + [("collection", c)
                                                           for c in self.orphans()]
        return [n for n in self.children[cid] if self.tree_parent[n] == cid]

    def other_children(self, cid):
        """Children a catalog holds that are another parent's tree children (`related`)."""
        if not cid:
            return []
        return [n for n in self.children[cid] if self.tree_parent[n] != cid]

    def closure(self, cid):
        """Collections below a catalog by every path (its scope before loading)."""
        found = set()
        for kind, value in self.children[cid]:
            found |= self.closure(value) if kind == "catalog" else {value}
        return found

    def tree_reach(self, cid):
        """Collections a walker reaches from a catalog by `child` links."""
        found = set()
        for kind, value in self.tree_children(cid):
            found |= self.tree_reach(value) if kind == "catalog" else {value}
        return found

    def scope(self, cid):
        """The collections served under a catalog ("" the server root)."""
        if not cid:
            return set(self.loaded)
        return self.closure(cid) & self.loaded

    def walk_complete(self, cid):
        """Whether `child` links from the catalog reach every collection of its scope (then
        it may declare Browseable)."""
        if not cid:
            return self.tree_reach("") >= self.loaded
        return self.tree_reach(cid) >= self.closure(cid)


def raw_get(base, path, headers=None):
    """GET with the request target sent byte for byte (requests would unquote %2E and drop
    dot segments). Returns (status, content type, body text)."""
    import http.client
    from urllib.parse import urlsplit
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.getheader("Content-Type") or "", r.read().decode("utf-8", "replace")
    finally:
        conn.close()

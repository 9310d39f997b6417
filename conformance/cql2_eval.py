"""An independent evaluator of the CQL2 subset that test_filter.py sends, so that the
expected answer of every filter is computed from the fixture items, never taken from the
server. It also renders a cql2-json expression as cql2-text (`to_text`).

What it models (OGC 21-065, CQL2 1.0):

* Three-valued logic: a comparison with a missing or null value is NULL (None here); NOT
  NULL is NULL; AND/OR follow Kleene's tables; an item matches when the filter is TRUE.
* Item fields: `id`, `collection`, `geometry`; `datetime` is the item's time range
  [start, end] (its `datetime`, else `start_datetime`/`end_datetime`): the temporal
  functions compare the whole range and =, <, ... compare its start, as the server's
  queryables document it (and as pgstac does); `start_datetime`/`end_datetime` are the
  instants at the two ends of that range. Everything else is read from `properties`, with or
  without the `properties.` prefix.
* Times: TIMESTAMP is an instant; DATE is the whole day [00:00, 24:00) ("the geometry can be
  considered an instant in the temporal resolution that is applicable", 21-065 7.6.1), so
  `t = DATE(d)` holds during the day, `t < DATE(d)` before it, `t > DATE(d)` after it.
  A string property compared with a time is read as RFC 3339 (NULL when it is not one).
* LIKE: `%` any run, `_` one character, `\\` escapes; case-sensitive. CASEI lower-cases;
  ACCENTI strips combining marks (NFKD).
* Arrays are sets (21-065 /req/array-functions/array-predicates B).
* Spatial functions: exactly, for the shapes the fixtures and the tests use: axis-aligned
  boxes, points, the union of disjoint boxes (antimeridian items), horizontal or vertical
  segments (S_CROSSES), and convex polygons for S_INTERSECTS/S_DISJOINT. Anything else
  raises Unsupported: a test that needs it is a test-authoring error, not a server bug.

String ordering (<, >) is compared by code point: tests only order plain lower-case words,
where a database collation agrees.
"""

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from stacutil import bbox_parts, intersects, item_interval, parse_rfc3339


class Unsupported(Exception):
    """The evaluator cannot decide this expression exactly: fix the test, not the server."""


@dataclass(frozen=True)
class Time:
    start: datetime
    end: datetime
    date: bool = False      # a DATE literal: the whole day
    interval: bool = False  # an INTERVAL literal


_FAR_PAST = datetime.min.replace(tzinfo=timezone.utc)
_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)
_DAY = timedelta(days=1) - timedelta(microseconds=1)

COMPARISONS = ("=", "<>", "<", "<=", ">", ">=")
SPATIAL = ("s_intersects", "s_equals", "s_disjoint", "s_touches", "s_within", "s_overlaps",
           "s_crosses", "s_contains")
TEMPORAL = ("t_after", "t_before", "t_contains", "t_disjoint", "t_during", "t_equals",
            "t_finishedby", "t_finishes", "t_intersects", "t_meets", "t_metby",
            "t_overlappedby", "t_overlaps", "t_startedby", "t_starts")
ARRAY = ("a_equals", "a_contains", "a_containedby", "a_overlaps")


# ---------------------------------------------------------------------------------------------
# Entry points


def matches(expr, item):
    """Whether `item` is selected by the cql2-json `expr` (the filter is TRUE)."""
    return evaluate(expr, item) is True


def evaluate(expr, item):
    """TRUE, FALSE or NULL (None) of a cql2-json boolean expression on one item."""
    if isinstance(expr, bool):
        return expr
    if not isinstance(expr, dict) or "op" not in expr:
        raise Unsupported(f"not a condition: {expr!r}")
    op, args = expr["op"].lower(), expr["args"]
    if op in ("and", "or"):
        return _kleene(op, [evaluate(a, item) for a in args])
    if op == "not":
        inner = evaluate(args[0], item)
        return None if inner is None else not inner
    if op in COMPARISONS:
        return compare(op, value(args[0], item), value(args[1], item))
    if op == "like":
        return _like(value(args[0], item), value(args[1], item))
    if op == "between":
        v, low, high = (value(a, item) for a in args)
        return _kleene("and", [compare(">=", v, low), compare("<=", v, high)])
    if op == "in":
        v = value(args[0], item)
        if v is None:
            return None
        return any(compare("=", v, value(e, item)) for e in args[1])
    if op == "isnull":
        return value(args[0], item) is None
    if op in SPATIAL:
        return _spatial(op, value(args[0], item), value(args[1], item))
    if op in TEMPORAL:
        return _temporal(op, value(args[0], item), value(args[1], item))
    if op in ARRAY:
        return _array(op, value(args[0], item), value(args[1], item))
    raise Unsupported(f"operator {op}")


def _kleene(op, results):
    decisive = False if op == "and" else True
    if decisive in results:
        return decisive
    if None in results:
        return None
    return not decisive


# ---------------------------------------------------------------------------------------------
# Values


def value(expr, item):
    """The value of a cql2-json scalar expression: None (NULL), str, int/float, bool, Time,
    a GeoJSON geometry dict, or a tuple (array)."""
    if expr is None or isinstance(expr, (bool, int, float, str)):
        return expr
    if isinstance(expr, list):
        return tuple(value(e, item) for e in expr)
    if "property" in expr:
        return property_value(expr["property"], item)
    if "timestamp" in expr:
        t = parse_rfc3339(expr["timestamp"])
        return Time(t, t)
    if "date" in expr:
        return _date(expr["date"])
    if "interval" in expr:
        return _interval(expr["interval"], item)
    if "bbox" in expr:
        return _bbox_geometry(expr["bbox"])
    if "type" in expr:
        return expr
    op = expr.get("op", "").lower()
    if op in ("casei", "accenti"):
        inner = value(expr["args"][0], item)
        if inner is None:
            return None
        return inner.lower() if op == "casei" else strip_accents(inner)
    raise Unsupported(f"not a value: {expr!r}")


def property_value(name, item):
    if name.startswith("properties."):
        name = name[len("properties."):]
    if name in ("id", "collection", "geometry"):
        return item.get(name)
    if name in ("datetime", "start_datetime", "end_datetime"):
        start, end = item_interval(item)
        if name == "datetime":
            return Time(start, end)
        t = start if name == "start_datetime" else end
        return Time(t, t)
    v = item["properties"].get(name)
    return tuple(v) if isinstance(v, list) else v


def strip_accents(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _date(text):
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise Unsupported(f"not a date: {text}")
    day = parse_rfc3339(text + "T00:00:00Z")
    return Time(day, day + _DAY, date=True)


def _interval(bounds, item):
    ends = []
    for i, bound in enumerate(bounds):
        if bound == "..":
            ends.append(_FAR_PAST if i == 0 else _FAR_FUTURE)
            continue
        if isinstance(bound, str):
            t = _date(bound) if len(bound) == 10 else Time(parse_rfc3339(bound),
                                                           parse_rfc3339(bound))
        else:
            t = value(bound, item)
        if t is None:
            return None
        if not isinstance(t, Time):
            raise Unsupported(f"interval bound {bound!r}")
        ends.append(t.start if i == 0 else t.end)
    return Time(ends[0], ends[1], interval=True)


def _as_time(v):
    """A string property compared with a time: read as RFC 3339, NULL when it is not."""
    if isinstance(v, Time) or v is None:
        return v
    if isinstance(v, str):
        try:
            t = parse_rfc3339(v)
        except ValueError:
            return None
        return Time(t, t)
    raise Unsupported(f"{v!r} is not a time")


# ---------------------------------------------------------------------------------------------
# Comparison


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def compare(op, a, b):
    if a is None or b is None:
        return None
    if isinstance(a, Time) or isinstance(b, Time):
        return _compare_times(op, _as_time(a), _as_time(b))
    same = ((_number(a) and _number(b)) or (isinstance(a, bool) and isinstance(b, bool))
            or (isinstance(a, str) and isinstance(b, str)))
    if not same:
        raise Unsupported(f"type mismatch: {a!r} {op} {b!r}")
    return _apply(op, a, b)


def _apply(op, a, b):
    return {"=": a == b, "<>": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


_FLIP = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _compare_times(op, a, b):
    if a is None or b is None:
        return None
    if a.interval or b.interval:
        raise Unsupported("intervals are compared with the temporal functions")
    if a.date and not b.date:
        return _compare_times(_FLIP[op], b, a)
    if b.date and not a.date:  # an instant against a whole day
        t, first, last = a.start, b.start, b.end
        return {"=": first <= t <= last, "<>": not first <= t <= last, "<": t < first,
                "<=": t <= last, ">": t > last, ">=": t >= first}[op]
    return _apply(op, a.start, b.start)


def _like(v, pattern):
    if v is None or pattern is None:
        return None
    if not isinstance(v, str) or not isinstance(pattern, str):
        raise Unsupported("LIKE compares strings")
    regex, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            regex.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        regex.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return re.fullmatch("".join(regex), v, re.DOTALL) is not None


# ---------------------------------------------------------------------------------------------
# Temporal functions: Allen's relations of closed ranges (an instant is a range of one point).


def _temporal(op, a, b):
    a, b = _as_time(a), _as_time(b)
    if a is None or b is None:
        return None
    as_, ae, bs, be = a.start, a.end, b.start, b.end
    return {
        "t_after": as_ > be,
        "t_before": ae < bs,
        "t_contains": as_ < bs and ae > be,
        "t_disjoint": ae < bs or as_ > be,
        "t_during": as_ > bs and ae < be,
        "t_equals": as_ == bs and ae == be,
        "t_finishedby": as_ < bs and ae == be,
        "t_finishes": as_ > bs and ae == be,
        "t_intersects": as_ <= be and ae >= bs,
        "t_meets": ae == bs,
        "t_metby": as_ == be,
        "t_overlappedby": bs < as_ < be < ae,
        "t_overlaps": as_ < bs < ae < be,
        "t_startedby": as_ == bs and ae > be,
        "t_starts": as_ == bs and ae < be,
    }[op]


# ---------------------------------------------------------------------------------------------
# Array functions: sets.


def _array(op, a, b):
    if a is None or b is None:
        return None
    if not isinstance(a, tuple) or not isinstance(b, tuple):
        raise Unsupported("array functions take arrays")
    a, b = set(a), set(b)
    return {"a_equals": a == b, "a_contains": a >= b, "a_containedby": a <= b,
            "a_overlaps": bool(a & b)}[op]


# ---------------------------------------------------------------------------------------------
# Spatial functions. A shape is a list of parts: ("box", w, s, e, n), ("point", x, y),
# ("segment", x1, y1, x2, y2) (horizontal or vertical), ("convex", [(x, y), ...]).


def _bbox_geometry(bbox):
    parts = [[list(p) for p in ring] + [list(ring[0])] for ring in bbox_parts(bbox)]
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": [parts[0]]}
    return {"type": "MultiPolygon", "coordinates": [[ring] for ring in parts]}


def _ring_part(ring):
    pts = [tuple(float(c) for c in p[:2]) for p in ring]
    if pts[0] == pts[-1]:
        pts = pts[:-1]
    xs, ys = sorted({p[0] for p in pts}), sorted({p[1] for p in pts})
    if len(pts) == 4 and len(xs) == 2 and len(ys) == 2:
        return ("box", xs[0], ys[0], xs[1], ys[1])
    return ("convex", pts)


def shape(geometry):
    kind, coords = geometry["type"], geometry.get("coordinates")
    if kind == "Point":
        return [("point", float(coords[0]), float(coords[1]))]
    if kind == "MultiPoint":
        return [("point", float(c[0]), float(c[1])) for c in coords]
    if kind == "Polygon":
        if len(coords) != 1:
            raise Unsupported("polygons with holes")
        return [_ring_part(coords[0])]
    if kind == "MultiPolygon":
        return [p for poly in coords for p in shape({"type": "Polygon", "coordinates": poly})]
    if kind == "LineString" and len(coords) == 2:
        (x1, y1), (x2, y2) = coords[0][:2], coords[1][:2]
        if x1 != x2 and y1 != y2:
            raise Unsupported("only horizontal or vertical segments")
        return [("segment", min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))]
    raise Unsupported(f"geometry {kind}")


def _exact(parts):
    for p in parts:
        if p[0] == "convex":
            raise Unsupported("only S_INTERSECTS/S_DISJOINT take a general polygon here")
    return parts


def _closed_meet(p, q):
    """Whether two parts share a point (boundaries included)."""
    if p[0] == "point" and q[0] == "point":
        return p[1:] == q[1:]
    if p[0] == "point":
        p, q = q, p
    if q[0] == "point":
        x, y = q[1:]
        if p[0] in ("box", "segment"):
            return p[1] <= x <= p[3] and p[2] <= y <= p[4]
    if p[0] in ("box", "segment") and q[0] in ("box", "segment"):
        return p[1] <= q[3] and q[1] <= p[3] and p[2] <= q[4] and q[2] <= p[4]
    raise Unsupported(f"parts {p[0]}/{q[0]}")


def _interiors_meet(p, q):
    """Whether the interiors of two parts (box: open rectangle, point: itself) share a
    point."""
    if p[0] == "point" and q[0] == "point":
        return p[1:] == q[1:]
    if p[0] == "point":
        p, q = q, p
    if p[0] == "box" and q[0] == "point":
        return p[1] < q[1] < p[3] and p[2] < q[2] < p[4]
    if p[0] == "box" and q[0] == "box":
        return max(p[1], q[1]) < min(p[3], q[3]) and max(p[2], q[2]) < min(p[4], q[4])
    raise Unsupported(f"interiors of {p[0]}/{q[0]}")


def _covered(p, q):
    """Whether part p lies in the closed part q."""
    if q[0] == "point":
        return p[0] == "point" and p[1:] == q[1:]
    if q[0] == "box":
        if p[0] == "point":
            return q[1] <= p[1] <= q[3] and q[2] <= p[2] <= q[4]
        if p[0] == "box":
            return q[1] <= p[1] and p[3] <= q[3] and q[2] <= p[2] and p[4] <= q[4]
    raise Unsupported(f"{p[0]} in {q[0]}")


def _within(a, b):
    """S_WITHIN for unions of disjoint, non-adjacent parts: every part of a lies in one part
    of b, and the interiors meet."""
    a, b = _exact(a), _exact(b)
    return (all(any(_covered(p, q) for q in b) for p in a)
            and any(_interiors_meet(p, q) for p in a for q in b))


def _dimension(parts):
    return max({"point": 0, "segment": 1, "box": 2}[p[0]] for p in parts)


def _crosses(area, line):
    """S_CROSSES(area, segment): the segment's interior meets the area's interior and the
    area's exterior (DE-9IM T*****T** for A/L)."""
    (_, x1, y1, x2, y2), = line
    horizontal = y1 == y2
    # Along the segment: from lo to hi at the constant coordinate `at`.
    lo, hi, at = (x1, x2, y1) if horizontal else (y1, y2, x1)
    inside, covered = False, []
    for p in area:
        if p[0] == "point":
            continue
        if p[0] != "box":
            raise Unsupported("S_CROSSES of non-boxes")
        w, s, e, n = p[1:] if horizontal else (p[2], p[1], p[4], p[3])
        if s < at < n and max(lo, w) < min(hi, e):
            inside = True
        if s <= at <= n and max(lo, w) <= min(hi, e):
            covered.append((max(lo, w), min(hi, e)))
    reach = lo
    for start, end in sorted(covered):
        if start > reach:
            break
        reach = max(reach, end)
    return inside and reach < hi


def _spatial(op, a, b):
    if a is None or b is None:
        return None
    if op in ("s_intersects", "s_disjoint"):
        meet = intersects(a, b)
        return meet if op == "s_intersects" else not meet
    pa, pb = shape(a), shape(b)
    if op == "s_within":
        return _within(pa, pb)
    if op == "s_contains":
        return _within(pb, pa)
    if op == "s_equals":
        return _canonical(pa) == _canonical(pb)
    if op == "s_touches":
        pa, pb = _exact(pa), _exact(pb)
        return (any(_closed_meet(p, q) for p in pa for q in pb)
                and not any(_interiors_meet(p, q) for p in pa for q in pb))
    if op == "s_overlaps":
        if _dimension(pa) != _dimension(pb):
            return False
        if _dimension(pa) != 2:
            raise Unsupported("S_OVERLAPS of points or lines")
        return (any(_interiors_meet(p, q) for p in pa for q in pb)
                and not _within(pa, pb) and not _within(pb, pa))
    if op == "s_crosses":
        if pb[0][0] == "segment" and len(pb) == 1:
            return _dimension(pa) == 2 and _crosses(pa, pb)
        raise Unsupported("S_CROSSES(geometry, segment) only")
    raise Unsupported(op)


def _canonical(parts):
    return sorted(_exact(parts))


# ---------------------------------------------------------------------------------------------
# cql2-json -> cql2-text

_KEYWORDS = {"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE",
             "CASEI", "ACCENTI", "DATE", "TIMESTAMP", "INTERVAL", "BBOX", "POINT",
             "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
             "GEOMETRYCOLLECTION", "ENVELOPE"}


def to_text(expr):
    """The cql2-text form of a cql2-json expression (the subset above)."""
    if isinstance(expr, bool):
        return "TRUE" if expr else "FALSE"
    if isinstance(expr, (int, float)):
        return json.dumps(expr)
    if isinstance(expr, str):
        return "'" + expr.replace("'", "''") + "'"
    if isinstance(expr, list):
        return "(" + ", ".join(to_text(e) for e in expr) + ")"
    if "property" in expr:
        name = expr["property"]
        if re.fullmatch(r"[A-Za-z_:][A-Za-z0-9_:.]*", name) and name.upper() not in _KEYWORDS:
            return name
        return '"' + name + '"'
    if "timestamp" in expr:
        return f"TIMESTAMP('{expr['timestamp']}')"
    if "date" in expr:
        return f"DATE('{expr['date']}')"
    if "interval" in expr:
        return "INTERVAL(" + ", ".join(to_text(b) for b in expr["interval"]) + ")"
    if "bbox" in expr:
        return "BBOX(" + ", ".join(json.dumps(n) for n in expr["bbox"]) + ")"
    if "type" in expr:
        return wkt(expr)
    op, args = expr["op"].lower(), [to_text(a) for a in expr["args"]]
    if op in ("and", "or"):
        return "(" + f" {op.upper()} ".join(args) + ")"
    if op == "not":
        return f"NOT ({args[0]})"
    if op in COMPARISONS:
        return f"{args[0]} {op} {args[1]}"
    if op == "like":
        return f"{args[0]} LIKE {args[1]}"
    if op == "between":
        return f"{args[0]} BETWEEN {args[1]} AND {args[2]}"
    if op == "in":
        return f"{args[0]} IN {args[1]}"
    if op == "isnull":
        return f"{args[0]} IS NULL"
    if op in ("casei", "accenti"):
        return f"{op.upper()}({args[0]})"
    return f"{op.upper()}({', '.join(args)})"


def wkt(geometry):
    kind, coords = geometry["type"], geometry.get("coordinates")

    def pos(p):
        return " ".join(json.dumps(c) for c in p)

    def line(ps):
        return "(" + ", ".join(pos(p) for p in ps) + ")"

    def poly(rings):
        return "(" + ", ".join(line(r) for r in rings) + ")"

    if kind == "Point":
        return f"POINT({pos(coords)})"
    if kind == "MultiPoint":
        return "MULTIPOINT(" + ", ".join(f"({pos(p)})" for p in coords) + ")"
    if kind == "LineString":
        return "LINESTRING" + line(coords)
    if kind == "Polygon":
        return "POLYGON" + poly(coords)
    if kind == "MultiPolygon":
        return "MULTIPOLYGON(" + ", ".join(poly(p) for p in coords) + ")"
    raise Unsupported(f"WKT of {kind}")

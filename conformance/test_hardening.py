"""Issue 13: the server against hostile clients and a careless operator. One test (or more)
per defect found: unbounded memory, abandoned requests still running, client errors
answered with 500, log flooding, NUL bytes cutting ids short, untrusted bytes echoed into
responses, large responses, forged page tokens, and the smaller ones. Each was written to
fail against the server before the fix.

Expensive searches are made deterministic with a database of their own whose
ST_GeomFromGeoJSON is shadowed (search_path) by a function that sleeps when the geometry is
a point at longitude SLOW_MARKER, for as many seconds as its latitude says: the server's SQL
is unchanged, and such a search runs as long as the test wants, in pg_sleep (no CPU), which
a cancel interrupts."""

import concurrent.futures
import json
import os
import socket
import statistics
import subprocess
import threading
import time

import pytest
import requests

from conftest import FIXTURES, _base_env, _run
from stacutil import assert_error, next_link

SLOW_MARKER = 123.456


def slow_search(seconds):
    # A page larger than the fixtures: no count after it, one statement per search.
    return json.dumps({"intersects": {"type": "Point", "coordinates": [SLOW_MARKER, seconds]},
                       "limit": 1000})


def _addr(base):
    host, port = base.split("//")[1].split(":")
    return host, int(port)


def _raw(base, data, read_timeout=5):
    """Sends raw bytes, returns the whole answer (until the server closes or pauses)."""
    with socket.create_connection(_addr(base), timeout=read_timeout) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer or not _complete(answer):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except socket.timeout:
            pass
        return answer


def _complete(answer):
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def _status(answer):
    return int(answer.split(b" ", 2)[1])


def _rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@pytest.fixture(scope="module")
def slow_database(cluster, stac_bin):
    """A database with the fixtures in which searches at SLOW_MARKER sleep."""
    name = f"conformance_{os.getpid()}_slow"
    cluster.drop_database(name)
    url = cluster.create_database(name)
    env = _base_env()
    env["DATABASE_URL"] = url
    _run([stac_bin, "load", *sorted(str(p) for p in FIXTURES.glob("*.json"))], env, "load")
    _run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", f"""
        CREATE SCHEMA slowdown;
        CREATE FUNCTION slowdown.ST_GeomFromGeoJSON(text) RETURNS geometry AS $$
        DECLARE g geometry := stacfed.ST_GeomFromGeoJSON($1);
        BEGIN
          IF stacfed.GeometryType(g) = 'POINT' AND stacfed.ST_X(g) = {SLOW_MARKER} THEN
            PERFORM pg_sleep(stacfed.ST_Y(g));
          END IF;
          RETURN g;
        END $$ LANGUAGE plpgsql;
        ALTER DATABASE "{name}" SET search_path = slowdown, "$user", public;
        """], env, "the slowdown function")
    yield url, name
    cluster.drop_database(name)


def _sleeping(cluster, name):
    out = subprocess.run(
        ["psql", "-X", "-At", f"postgresql:///postgres?host={cluster.home}&port={cluster.port}"
         "&user=stacfed", "-c",
         "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + name + "' AND "
         "state = 'active' AND wait_event = 'PgSleep'"],
        stdout=subprocess.PIPE, text=True, env=_base_env(), timeout=30)
    return int(out.stdout.strip())


def _post_slow_and_hang_up(base, hold_seconds):
    sock = socket.create_connection(_addr(base), timeout=5)
    body = slow_search(20).encode()
    sock.sendall(b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    time.sleep(hold_seconds)
    sock.close()


# --- 2. abandoned requests ----------------------------------------------------------------


def test_abandoned_expensive_searches_are_cancelled(own_server, slow_database, cluster):
    """Ten expensive searches whose clients hang up: their queries stop on the database
    within 2 s (they would sleep 20 s), and normal searches are answered at once (before:
    503 for about 20 s)."""
    url, name = slow_database
    srv = own_server(url)
    threads = [threading.Thread(target=_post_slow_and_hang_up, args=(srv.base, 0.5))
               for _ in range(10)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    assert _sleeping(cluster, name) >= 1, "the slow searches did not reach the database"
    for t in threads:
        t.join()
    deadline = time.monotonic() + 2
    while _sleeping(cluster, name) > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _sleeping(cluster, name) == 0, "abandoned searches still run on the database"
    for _ in range(10):
        start = time.monotonic()
        r = requests.get(srv.base + "/search", params={"limit": 2, "bbox": "-180,-90,180,90"})
        assert r.status_code == 200, r.text[:200]
        assert time.monotonic() - start < 1


def test_expensive_searches_do_not_starve_cheap_ones(own_server, slow_database, items):
    """Four clients keep expensive searches running (each holds a database connection for
    2 s); a cheap search (a page of one collection, an item) is still answered in
    milliseconds: stated bound, median under 50 ms and every one under 1 s (before: the cheap
    searches queued behind the expensive ones, a 2.4 s median)."""
    url, _ = slow_database
    srv = own_server(url)
    stop = threading.Event()

    def attacker():
        with requests.Session() as s:
            while not stop.is_set():
                s.post(srv.base + "/search", data=slow_search(2), timeout=60,
                       headers={"Content-Type": "application/json"})

    attackers = [threading.Thread(target=attacker) for _ in range(4)]
    for t in attackers:
        t.start()
    try:
        time.sleep(0.5)
        item = items[0]
        latencies = []
        with requests.Session() as s:
            for i in range(40):
                path = (f"/collections/{item['collection']}/items/{item['id']}" if i % 2 else
                        f"/search?collections={item['collection']}&limit=10")
                start = time.monotonic()
                r = s.get(srv.base + path, timeout=10)
                latencies.append(time.monotonic() - start)
                assert r.status_code == 200, r.text[:200]
    finally:
        stop.set()
        for t in attackers:
            t.join()
    assert statistics.median(latencies) < 0.05, latencies
    assert max(latencies) < 1, latencies


def test_clients_take_turns_for_expensive_searches(own_server, slow_database):
    """One client (127.0.0.2) sends six expensive searches at once, another (127.0.0.3) one
    right after; each takes 1 s, one server thread, one connection for them. In a plain
    queue the second client would wait for all six (about 7 s); by turns it goes after the
    first: stated bound, answered within 3 s."""
    import http.client
    url, _ = slow_database
    srv = own_server(url, STACFED_THREADS=1)

    def post(source):
        conn = http.client.HTTPConnection(*_addr(srv.base), timeout=60,
                                          source_address=(source, 0))
        try:
            start = time.monotonic()
            conn.request("POST", "/search", body=slow_search(1),
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            return r.status, time.monotonic() - start
        finally:
            conn.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        flood = [pool.submit(post, "127.0.0.2") for _ in range(6)]
        time.sleep(0.3)
        status, waited = post("127.0.0.3")
        flooded = [f.result() for f in flood]
    assert status == 200
    assert all(s == 200 for s, _ in flooded), flooded
    assert waited < 3, f"the second client waited {waited:.1f} s"
    assert max(t for _, t in flooded) > 5  # the flood itself was served one at a time


# --- 1. bounded memory --------------------------------------------------------------------


def _world_polygon(vertices):
    ring = [[round(-179.0 + 358.0 * i / vertices, 6), -89.0] for i in range(vertices)]
    ring += [[179.0, -89.0], [179.0, 89.0], [-179.0, 89.0]]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def test_distinct_large_searches_keep_memory_bounded(own_server):
    """Distinct searches of about 0.9 MB each, each with a full first page (so that its
    count is cached): the server's memory stays flat. Before, every count was kept under
    its whole request as the key: 27 MB -> 888 MB in 860 requests. Stated bound: after a
    warm-up of 20, resident memory grows by less than 48 MB over 100 such searches (the
    server before the fix grew by about 130 MB)."""
    srv = own_server()
    template = json.dumps({"intersects": _world_polygon(36000), "limit": 1})
    first_vertex = "[-179.0, -89.0]"
    assert template.count(first_vertex) == 2  # the ring's first and closing position
    with requests.Session() as s:
        def search(i):
            body = template.replace(first_vertex, f"[-179.0, {-89.0 + i * 1e-6:.6f}]")
            r = s.post(srv.base + "/search", data=body,
                       headers={"Content-Type": "application/json"}, timeout=60)
            assert r.status_code == 200, r.text[:200]
            assert r.json()["numberReturned"] == 1 and "numberMatched" in r.json()

        for i in range(20):  # warm up: allocator arenas, connections, plans
            search(i)
        before = _rss_kib(srv.proc.pid)
        for i in range(20, 120):
            search(i)
        grown = _rss_kib(srv.proc.pid) - before
    assert grown < 48 * 1024, f"resident memory grew by {grown} KiB"


# --- 4. client errors are 400s ------------------------------------------------------------


UNCLOSED = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1]]]}


@pytest.mark.parametrize("path", ["/search", "/collections/CMIP6/items",
                                  "/catalogs/esgf/search"])
def test_an_unclosed_ring_is_a_400(base, path, federation):
    if path.startswith("/catalogs") and not federation["applied"]:
        pytest.skip("the catalog tree is not applied")
    r = requests.get(base + path, params={"intersects": json.dumps(UNCLOSED)})
    assert_error(r, 400)
    assert "closed" in r.json()["description"]
    if path != "/collections/CMIP6/items":
        r = requests.post(base + path, json={"intersects": UNCLOSED})
        assert_error(r, 400)


@pytest.mark.parametrize("body", [
    '{"limit": 1e400}', '{"bbox": [0, 0, 1e400, 1]}', '{"bbox": [-1e400, 0, 1, 1]}',
    '{"intersects": {"type": "Point", "coordinates": [1e400, 0]}}',
    '{"intersects": {"type": "Point", "coordinates": [200, 0]}}',
    '{"intersects": {"type": "LineString", "coordinates": [[0, 0]]}}',
    '{"intersects": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}}',
    '{"intersects": {"type": "MultiPolygon", "coordinates": [[]]}}',
    '{"datetime": "0001-01-01T00:00:00+23:59/0001-01-02T00:00:00Z", "limit": "x"}',
])
def test_out_of_range_numbers_and_bad_geometries_are_400s(base, body):
    r = requests.post(base + "/search", data=body, headers={"Content-Type": "application/json"})
    assert_error(r, 400)


def test_year_zero_after_an_offset_is_searchable(base):
    """0001-01-01T00:00:00+23:59 is in year 0 in UTC: the database rejected it (500/400
    with its message); it is a valid RFC 3339 date-time and searches like any other."""
    r = requests.get(base + "/search", params={
        "datetime": "0001-01-01T00:00:00+23:59/2100-01-01T00:00:00Z", "limit": 1})
    assert r.status_code == 200, r.text[:300]


# --- 6. NUL bytes -------------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/collections/CMIP6%00anything", "/collections/CMIP6%00x/items",
    "/search?collections=CMIP6%00x", "/search?ids=a%00b", "/catalogs/esgf%00x",
])
def test_nul_bytes_never_cut_a_value_short(base, path, items):
    r = requests.get(base + path)
    assert_error(r, 400)
    assert "NUL" in r.json()["description"]


def test_nul_in_post_strings_is_a_400(base, items):
    item = items[0]
    for body in ({"collections": [item["collection"] + "\u0000x"]},
                 {"ids": [item["id"] + "\u0000"]}, {"datetime": "2020-01-01T00:00:00Z\u0000"}):
        assert_error(requests.post(base + "/search", json=body), 400)
    doc = requests.get(f"{base}/collections/{item['collection']}/items/{item['id']}%00").json()
    assert doc.get("code") == "BadRequest"


# --- 7. untrusted bytes -------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    b"/search?%FF%FE=1", b"/search?bbox=%FF", b"/collections/%C3%28", b"/search?limit=%E2%82",
    b"/search?datetime=\xff", b"/search?ids=\xc3\x28", b"/\xff\xfe",
])
def test_error_bodies_are_valid_utf8(base, target):
    answer = _raw(base, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Connection: close\r\n\r\n")
    assert 400 <= _status(answer) < 500, answer[:200]
    body = answer.partition(b"\r\n\r\n")[2]
    doc = json.loads(body.decode("utf-8"))  # raises on invalid UTF-8
    assert doc["code"] and doc["description"]


def test_database_errors_do_not_reveal_internals(own_server, cluster):
    """A 503 while the database is missing says so plainly, with Retry-After; the statement
    name, the database's message and the socket path go to the log only."""
    name = f"conformance_{os.getpid()}_gone"
    cluster.drop_database(name)
    url = f"postgresql:///{name}?host={cluster.home}&port={cluster.port}&user=stacfed"
    srv = own_server(url)
    r = requests.get(srv.base + "/search")
    assert_error(r, 503)
    assert r.headers.get("Retry-After", "").isdigit()
    description = r.json()["description"]
    for secret in ("api_", "socket", ".s.PGSQL", cluster.home, "FATAL", name):
        assert secret not in description, description


# --- 5. log flooding ----------------------------------------------------------------------


def test_an_outage_under_load_does_not_flood_the_log(own_server, cluster):
    """1,500 requests answered 503 while the database is unreachable: a few log lines and
    a count, not one line per request (before: 522,300 lines in a one-minute outage). The
    count is written when the 10-second window closes, or at the latest when the server
    stops."""
    name = f"conformance_{os.getpid()}_outage"
    cluster.drop_database(name)
    url = f"postgresql:///{name}?host={cluster.home}&port={cluster.port}&user=stacfed"
    srv = own_server(url)
    with requests.Session() as s:
        for _ in range(1500):
            assert s.get(srv.base + "/collections/CMIP6").status_code == 503
    srv.terminate()
    lines = srv.log_path.read_text().splitlines()
    assert len(lines) < 40, "\n".join(lines[:60])
    assert any(" more in the last 10 s" in line for line in lines), "\n".join(lines)


# --- 9. page tokens -----------------------------------------------------------------------


def _first_page(base, params):
    doc = requests.get(base + "/search", params=params).json()
    link = next_link(doc)
    assert link is not None
    return doc, link["href"].split("token=")[1]


def test_number_matched_cannot_be_forged(base):
    """The old tokens were base64 of "i1n:<micros>:<matched>:..." and the server believed
    the count in them."""
    import base64
    forged = base64.urlsafe_b64encode(b"i1n:1577836800000000:999999:5:CMIP6x").rstrip(b"=")
    r = requests.get(base + "/search", params={"limit": 2, "token": forged.decode()})
    assert_error(r, 400)
    doc, token = _first_page(base, {"limit": 2})
    for i in (0, len(token) // 2, len(token) - 1):
        tampered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
        assert_error(requests.get(base + "/search", params={"limit": 2, "token": tampered}), 400)
    page = requests.get(base + "/search", params={"limit": 2, "token": token}).json()
    assert page["numberMatched"] == doc["numberMatched"]


def test_a_token_is_bound_to_its_search(base, items):
    collection = items[0]["collection"]
    _, token = _first_page(base, {"limit": 2})
    for other in ({"collections": collection}, {"bbox": "-10,-10,10,10"},
                  {"datetime": "2020-01-01T00:00:00Z/.."}):
        r = requests.get(base + "/search", params={"limit": 2, "token": token, **other})
        assert_error(r, 400)
        assert "another search" in r.json()["description"]
    r = requests.get(base + f"/collections/{collection}/items", params={"token": token})
    assert_error(r, 400)
    # The limit may change between pages.
    assert requests.get(base + "/search", params={"limit": 5, "token": token}).status_code == 200


# --- 10. smaller ones ---------------------------------------------------------------------


def test_post_search_needs_a_json_content_type(base):
    for headers in ({"Content-Type": "application/x-www-form-urlencoded"},
                    {"Content-Type": "text/plain"}, {}):
        r = requests.post(base + "/search", data='{"limit": 1}', headers=headers)
        assert_error(r, 415)
    for content_type in ("application/json", "application/json; charset=utf-8",
                         "application/geo+json", "APPLICATION/JSON"):
        r = requests.post(base + "/search", data='{"limit": 1}',
                          headers={"Content-Type": content_type})
        assert r.status_code == 200, (content_type, r.text[:200])


def test_http11_without_host_is_a_400(base):
    assert _status(_raw(base, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")) == 400
    assert _status(_raw(base, b"GET / HTTP/1.0\r\n\r\n")) == 200


def test_many_small_headers_are_limited(base):
    headers = b"".join(b"X-%d: a\r\n" % i for i in range(1000))  # ~9.9 KB
    answer = _raw(base, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n")
    assert _status(answer) == 431

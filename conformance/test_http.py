"""HTTP behaviour: keep-alive, CORS, gzip, ETag/If-None-Match, size limits, bad bodies,
robustness, graceful shutdown."""

import gzip
import http.client
import json
import socket
import time

import pytest
import requests

from stacutil import GEOJSON, JSON, assert_error, media_type

PREFLIGHT_HEADERS = ["Content-Type", "Accept", "Accept-Language", "Authorization", "Client-Site"]


def _host_port(base):
    host, port = base.split("//")[1].split(":")
    return host, int(port)


# --- keep-alive ---------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(base):
    conn = http.client.HTTPConnection(*_host_port(base), timeout=10)
    try:
        sockets = []
        for path in ("/", "/collections/CMIP6", "/search?limit=3", "/collections/nope",
                     "/search?limit=0", "/conformance"):
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            assert r.status in (200, 400, 404)
            assert (r.getheader("Connection") or "").lower() != "close", path
            sockets.append(conn.sock)
        conn.request("POST", "/search", body=json.dumps({"limit": 2}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        sockets.append(conn.sock)
        assert r.status == 200
        assert all(s is sockets[0] and s is not None for s in sockets), \
            "the server closed the connection between requests"
    finally:
        conn.close()


def test_requests_session_reuses_the_connection(base):
    with requests.Session() as s:
        for _ in range(5):
            assert s.get(base + "/search", params={"limit": 2}).status_code == 200
        pool = s.get_adapter(base).poolmanager.connection_from_url(base)
        assert pool.num_connections == 1


# --- CORS ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/collections", "/search", "/collections/CMIP6/items",
                                  "/collections/nope", "/search?limit=0"])
def test_cors_header_on_responses(base, path):
    r = requests.get(base + path, headers={"Origin": "https://browser.example.org"})
    assert r.headers.get("Access-Control-Allow-Origin") == "*", (path, r.status_code)


def test_cors_header_on_post(base):
    r = requests.post(base + "/search", json={"limit": 1},
                      headers={"Origin": "https://browser.example.org"})
    assert r.headers.get("Access-Control-Allow-Origin") == "*"


def _csv(value):
    return {v.strip().lower() for v in (value or "").split(",") if v.strip()}


@pytest.mark.parametrize("path", ["/search", "/", "/collections/CMIP6/items",
                                  "/collections/CMIP6"])
def test_cors_preflight(base, path):
    r = requests.options(base + path, headers={
        "Origin": "https://browser.example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization,accept-language",
    })
    assert r.status_code in (200, 204), r.status_code
    assert r.headers.get("Access-Control-Allow-Origin") == "*"
    methods = _csv(r.headers.get("Access-Control-Allow-Methods"))
    assert {"get", "post", "options"} <= methods, methods
    allowed = _csv(r.headers.get("Access-Control-Allow-Headers"))
    assert allowed == {"*"} or {h.lower() for h in PREFLIGHT_HEADERS} <= allowed, allowed


# --- gzip ---------------------------------------------------------------------------------


def test_gzip_when_accepted(base):
    url = base + "/search?limit=100"
    r = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding") == "gzip"
    raw = r.raw.read(decode_content=False)
    doc = json.loads(gzip.decompress(raw))
    assert doc["numberReturned"] == 100


def test_gzip_varies_on_accept_encoding(base):
    r = requests.get(base + "/search?limit=100", headers={"Accept-Encoding": "gzip"})
    assert "accept-encoding" in (r.headers.get("Vary") or "").lower()


def test_no_gzip_when_not_accepted(base):
    r = requests.get(base + "/search?limit=100", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding") in (None, "identity")
    assert r.json()["numberReturned"] == 100


def test_gzip_post(base):
    r = requests.post(base + "/search", json={"limit": 100},
                      headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding") == "gzip"
    assert r.json()["numberReturned"] == 100


# --- ETag ---------------------------------------------------------------------------------


def _conditional(url):
    with requests.Session() as s:
        first = s.get(url)
        assert first.status_code == 200
        etag = first.headers.get("ETag")
        assert etag, f"no ETag on {url}"
        again = s.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, again.status_code
        assert again.content == b""
        other = s.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200
        assert other.headers.get("ETag") == etag
        return etag


def test_if_none_match_lists_and_star(base):
    url = base + "/collections/sentinel-2-l2a"
    with requests.Session() as s:
        etag = s.get(url).headers["ETag"]
        listed = s.get(url, headers={"If-None-Match": f'"something-else", {etag}'})
        assert listed.status_code == 304
        star = s.get(url, headers={"If-None-Match": "*"})
        assert star.status_code == 304


def test_etag_on_collection(base):
    _conditional(base + "/collections/CMIP6")


def test_etag_on_item(base, items):
    item = items[50]
    _conditional(f"{base}/collections/{item['collection']}/items/{item['id']}")


def test_etag_differs_between_resources(base, items):
    a = requests.get(f"{base}/collections/{items[0]['collection']}/items/{items[0]['id']}")
    b = requests.get(f"{base}/collections/{items[1]['collection']}/items/{items[1]['id']}")
    assert a.headers.get("ETag") != b.headers.get("ETag")


# --- bodies and limits --------------------------------------------------------------------


def test_oversized_body_is_413(base):
    size = 2 * 1024 * 1024
    sock = socket.create_connection(_host_port(base), timeout=10)
    try:
        sock.sendall((f"POST /search HTTP/1.1\r\nHost: {_host_port(base)[0]}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
                      ).encode())
        chunk = b'{"ids":["' + b"x" * (64 * 1024)
        sent = 0
        try:
            while sent < size:
                piece = chunk[: min(len(chunk), size - sent)]
                sock.sendall(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading it all
        response = b""
        try:
            while b"\r\n\r\n" not in response:
                data = sock.recv(65536)
                if not data:
                    break
                response += data
        except ConnectionResetError:
            pass
        status_line = response.split(b"\r\n", 1)[0].decode(errors="replace")
        assert status_line.startswith("HTTP/1.1 413"), f"got {status_line!r}"
    finally:
        sock.close()
    # The server is still fine.
    assert requests.get(base + "/").status_code == 200


def test_huge_header_is_rejected(base):
    r = requests.get(base + "/", headers={"X-Filler": "x" * (128 * 1024)})
    assert r.status_code in (400, 413, 431), r.status_code
    assert requests.get(base + "/").status_code == 200


@pytest.mark.parametrize("body", [b"{not json", b"[1,2,3]", b'"a string"', b"{\"limit\": 5",
                                  b'{"collections": 5}', b'{"ids": [1, 2]}'])
def test_bad_post_body_is_400(base, body):
    r = requests.post(base + "/search", data=body, headers={"Content-Type": "application/json"})
    assert_error(r, 400)


def test_post_lists_as_comma_separated_strings(base):
    # As in GET: stac-api-validator (its issue 656) and some clients send a string.
    for member, value in (("collections", "CMIP6,sentinel-2-l2a"), ("ids", "a,b")):
        as_string = requests.post(base + "/search", json={member: value, "limit": 100}).json()
        as_list = requests.post(base + "/search", json={member: value.split(","),
                                                        "limit": 100}).json()
        assert as_string["features"] == as_list["features"], member


def test_post_search_with_charset_content_type(base):
    r = requests.post(base + "/search", data=json.dumps({"limit": 3}),
                      headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200
    assert r.json()["numberReturned"] == 3


def test_garbage_request_does_not_hurt_the_server(base):
    sock = socket.create_connection(_host_port(base), timeout=10)
    try:
        sock.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        try:
            data = sock.recv(4096)
        except (ConnectionResetError, socket.timeout):
            data = b""
        assert data == b"" or data.startswith(b"HTTP/1.1 4"), data[:100]
    finally:
        sock.close()
    assert requests.get(base + "/").status_code == 200


def test_slow_client_does_not_block_others(base):
    # A client that sends half a request and waits must not hold up anyone else.
    slow = [socket.create_connection(_host_port(base), timeout=10) for _ in range(8)]
    try:
        for s in slow:
            s.sendall(b"GET /search HTTP/1.1\r\nHost: x\r\n")
        start = time.monotonic()
        for _ in range(5):
            assert requests.get(base + "/search", params={"limit": 5}, timeout=5).status_code \
                == 200
        assert time.monotonic() - start < 5
    finally:
        for s in slow:
            s.close()


def test_head_or_405_for_other_methods(base):
    r = requests.delete(base + "/search")
    assert r.status_code in (404, 405), r.status_code
    if r.status_code == 405:
        assert "GET" in (r.headers.get("Allow") or "")


def test_json_content_types(base, items):
    assert media_type(requests.get(base + "/")) == JSON
    assert media_type(requests.get(base + "/collections")) == JSON
    assert media_type(requests.get(base + "/collections/CMIP6")) == JSON
    assert media_type(requests.get(base + "/conformance")) == JSON
    assert media_type(requests.get(base + "/collections/CMIP6/items")) == GEOJSON
    item = items[0]
    assert media_type(requests.get(
        f"{base}/collections/{item['collection']}/items/{item['id']}")) == GEOJSON


# --- shutdown -----------------------------------------------------------------------------


def test_graceful_shutdown_on_sigterm(database_url, workdir):
    """A separate server: SIGTERM with an idle keep-alive connection open and a request in
    flight must end the process promptly with status 0."""
    from conftest import Server

    srv = Server(database_url, workdir)
    try:
        assert srv.wait_ready(), srv.log()
        idle = http.client.HTTPConnection(*_host_port(srv.base), timeout=10)
        idle.request("GET", "/")
        idle.getresponse().read()  # now idle on a keep-alive connection
        start = time.monotonic()
        status = srv.terminate(timeout=10)
        elapsed = time.monotonic() - start
        idle.close()
        assert status == 0, f"exit status {status} after SIGTERM:\n{srv.log()}"
        assert elapsed < 5, f"shutdown took {elapsed:.1f} s"
    finally:
        srv.terminate()


def test_head_answers_without_a_body(base):
    r = requests.head(base + "/collections/CMIP6")
    assert r.status_code == 200
    assert r.content == b""
    assert media_type(r) == JSON


def test_concurrent_requests_agree(base, items):
    """Many clients at once (the pool, the I/O threads): every answer is complete and equal
    to the answer given to a lone client."""
    from concurrent.futures import ThreadPoolExecutor

    queries = [
        ("GET", "/search", {"limit": 50}),
        ("GET", "/search", {"collections": "sentinel-2-l2a", "bbox": "4.5,43.5,10.5,50.5"}),
        ("POST", "/search", {"datetime": "2000-01-01T00:00:00Z/2002-12-31T00:00:00Z",
                             "limit": 40}),
        ("GET", f"/collections/{items[5]['collection']}/items/{items[5]['id']}", None),
        ("GET", "/collections/CMIP6/items", {"limit": 13}),
    ]

    def run(query):
        method, path, params = query
        with requests.Session() as s:
            if method == "POST":
                r = s.post(base + path, json=params, timeout=30)
            else:
                r = s.get(base + path, params=params, timeout=30)
            return r.status_code, r.json()

    alone = [run(q) for q in queries]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(run, queries * 24))
    for n, (status, doc) in enumerate(results):
        assert status == 200
        expected = alone[n % len(queries)][1]
        if "features" in expected:
            assert [f["id"] for f in doc["features"]] == [f["id"] for f in expected["features"]]
        else:
            assert doc == expected


def test_pipelined_requests(base):
    """HTTP/1.1 pipelining: two requests sent at once get two responses, in order."""
    sock = socket.create_connection(_host_port(base), timeout=10)
    try:
        sock.sendall(b"GET /collections/CMIP6 HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /collections/nope HTTP/1.1\r\nHost: x\r\n\r\n")
        reader = sock.makefile("rb")
        statuses = []
        for _ in range(2):
            status = reader.readline().split()[1]
            headers = {}
            while True:
                line = reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            if headers.get("transfer-encoding", "").lower() == "chunked":
                while True:
                    size = int(reader.readline().split(b";")[0], 16)
                    reader.read(size + 2)  # the chunk and its CRLF
                    if size == 0:
                        break
            else:
                reader.read(int(headers["content-length"]))
            statuses.append(int(status))
        assert statuses == [200, 404]
    finally:
        sock.close()


def test_chunked_request_body(base):
    body = json.dumps({"limit": 3, "collections": ["CMIP6"]}).encode()
    chunks = (body[i:i + 7] for i in range(0, len(body), 7))
    r = requests.post(base + "/search", data=chunks, headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text[:200]
    assert r.json()["numberReturned"] == 3

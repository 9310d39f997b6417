"""Behaviour that needs a server of its own: a configured public base URL, read and idle
timeouts, the database being unavailable and coming back. Each test starts its own
`stacfed serve` (configured through the environment variables of server/http/server_options)."""

import os
import socket
import time

import requests

from stacutil import assert_error, one_link


def _addr(srv):
    return ("127.0.0.1", srv.port)


def test_links_use_a_trusted_host_of_the_request(own_server):
    srv = own_server(STACFED_ALLOWED_HOSTS="stac.example.org:8443, stac.example.org")
    r = requests.get(srv.base + "/", headers={"Host": "stac.example.org:8443"})
    assert one_link(r.json(), "self")["href"] == "http://stac.example.org:8443/"
    doc = requests.get(srv.base + "/collections/CMIP6", headers={"Host": "stac.example.org"}).json()
    assert one_link(doc, "self")["href"] == "http://stac.example.org/collections/CMIP6"


def test_an_untrusted_host_is_never_echoed_into_links(base):
    """Issue 13: the Host header was copied unchecked into every link (cache poisoning, or
    invalid UTF-8 in the JSON). A host the server does not know gives links to the address
    the client connected to; a Host that is no host at all is a 400."""
    port = base.rsplit(":", 1)[1]
    for host in ("evil.example.org", "evil.example.org:" + port, "localhost:1"):
        doc = requests.get(base + "/", headers={"Host": host}).json()
        for link in doc["links"]:
            assert link["href"].startswith(base + "/"), (host, link)
    doc = requests.get(base + "/", headers={"Host": "localhost:" + port}).json()
    assert one_link(doc, "self")["href"] == f"http://localhost:{port}/"
    for host in (b"ev\xffil.org", b"a b", b"user@host", b"host:99999"):
        with socket.create_connection(_addr_of(base), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
            head = sock.recv(65536).split(b"\r\n")[0]
        assert head.startswith(b"HTTP/1.1 400"), (host, head)


def _addr_of(base):
    host, port = base.split("//")[1].split(":")
    return host, int(port)


def test_configured_public_url(own_server, items):
    srv = own_server(STACFED_PUBLIC_URL="https://stac.example.org")
    landing = requests.get(srv.base + "/").json()
    assert one_link(landing, "self")["href"] == "https://stac.example.org/"
    for link in landing["links"]:
        assert link["href"].startswith("https://stac.example.org/"), link
    item = items[0]
    doc = requests.get(f"{srv.base}/collections/{item['collection']}/items/{item['id']}").json()
    assert one_link(doc, "self")["href"] == \
        f"https://stac.example.org/collections/{item['collection']}/items/{item['id']}"
    page = requests.get(srv.base + "/search", params={"limit": 2}).json()
    nxt = [link for link in page["links"] if link["rel"] == "next"][0]
    assert nxt["href"].startswith("https://stac.example.org/search?")


def _closed_within(sock, seconds):
    """True when the server closes (or answers and closes) the connection in time."""
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def test_read_timeout_drops_a_slow_client(own_server):
    srv = own_server(STACFED_READ_TIMEOUT_MS=500, STACFED_IDLE_TIMEOUT_MS=500)
    sock = socket.create_connection(_addr(srv), timeout=5)
    try:
        sock.sendall(b"GET /search HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        start = time.monotonic()
        assert _closed_within(sock, 5), "a half-sent request held the connection for 5 s"
        assert time.monotonic() - start < 4
    finally:
        sock.close()
    assert requests.get(srv.base + "/").status_code == 200


def test_idle_keep_alive_connection_is_closed(own_server):
    srv = own_server(STACFED_IDLE_TIMEOUT_MS=500)
    sock = socket.create_connection(_addr(srv), timeout=5)
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        assert data.startswith(b"HTTP/1.1 200")
        assert _closed_within(sock, 5), "an idle keep-alive connection stayed open for 5 s"
    finally:
        sock.close()


def test_database_down_gives_503_then_recovers(own_server, cluster):
    """The server starts while its database does not exist yet: searches answer 503 with a
    clear body; once the database appears the service resumes on its own."""
    name = f"conformance_{os.getpid()}_late"
    cluster.drop_database(name)
    url = f"postgresql:///{name}?host={cluster.home}&port={cluster.port}&user=stacfed"
    srv = own_server(url)
    try:
        r = requests.get(srv.base + "/search", timeout=30)
        assert_error(r, 503)
        assert_error(requests.get(srv.base + "/collections/CMIP6", timeout=30), 503)
        cluster.create_database(name)
        deadline = time.monotonic() + 20
        while True:
            r = requests.get(srv.base + "/search", timeout=30)
            if r.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.25)
        assert r.status_code == 200, f"still {r.status_code} 20 s after the database came back"
        assert r.json()["features"] == []
    finally:
        srv.terminate()
        cluster.drop_database(name)


def test_number_matched_above_the_count_limit_is_omitted(own_server, items, http):
    from stacutil import keys_of, walk_get, walk_post
    srv = own_server(STACFED_COUNT_LIMIT=20)
    small = "destine-climate-dt"  # 15 items, below the limit
    doc = http.get(srv.base + "/search", params={"collections": small, "limit": 4}).json()
    assert doc["numberMatched"] == sum(1 for i in items if i["collection"] == small)
    world = "-180,-90,180,90"  # a filter: its matches are counted, up to the limit
    doc = http.get(srv.base + "/search", params={"limit": 4, "bbox": world}).json()
    assert "numberMatched" not in doc, "138 matches exceed STACFED_COUNT_LIMIT=20"
    assert doc["numberReturned"] == 4
    # Whole collections are not counted but summed (their item counts): always exact.
    doc = http.get(srv.base + "/search", params={"limit": 4}).json()
    assert doc["numberMatched"] == len(items)
    # Paging is exact without a count.
    every = {(i["collection"], i["id"]) for i in items if i.get("geometry")}
    for pages in (walk_get(http, srv.base + "/search", {"limit": 9, "bbox": world}),
                  walk_post(http, srv.base + "/search", {"limit": 9,
                                                         "bbox": [-180, -90, 180, 90]})):
        got = [k for p in pages for k in keys_of(p)]
        assert len(got) == len(set(got)) and set(got) == every
        for page in pages:
            if "numberMatched" in page:
                assert page["numberMatched"] == len(every)


def test_a_slow_count_finishes_in_the_background(own_server, items, http):
    """A first page does not wait for a count beyond STACFED_COUNT_WAIT_MS: it goes without
    numberMatched, the count finishes on its own and the same search then has it."""
    srv = own_server(STACFED_COUNT_WAIT_MS=0, STACFED_COUNT_CACHE_SECONDS=600)
    params = {"limit": 2, "bbox": "-180,-90,180,90"}
    want = sum(1 for i in items if i.get("geometry"))
    first = http.get(srv.base + "/search", params=params).json()
    assert "numberMatched" not in first, "a count of 0 ms cannot have been waited for"
    deadline = time.monotonic() + 10
    while True:
        doc = http.get(srv.base + "/search", params=params).json()
        if "numberMatched" in doc or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert doc.get("numberMatched") == want
    # Waiting as long as it takes: the first page has it at once.
    srv = own_server(STACFED_COUNT_WAIT_MS=-1)
    assert http.get(srv.base + "/search", params=params).json()["numberMatched"] == want


def test_etag_changes_when_the_item_changes(own_server, cluster, workdir, stac_bin, items,
                                           collections):
    """Upserting a changed item while the server runs: the old ETag no longer matches and the
    new content is served (no stale cache)."""
    import json
    import subprocess
    from conftest import _base_env

    name = f"conformance_{os.getpid()}_etag"
    cluster.drop_database(name)
    url = cluster.create_database(name)
    try:
        item = json.loads(json.dumps(next(i for i in items
                                          if i["collection"] == "destine-climate-dt")))
        collection_file = os.path.join(workdir, "etag-collection.json")
        item_file = os.path.join(workdir, "etag-item.json")
        with open(collection_file, "w") as f:
            json.dump(collections["destine-climate-dt"], f)

        def load(doc):
            with open(item_file, "w") as f:
                json.dump(doc, f)
            env = _base_env()
            env["DATABASE_URL"] = url
            proc = subprocess.run([stac_bin, "load", collection_file, item_file], env=env,
                                  capture_output=True, text=True, timeout=60)
            assert proc.returncode == 0, proc.stderr

        load(item)
        srv = own_server(url)
        href = f"{srv.base}/collections/{item['collection']}/items/{item['id']}"
        first = requests.get(href)
        etag = first.headers["ETag"]
        assert requests.get(href, headers={"If-None-Match": etag}).status_code == 304
        item["properties"]["order:status"] = "succeeded"
        load(item)
        second = requests.get(href, headers={"If-None-Match": etag})
        assert second.status_code == 200, "a stale ETag still matched after the item changed"
        assert second.json()["properties"]["order:status"] == "succeeded"
        assert second.headers["ETag"] != etag
    finally:
        cluster.drop_database(name)

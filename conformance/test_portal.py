"""The portal (stac-browser) at /browser/: static files of a build (a small stand-in build
here; the real one is driven in a browser by tests/portal), run-time configuration, history
fallback, gzip, cache headers, traversal, the 404 page without a build, and how the landing
page leads browsers to it."""

import gzip
import http.client
import json
import re

import pytest

from stacutil import links_by_rel

APP_JS = "console.log('stacfed portal');\n" * 200       # > 1 KB: precompressed by the build
APP_CSS = "body { margin: 0 }\n" * 200                    # no .gz: compressed on the fly
INDEX = ('<!doctype html><html><head><script defer src="/browser/config.js"></script>'
         '<script defer src="/browser/js/app.0123abcd.js"></script></head>'
         '<body><div id="stac-browser"></div></body></html>')
BROWSER_ACCEPT = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
                  "image/webp,*/*;q=0.8")


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal")
    (root / "secret.txt").write_text("outside the dist")
    d = root / "dist"
    (d / "js").mkdir(parents=True)
    (d / "css").mkdir()
    (d / "index.html").write_text(INDEX)
    (d / "js" / "app.0123abcd.js").write_text(APP_JS)
    (d / "js" / "app.0123abcd.js.gz").write_bytes(gzip.compress(APP_JS.encode()))
    (d / "css" / "app.89abcdef.css").write_text(APP_CSS)
    (d / "sw.js").write_text("self.addEventListener('install', () => {});\n")
    (d / ".stamp").write_text("hidden")
    return d


@pytest.fixture(scope="module")
def portal_server(database_url, workdir, dist):
    from conftest import Server
    srv = Server(database_url, workdir, {"STACFED_PORTAL_DIR": str(dist)})
    assert srv.wait_ready(), srv.log()
    yield srv
    srv.terminate()


def raw_get(base, path, headers=None):
    """GET with the path sent exactly as written (no client-side normalisation)."""
    host, port = base.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_index_and_deep_links_answer_the_app(portal_server, http):
    base = portal_server.base
    for path in ("/browser/", "/browser/catalogs/dkrz", "/browser/catalogs/dkrz/",
                 "/browser/collections/CMIP6.ScenarioMIP/items/tas.v20200101", "/browser/search",
                 "/browser/search/catalogs/esgf", "/browser/external/example.org/stac/x.json"):
        r = http.get(base + path)
        assert r.status_code == 200, path
        assert r.headers["Content-Type"] == "text/html; charset=utf-8", path
        assert r.text == INDEX, path
        assert r.headers["Cache-Control"] == "no-cache", path
        assert r.headers.get("ETag"), path


def test_browser_without_slash_redirects(portal_server):
    status, headers, _ = raw_get(portal_server.base, "/browser")
    assert status == 301
    assert headers["location"] == portal_server.base + "/browser/"


def test_hashed_assets_are_immutable_and_precompressed(portal_server, http):
    base = portal_server.base
    r = http.get(base + "/browser/js/app.0123abcd.js", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert r.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["Vary"]
    assert r.text == APP_JS  # requests decodes: the .gz holds the same file
    # Exactly the precompressed bytes, not compressed twice.
    status, headers, body = raw_get(base, "/browser/js/app.0123abcd.js",
                                    {"Accept-Encoding": "gzip"})
    assert status == 200 and gzip.decompress(body).decode() == APP_JS
    assert int(headers["content-length"]) == len(body)
    # Without gzip: the file itself.
    status, headers, body = raw_get(base, "/browser/js/app.0123abcd.js",
                                    {"Accept-Encoding": "identity"})
    assert status == 200 and "content-encoding" not in headers and body.decode() == APP_JS


def test_files_without_gz_are_compressed_on_the_fly(portal_server):
    status, headers, body = raw_get(portal_server.base, "/browser/css/app.89abcdef.css",
                                    {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-type"] == "text/css; charset=utf-8"
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body).decode() == APP_CSS


def test_unhashed_files_are_revalidated(portal_server, http):
    r = http.get(portal_server.base + "/browser/sw.js")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-cache"
    again = http.get(portal_server.base + "/browser/sw.js",
                     headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_missing_assets_are_404_not_the_app(portal_server, http):
    for path in ("/browser/js/app.ffffffff.js", "/browser/css/none.css", "/browser/favicon.ico"):
        r = http.get(portal_server.base + path)
        assert r.status_code == 404, path
        assert set(r.json()) == {"code", "description"}, path


@pytest.mark.parametrize("path", [
    "/browser/../secret.txt", "/browser/js/../../secret.txt", "/browser/%2e%2e/secret.txt",
    "/browser/%2E%2E/secret.txt", "/browser/js/..%2F..%2Fsecret.txt", "/browser/..%5Csecret.txt",
    "/browser/.stamp", "/browser/%2estamp", "/browser/js/app.0123abcd.js%00",
    "/browser//etc/passwd",
])
def test_no_file_outside_the_build(portal_server, path):
    status, _, body = raw_get(portal_server.base, path)
    assert status in (400, 404), (path, status)
    assert b"outside the dist" not in body and b"hidden" != body, path


def test_config_names_the_root_exactly(portal_server, http):
    base = portal_server.base
    r = http.get(base + "/browser/config.js")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-cache"
    m = re.fullmatch(r"window\.STAC_BROWSER_CONFIG = (\{.*\});\n", r.text)
    assert m, r.text
    config = json.loads(m.group(1))
    landing = http.get(base + "/").json()
    assert config["catalogUrl"] == links_by_rel(landing, "self")[0]["href"]
    assert config["catalogTitle"] == landing["title"]


def test_config_behind_a_public_url(own_server, http, dist):
    srv = own_server(STACFED_PORTAL_DIR=str(dist), STACFED_PUBLIC_URL="https://stac.example.org",
                     STACFED_CATALOG_TITLE="Climate data at \"example\"")
    text = http.get(srv.base + "/browser/config.js").text
    config = json.loads(text[len("window.STAC_BROWSER_CONFIG = "):-2])
    landing = http.get(srv.base + "/").json()
    assert config["catalogUrl"] == links_by_rel(landing, "self")[0]["href"] \
        == "https://stac.example.org/"
    assert config["catalogTitle"] == landing["title"] == 'Climate data at "example"'
    assert links_by_rel(landing, "alternate")[0]["href"] == "https://stac.example.org/browser/"


def test_landing_links_the_portal(portal_server, http):
    base = portal_server.base
    landing = http.get(base + "/").json()
    [alternate] = links_by_rel(landing, "alternate")
    assert alternate == {"rel": "alternate", "type": "text/html",
                         "title": "Browse this catalog", "href": base + "/browser/"}
    catalogs = http.get(base + "/catalogs").json()["catalogs"]
    if not catalogs:
        pytest.skip("no catalog tree applied")
    for catalog in catalogs[:3]:
        self_href = links_by_rel(catalog, "self")[0]["href"]
        doc = http.get(self_href).json()
        [alternate] = links_by_rel(doc, "alternate")
        assert alternate["type"] == "text/html"
        # stac-browser's path of a URL below its catalogUrl: the same path under /browser/.
        assert alternate["href"] == base + "/browser/" + self_href[len(base) + 1:]


def test_browsers_are_sent_to_the_portal(portal_server, http):
    base = portal_server.base
    status, headers, _ = raw_get(base, "/", {"Accept": BROWSER_ACCEPT})
    assert status == 303
    assert headers["location"] == base + "/browser/"
    assert "Accept" in headers.get("vary", "")
    # API clients (requests, curl, pystac-client, stac-browser's own axios) get the landing page.
    for accept in ("*/*", "application/json", "application/json, text/plain, */*", None):
        status, headers, body = raw_get(base, "/", {"Accept": accept} if accept else {})
        assert status == 200, accept
        assert json.loads(body)["type"] == "Catalog", accept


def test_without_a_build_browser_says_how_to_build_it(own_server, http, tmp_path):
    srv = own_server(STACFED_PORTAL_DIR=str(tmp_path / "nothing"))
    r = http.get(srv.base + "/browser/")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html")
    assert "portal/build.sh" in r.text
    # The API is served all the same, and browsers are not sent to a portal that is not there.
    status, _, body = raw_get(srv.base, "/", {"Accept": BROWSER_ACCEPT})
    assert status == 200 and json.loads(body)["type"] == "Catalog"
    assert http.get(srv.base + "/collections").status_code == 200

"""Session fixtures of the black-box conformance suite.

The suite runs `stacfed serve` on a throwaway database holding the fixture data of
conformance/fixtures/ and talks to it over HTTP only.

* Database: with STACFED_TEST_PG_HOME/STACFED_TEST_PG_PORT set (deploy/test.sh), a fresh
  database is cloned from the migrated template `stacfed_template` of that cluster; without
  them the suite starts its own throwaway cluster (`stacfed db start` + `stacfed migrate`)
  and removes it at the end.
* Binary: $STACFED_BIN, default build/stacfed of this repository.
* Data: `stacfed load fixtures/*.json`, then `stacfed federation apply` of
  fixtures/federation/federation.json (test_catalogs.py skips when that fails).
* When `stacfed serve` is still a placeholder ("not available yet"), every test is skipped.
* A test during which the server dies fails with the server's log; the server is restarted.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stacutil  # noqa: E402

# No request may hang the suite (and deploy/test.sh) when the server stops answering.
_request = requests.sessions.Session.request


def _request_with_timeout(self, method, url, **kwargs):
    if kwargs.get("timeout") is None:
        kwargs["timeout"] = 30
    return _request(self, method, url, **kwargs)


requests.sessions.Session.request = _request_with_timeout

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FEDERATION_FILE = FIXTURES / "federation" / "federation.json"
TEMPLATE = "stacfed_template"
# Whether `stacfed federation apply` of FEDERATION_FILE succeeded, and its output.
FEDERATION = {"applied": False, "message": "not attempted"}
NOT_AVAILABLE = "not available yet"


def _bin():
    return os.environ.get("STACFED_BIN") or str(REPO / "build" / "stacfed")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _url(host, port, database):
    return f"postgresql:///{database}?host={host}&port={port}&user=stacfed"


# Settings of the caller's environment that may pass through to the processes we start; any
# other STACFED_* (a public URL, limits, timeouts) would change what the tests expect.
_PASS_THROUGH = {"STACFED_SOURCE_DIR", "STACFED_PG_BIN", "STACFED_DB_OS_USER", "STACFED_LOG_LEVEL",
                 "STACFED_BIN"}


def _base_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("STACFED_") or k in _PASS_THROUGH}
    env.setdefault("STACFED_SOURCE_DIR", str(REPO))
    env.pop("DATABASE_URL", None)
    return env


def _run(args, env, what, timeout=300):
    proc = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{proc.stdout}\n"
                           f"{proc.stderr}")
    return proc


def _psql(host, port, sql):
    return _run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", _url(host, port, "postgres"),
                 "-c", sql], _base_env(), f"psql {sql!r}", timeout=60)


class Cluster:
    """The PostgreSQL cluster the suite uses: the test run's or our own."""

    def __init__(self):
        self.home = os.environ.get("STACFED_TEST_PG_HOME")
        self.port = int(os.environ.get("STACFED_TEST_PG_PORT", "0") or 0)
        self.owned = False
        if not self.home:
            self._start_own()

    def _start_own(self):
        # /tmp is reachable by the unprivileged user the cluster runs as when we are root.
        self.home = tempfile.mkdtemp(prefix="stacfed-conf-", dir="/tmp")
        os.chmod(self.home, 0o755)
        self.port = free_port()
        self.owned = True
        env = _base_env()
        env.update(STACFED_HOME=self.home, STACFED_DB_PORT=str(self.port),
                   STACFED_DB_EPHEMERAL="1", STACFED_DB_NAME=TEMPLATE)
        try:
            _run([_bin(), "db", "start"], env, "stacfed db start")
            env["DATABASE_URL"] = _url(self.home, self.port, TEMPLATE)
            _run([_bin(), "migrate"], env, "stacfed migrate")
        except BaseException:
            self.close()
            raise

    def create_database(self, name):
        last = None
        for _ in range(50):  # the template must have no other session while it is copied
            try:
                _psql(self.home, self.port, f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}')
                return _url(self.home, self.port, name)
            except RuntimeError as e:
                last = e
                time.sleep(0.1)
        raise last

    def drop_database(self, name):
        try:
            _psql(self.home, self.port, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except (RuntimeError, subprocess.TimeoutExpired):
            pass

    def close(self):
        if not self.owned:
            return
        env = _base_env()
        env.update(STACFED_HOME=self.home, STACFED_DB_PORT=str(self.port))
        subprocess.run([_bin(), "db", "stop"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
        shutil.rmtree(self.home, ignore_errors=True)


class Server:
    """One `stacfed serve` process."""

    def __init__(self, database_url, log_dir, extra_env=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_dir = Path(log_dir)
        self.env = _base_env()
        self.env["DATABASE_URL"] = database_url
        # First pages wait for their counts: numberMatched on them does not depend on how
        # busy the machine is (test_resilience.py tests the background counts).
        self.env["STACFED_COUNT_WAIT_MS"] = "-1"
        self.env.update(extra_env or {})
        self.starts = 0
        self._start()

    def _start(self):
        self.starts += 1
        self.log_path = self.log_dir / f"serve-{self.port}-{self.starts}.log"
        self._log = open(self.log_path, "w+")
        self.proc = subprocess.Popen([_bin(), "serve", "--listen", f"127.0.0.1:{self.port}"],
                                     env=self.env, stdout=self._log, stderr=subprocess.STDOUT)

    def restart(self):
        """Starts the server again on the same port (after it died)."""
        self.terminate()
        self._start()
        return self.wait_ready()

    def log(self):
        try:
            return self.log_path.read_text()[-4000:]
        except OSError:
            return ""

    def wait_ready(self, timeout=20.0):
        """True when GET / answers; False when the process exited first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                requests.get(self.base + "/", timeout=1)
                return True
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError(f"stacfed serve did not answer GET / within {timeout} s:\n"
                           f"{self.log()}")

    def terminate(self, timeout=10.0):
        """SIGTERM; returns the exit status, or None when it had to be killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._log.close()
                return None
        self._log.close()
        return self.proc.returncode


@pytest.fixture(scope="session")
def stac_bin():
    path = _bin()
    if not os.access(path, os.X_OK):
        pytest.fail(f"no stacfed executable at {path}: build it or set STACFED_BIN")
    return path


@pytest.fixture(scope="session")
def workdir():
    """Server logs live here; STACFED_CONFORMANCE_KEEP=1 keeps them after the run."""
    path = tempfile.mkdtemp(prefix="stacfed-conf-run-")
    yield path
    if os.environ.get("STACFED_CONFORMANCE_KEEP") == "1":
        print(f"\nconformance: server logs kept in {path}")
    else:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def cluster(stac_bin):
    """The PostgreSQL cluster: the test run's, or our own throwaway one."""
    c = Cluster()
    yield c
    c.close()


@pytest.fixture(scope="session")
def database_url(stac_bin, workdir, cluster):
    """A fresh database with the fixture data loaded."""
    name = f"conformance_{os.getpid()}"
    try:
        url = cluster.create_database(name)
        # Is there a server at all? Probe before spending time on loading.
        probe = Server(url, workdir)
        ready = probe.wait_ready()
        status = probe.terminate()
        if not ready:
            log = probe.log()
            if NOT_AVAILABLE in log:
                pytest.skip(f"stacfed serve is not available yet: {log.strip()}")
            pytest.fail(f"stacfed serve exited with {status} before answering:\n{log}")
        env = _base_env()
        env["DATABASE_URL"] = url
        files = sorted(str(p) for p in FIXTURES.glob("*.json"))
        _run([stac_bin, "load", *files], env, "stacfed load of the fixtures")
        # Statistics, as autovacuum gathers them on a live database: the search service
        # reads those of the facets to choose a filter's statement (server/search/facet_stats).
        _run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", "ANALYZE"], env, "ANALYZE")
        # The catalog tree (issue 4). Optional: test_catalogs.py skips when it did not apply.
        proc = subprocess.run([stac_bin, "federation", "apply", str(FEDERATION_FILE)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=120)
        FEDERATION["applied"] = proc.returncode == 0
        FEDERATION["message"] = proc.stdout.strip()
        yield url
    finally:
        cluster.drop_database(name)


@pytest.fixture(scope="session")
def server(database_url, workdir):
    srv = Server(database_url, workdir)
    if not srv.wait_ready():
        pytest.fail(f"stacfed serve exited with {srv.proc.returncode}:\n{srv.log()}")
    yield srv
    status = srv.terminate()
    if status != 0:  # test_graceful_shutdown_on_sigterm checks this strictly
        warnings.warn(f"stacfed serve ended with status {status} after SIGTERM:\n{srv.log()}")


@pytest.fixture(scope="session")
def base(server):
    """The server's base URL, e.g. http://127.0.0.1:PORT (no trailing slash)."""
    return server.base


@pytest.fixture(autouse=True)
def _server_survives(request):
    """Fails the test during which the server process died, and starts it again so the
    rest of the suite still says something useful."""
    if "base" not in request.fixturenames and "server" not in request.fixturenames:
        yield
        return
    srv = request.getfixturevalue("server")
    yield
    status = srv.proc.poll()
    if status is not None:
        log = srv.log()
        restarted = srv.restart()
        pytest.fail(f"stacfed serve DIED during this test (exit status {status}; "
                    f"restarted: {restarted}). Log tail:\n{log}", pytrace=False)


@pytest.fixture
def own_server(database_url, workdir):
    """Starts servers of a test's own, configured through the environment
    (server/http/server_options.hpp): own_server(url=None, STACFED_X=...)."""
    started = []

    def start(url=None, **env):
        srv = Server(url or database_url, workdir, {k: str(v) for k, v in env.items()})
        started.append(srv)
        assert srv.wait_ready(), srv.log()
        return srv

    yield start
    for srv in started:
        srv.terminate()


@pytest.fixture
def http():
    """A fresh requests.Session per test (keep-alive inside the test)."""
    with requests.Session() as s:
        yield s


@pytest.fixture(scope="session")
def fixtures():
    return stacutil.load_fixtures()


@pytest.fixture(scope="session")
def items(fixtures):
    return fixtures[1]


@pytest.fixture(scope="session")
def collections(fixtures):
    return fixtures[0]


@pytest.fixture(scope="session")
def landing(base):
    r = requests.get(base + "/")
    assert r.status_code == 200, r.text[:300]
    return r.json()


@pytest.fixture(scope="session")
def federation(database_url):
    """{"applied": bool, "message": str} for the fixture federation file."""
    return FEDERATION


# ---- the demo catalog, as deploy/run.sh produces it ------------------------------------------

DEMO_PUBLIC = "http://demo.stacfed.test"


@pytest.fixture(scope="session")
def demo(stac_bin, workdir, cluster):
    """A server over the demo catalog, harvested by deploy/demo/load.py as deploy/run.sh does
    it (after `stacfed migrate`, which the template had), with the public URL the harvest
    named the extension by. Yields the Server (its .base answers; links name DEMO_PUBLIC)."""
    name = f"demo_{os.getpid()}"
    try:
        url = cluster.create_database(name)
        env = _base_env()
        env["DATABASE_URL"] = url
        env["STACFED_PUBLIC_URL"] = DEMO_PUBLIC
        _run([sys.executable, str(REPO / "deploy" / "demo" / "load.py"), "--stacfed", stac_bin], env,
             "deploy/demo/load.py", timeout=600)
        srv = Server(url, workdir, {"STACFED_PUBLIC_URL": DEMO_PUBLIC})
        if not srv.wait_ready():
            pytest.fail(f"stacfed serve exited with {srv.proc.returncode}:\n{srv.log()}")
        yield srv
        srv.terminate()
    finally:
        cluster.drop_database(name)

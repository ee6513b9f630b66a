"""Fixtures of the browser tests: the built book served on localhost, and headless Chromium driving it.

The tests read the HTML of the strict ci build (``make book-ci`` writes ``_build/ci/_build/html``; ``BOOK_HTML``
points them at another build, e.g. ``BOOK_HTML=_build/html`` for the published one). The book is served by a
``http.server`` thread on 127.0.0.1, and Chromium resolves no other host, so a page that needs the network fails
its tests. Every page is saved as full-page screenshots under ``_build/screenshots/`` (``BOOK_SCREENSHOTS``).

Chromium is Debian's ``chromium`` with its ``chromium-driver`` (``CHROMIUM`` and ``CHROMEDRIVER`` name other
binaries), driven by selenium. Without them the tests skip with a message saying how to install them; with
``CI=true`` they fail instead, since CI must run them.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOW_TO_ENABLE = ("install Chromium and its driver (Debian/Ubuntu: `sudo apt-get install chromium chromium-driver`), "
                 "build the book with `make book-ci`, then run `make browser`")


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str):
    """Skip on a user's machine; fail on CI, where the browser tests must run."""
    if on_ci():
        pytest.fail(f"{reason}: the browser tests must run on CI (CI=true)", pytrace=False)
    pytest.skip(f"{reason}; to enable the browser tests, {HOW_TO_ENABLE}")


@pytest.fixture(scope="session")
def site() -> Path:
    """Folder of the built HTML book."""
    path = Path(os.environ.get("BOOK_HTML", REPO / "_build" / "ci" / "_build" / "html"))
    if not (path / "index.html").is_file():
        unavailable(f"no built book in {path}")
    return path


@pytest.fixture(scope="session")
def screenshots() -> Path:
    path = Path(os.environ.get("BOOK_SCREENSHOTS", REPO / "_build" / "screenshots"))
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass

    def send_head(self):
        # The book has no favicon; browsers ask for /favicon.ico all the same. Answer "no content" rather than
        # 404, so that the console stays free of errors that are not the book's.
        if self.path.split("?")[0] == "/favicon.ico" and not Path(self.translate_path(self.path)).exists():
            self.send_response(204)
            self.end_headers()
            return None
        return super().send_head()


@pytest.fixture(scope="session")
def base_url(site: Path):
    """``http://127.0.0.1:<port>/`` serving the book."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


def _find(env: str, *names: str) -> str | None:
    if os.environ.get(env):
        return shutil.which(os.environ[env])
    for name in names:
        if found := shutil.which(name):
            return found
    return None


@pytest.fixture(scope="session")
def driver(tmp_path_factory):
    """Headless Chromium (selenium), offline: every host name but 127.0.0.1 fails to resolve."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        unavailable("selenium is not installed (it is pinned in requirements.txt)")
    chromium = _find("CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    chromedriver = _find("CHROMEDRIVER", "chromedriver")
    if chromium is None or chromedriver is None:
        unavailable("Chromium or chromedriver not found")

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,1000",
                 "--force-device-scale-factor=1",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    browser.set_page_load_timeout(60)
    browser.set_script_timeout(60)
    yield browser
    browser.quit()

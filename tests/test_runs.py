"""Tests of rglib.runs: specs, fingerprints, storage, resume, stale and corrupt results, executors, bad input."""
import concurrent.futures as cf
import doctest
import importlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from rglib.runs import (
    CorruptResultError,
    SerialExecutor,
    Spec,
    StaleResultsError,
    code_fingerprint,
    run_sweep,
    spec_grid,
)
from rglib.runs.fingerprint import package_dir
from rglib.runs.storage import read_point
from rglib.runs.sweep import _compute_point

SPECS = spec_grid({"mu": [0.0, 0.5, 2.0], "n": [16, 33]}, seeds=2)


def noisy_point(spec):
    """Module-level (importable by process-pool workers), deterministic given the spec."""
    rng = np.random.default_rng(spec.seed)
    x = rng.normal(spec["mu"], 1.0, size=spec["n"])
    return {"mean": float(x.mean()), "x": x, "n": spec["n"], "pair": (spec["mu"], "ok")}


def expected(spec):
    x = np.random.default_rng(spec.seed).normal(spec["mu"], 1.0, size=spec["n"])
    return x


def assert_point_correct(spec, value):
    x = expected(spec)
    assert np.array_equal(value["x"], x) and value["x"].dtype == np.float64
    assert value["mean"] == float(x.mean())
    assert value["n"] == spec["n"] and value["pair"] == [spec["mu"], "ok"]


# ----------------------------------------------------------------------------------------------
# Spec and spec_grid
# ----------------------------------------------------------------------------------------------
def test_spec_canonical_key_and_equality():
    a = Spec({"b": [1, 2], "a": {"y": 0.5, "x": None}}, seed=7)
    b = Spec({"a": {"x": None, "y": 0.5}, "b": (1, 2)}, seed=np.int64(7))
    assert a == b and hash(a) == hash(b) and a.key == b.key and len({a, b}) == 1
    assert a.canonical == '{"params":{"a":{"x":null,"y":0.5},"b":[1,2]},"seed":7}'
    assert len(a.key) == 64 and int(a.key, 16) >= 0
    # different parameter types, values or seeds are different points
    assert Spec({"K": 1}, seed=0) != Spec({"K": 1.0}, seed=0)
    assert Spec({"K": 1}, seed=0).key != Spec({"K": True}, seed=0).key
    assert Spec({"K": 0.1}, seed=0) != Spec({"K": 0.1}, seed=1)
    # numpy scalars are stored as the Python scalars they equal
    assert Spec({"K": np.float32(0.25), "L": np.int16(4), "f": np.bool_(True)}, seed=0) == \
        Spec({"K": 0.25, "L": 4, "f": True}, seed=0)
    # frozen: the params copy cannot change the spec
    p = a.params
    p["b"].append(3)
    assert a["b"] == [1, 2]
    with pytest.raises(AttributeError, match="frozen"):
        a.seed = 3
    with pytest.raises(KeyError, match="no parameter 'c'"):
        a["c"]
    assert repr(Spec({"K": 0.5}, seed=2)) == "Spec({'K': 0.5}, seed=2)"


def test_spec_pickles_and_key_is_stable():
    import pickle

    s = Spec({"K": 0.44, "L": 16}, seed=3)
    assert pickle.loads(pickle.dumps(s)) == s
    # the key is the SHA-256 of the canonical text, so it is the same in every process and Python version
    import hashlib

    assert s.key == hashlib.sha256(b'{"params":{"K":0.44,"L":16},"seed":3}').hexdigest()


def test_spec_bad_input():
    with pytest.raises(TypeError, match=r"params\['K'\] must be JSON-able.*got object"):
        Spec({"K": object()}, seed=0)
    with pytest.raises(TypeError, match=r"params\['a'\]\[1\] must be JSON-able.*got set"):
        Spec({"a": [1, {2}]}, seed=0)
    with pytest.raises(ValueError, match=r"params\['K'\] must be finite"):
        Spec({"K": float("nan")}, seed=0)
    with pytest.raises(TypeError, match="params keys must be str"):
        Spec({1: 2}, seed=0)
    with pytest.raises(TypeError, match="params must be a mapping"):
        Spec([("K", 1)], seed=0)
    with pytest.raises(ValueError, match="params must not contain 'seed'"):
        Spec({"seed": 1}, seed=1)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        Spec({}, seed=-1)
    with pytest.raises(TypeError, match="seed must be an int"):
        Spec({}, seed=1.5)


def test_spec_grid():
    grid = spec_grid({"L": [4, 8, 16], "K": np.array([0.1, 0.2])}, seeds=[5, 9])
    assert len(grid) == 12 and len(set(grid)) == 12
    assert grid[0] == Spec({"L": 4, "K": 0.1}, seed=5)
    assert grid[1] == Spec({"L": 4, "K": 0.1}, seed=9)
    assert grid[-1] == Spec({"L": 16, "K": 0.2}, seed=9)
    with pytest.raises(TypeError, match=r"params\['L'\] must be a sequence"):
        spec_grid({"L": 4}, seeds=1)
    with pytest.raises(ValueError, match=r"params\['L'\] must hold at least one value"):
        spec_grid({"L": []}, seeds=1)
    with pytest.raises(ValueError, match="seeds must be >= 1"):
        spec_grid({"L": [4]}, seeds=0)
    with pytest.raises(TypeError, match="seeds must be an int or an iterable"):
        spec_grid({"L": [4]}, seeds=1.0)


# ----------------------------------------------------------------------------------------------
# code fingerprint
# ----------------------------------------------------------------------------------------------
def test_code_fingerprint(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub" / "__pycache__").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "b.py").write_text("y = 2\n")
    fp = code_fingerprint(pkg)
    assert len(fp) == 64 and fp == code_fingerprint(str(pkg))
    (pkg / "sub" / "__pycache__" / "b.cpython-311.pyc").write_bytes(b"junk")
    (pkg / "sub" / "__pycache__" / "c.py").write_text("ignored")
    (pkg / "README.txt").write_text("not code")
    assert code_fingerprint(pkg) == fp
    (pkg / "sub" / "b.py").write_text("y = 3\n")
    edited = code_fingerprint(pkg)
    assert edited != fp
    (pkg / "sub" / "b.py").rename(pkg / "sub" / "c.py")
    assert code_fingerprint(pkg) not in (fp, edited)  # a rename changes it, same content or not
    # the default is the imported rglib: every .py file below it counts
    assert package_dir() == Path(importlib.import_module("rglib").__file__).resolve().parent
    assert code_fingerprint() == code_fingerprint(package_dir())
    with pytest.raises(ValueError, match="directory must be an existing folder"):
        code_fingerprint(tmp_path / "missing")
    with pytest.raises(TypeError, match="directory must be a path"):
        code_fingerprint(3)


# ----------------------------------------------------------------------------------------------
# resume, storage format
# ----------------------------------------------------------------------------------------------
def test_resume_computes_only_missing(tmp_path):
    calls = []

    def counted(spec):
        calls.append(spec)
        return noisy_point(spec)

    half = SPECS[::2]
    first = run_sweep(counted, half, tmp_path / "res", progress=False)
    assert (first.n_computed, first.n_loaded, first.n_stale) == (len(half), 0, 0)
    assert calls == list(half)
    calls.clear()
    full = run_sweep(counted, SPECS, tmp_path / "res", progress=False)
    assert (full.n_computed, full.n_loaded) == (len(SPECS) - len(half), len(half))
    assert sorted(s.key for s in calls) == sorted(s.key for s in SPECS[1::2])
    assert full.specs == tuple(SPECS) and full.results_dir == (tmp_path / "res").absolute()
    assert full.fingerprint == code_fingerprint()
    for spec, value in zip(SPECS, full.results):
        assert_point_correct(spec, value)
    # computed-now and loaded values have the same form: compare with a pure re-load
    calls.clear()
    again = run_sweep(counted, SPECS, tmp_path / "res", progress=False)
    assert calls == [] and (again.n_computed, again.n_loaded) == (0, len(SPECS))
    for a, b in zip(full.results, again.results):
        assert a.keys() == b.keys() and np.array_equal(a["x"], b["x"]) and a["mean"] == b["mean"]
    # one record (+ one npz) per point, nothing else visible
    names = sorted(p.name for p in (tmp_path / "res").iterdir())
    assert names == sorted([f"{s.key}.json" for s in SPECS] + [f"{s.key}.npz" for s in SPECS])


def test_duplicates_and_order(tmp_path):
    calls = []

    def f(spec):
        calls.append(spec)
        return spec["x"] * 10

    specs = [Spec({"x": 3}, seed=0), Spec({"x": 1}, seed=0), Spec({"x": 3}, seed=0)]
    out = run_sweep(f, specs, tmp_path, progress=False)
    assert out.results == [30, 10, 30] and out.n_computed == 2 and len(calls) == 2


class Pair(NamedTuple):
    a: float
    b: np.ndarray


def test_result_types_round_trip(tmp_path):
    def f(spec):
        return {
            "none": None, "flag": np.bool_(True), "i": np.int32(-7), "big": 2**70, "f32": np.float32(0.1),
            "nan": float("nan"), "inf": -np.inf, "s": "ü", "nested": [(1, 2.5), {"k": []}],
            "pair": Pair(1.5, np.arange(3, dtype=np.int8)), "empty": np.zeros((0, 2)),
            "scalar_array": np.array(3.25), "bools": np.array([True, False]),
            "structured": np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]),
        }

    spec = Spec({}, seed=0)
    computed = run_sweep(f, [spec], tmp_path, progress=False).results[0]
    loaded = run_sweep(f, [spec], tmp_path, progress=False).results[0]
    for value in (computed, loaded):
        assert value["none"] is None and value["flag"] is True and value["i"] == -7 and type(value["i"]) is int
        assert value["big"] == 2**70 and value["f32"] == float(np.float32(0.1)) and type(value["f32"]) is float
        assert np.isnan(value["nan"]) and value["inf"] == -np.inf and value["s"] == "ü"
        assert value["nested"] == [[1, 2.5], {"k": []}]
        assert value["pair"]["a"] == 1.5 and value["pair"]["b"].dtype == np.int8
        assert value["pair"]["b"].tolist() == [0, 1, 2]
        assert value["empty"].shape == (0, 2) and value["scalar_array"].shape == () and value["scalar_array"] == 3.25
        assert value["bools"].dtype == np.bool_ and value["structured"]["b"][0] == 2.0
    # the JSON record is standard JSON (no NaN tokens) and names spec and fingerprint
    record = json.loads((tmp_path / f"{spec.key}.json").read_text(), parse_constant=lambda c: 1 / 0)
    assert record["spec"] == {"params": {}, "seed": 0} and record["fingerprint"] == code_fingerprint()
    assert record["result"]["nan"] == {"$float": "nan"}


def test_unstorable_results_are_rejected_and_nothing_is_written(tmp_path):
    spec = Spec({"case": 1}, seed=0)
    bad = [
        ({1, 2}, TypeError, r"result has type set"),
        ({"a": [object()]}, TypeError, r"result\['a'\]\[0\] has type object"),
        ({"a": np.array([None])}, TypeError, r"result\['a'\] is an array of dtype object"),
        ({1: 2}, TypeError, "result keys must be str"),
        ({"$array": "a0"}, ValueError, "must not start with"),
        (1 + 2j, TypeError, "complex"),
        (np.ma.masked_array([1.0]), TypeError, "masked array"),
    ]
    for value, kind, message in bad:
        with pytest.raises(kind, match=message) as info:
            run_sweep(lambda s, v=value: v, [spec], tmp_path, progress=False)
        assert any(spec.key in note for note in info.value.__notes__)
    assert [p for p in tmp_path.iterdir() if not p.name.endswith(".part")] == []
    assert list(tmp_path.glob("*.part")) == []


def test_point_exception_propagates_and_finished_points_are_kept(tmp_path):
    def f(spec):
        if spec["x"] == 2:
            raise ArithmeticError("boom")
        return spec["x"]

    specs = [Spec({"x": x}, seed=0) for x in range(4)]
    with pytest.raises(ArithmeticError, match="boom") as info:
        run_sweep(f, specs, tmp_path, progress=False)
    assert "Spec({'x': 2}, seed=0)" in info.value.__notes__[0]
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted(f"{s.key}.json" for s in specs[:2])
    out = run_sweep(lambda s: s["x"], specs, tmp_path, progress=False)
    assert out.results == [0, 1, 2, 3] and (out.n_loaded, out.n_computed) == (2, 2)


# ----------------------------------------------------------------------------------------------
# stale and corrupt results
# ----------------------------------------------------------------------------------------------
def _set_fingerprint(path: Path, fingerprint: str) -> None:
    record = json.loads(path.read_text())
    record["fingerprint"] = fingerprint
    path.write_text(json.dumps(record))


def test_stale_fingerprint_handling(tmp_path):
    specs = SPECS[:4]
    run_sweep(noisy_point, specs, tmp_path, progress=False)
    old = "0" * 64
    for spec in specs[:2]:  # pretend two points were computed by another version of rglib
        _set_fingerprint(tmp_path / f"{spec.key}.json", old)
    calls = []

    def counted(spec):
        calls.append(spec)
        return noisy_point(spec)

    with pytest.raises(StaleResultsError) as info:
        run_sweep(counted, specs + SPECS[4:6], tmp_path, progress=False)
    message = str(info.value)
    assert str(tmp_path) in message and old in message and code_fingerprint() in message
    assert "2 of 6" in message and "on_stale='recompute'" in message
    assert calls == [] and not any((tmp_path / f"{s.key}.json").exists() for s in SPECS[4:6])

    reused = run_sweep(counted, specs, tmp_path, progress=False, on_stale="reuse")
    assert calls == [] and (reused.n_loaded, reused.n_stale, reused.n_computed) == (4, 2, 0)
    for spec, value in zip(specs, reused.results):
        assert_point_correct(spec, value)
    assert json.loads((tmp_path / f"{specs[0].key}.json").read_text())["fingerprint"] == old  # untouched

    redone = run_sweep(counted, specs, tmp_path, progress=False, on_stale="recompute")
    assert sorted(s.key for s in calls) == sorted(s.key for s in specs[:2])
    assert (redone.n_computed, redone.n_loaded, redone.n_stale) == (2, 2, 2)
    for spec, value in zip(specs, redone.results):
        assert_point_correct(spec, value)
    assert all(read_point(tmp_path, s).fingerprint == code_fingerprint() for s in specs)
    assert run_sweep(counted, specs, tmp_path, progress=False).n_loaded == 4  # clean again


STALE_SCRIPT = r"""
import sys
from rglib.runs import Spec, run_sweep, code_fingerprint
out = run_sweep(lambda s: s["x"] + 1, [Spec({"x": x}, seed=0) for x in range(3)], sys.argv[1], progress=False,
                on_stale=sys.argv[2])
print(out.fingerprint, out.n_computed, out.n_loaded, out.n_stale, out.results)
"""


def test_stale_after_editing_a_copy_of_rglib(tmp_path):
    """End to end: a copy of the package, edited between two runs, is detected through its files."""
    root = tmp_path / "site"
    shutil.copytree(package_dir(), root / "rglib", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(root)}

    def run(on_stale):
        return subprocess.run([sys.executable, "-c", STALE_SCRIPT, str(tmp_path / "res"), on_stale], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)

    first = run("error")
    assert first.returncode == 0, first.stderr
    fp_old, *counts = first.stdout.split(maxsplit=4)
    assert fp_old == code_fingerprint(root / "rglib") and counts[:3] == ["3", "0", "0"]
    with open(root / "rglib" / "stats.py", "a") as handle:
        handle.write("\n# an edit\n")
    fp_new = code_fingerprint(root / "rglib")
    assert fp_new != fp_old
    second = run("error")
    assert second.returncode != 0 and "StaleResultsError" in second.stderr
    assert fp_old in second.stderr and fp_new in second.stderr and str(tmp_path / "res") in second.stderr
    third = run("recompute")
    assert third.returncode == 0, third.stderr
    assert third.stdout.split() == [fp_new, "3", "0", "3", "[1,", "2,", "3]"]


def test_corrupt_files_raise_or_are_recomputed(tmp_path):
    specs = SPECS[:3]
    run_sweep(noisy_point, specs, tmp_path, progress=False)
    truncated = tmp_path / f"{specs[0].key}.json"
    truncated.write_bytes(truncated.read_bytes()[:40])
    with pytest.raises(CorruptResultError, match=rf"{truncated.name}: not a valid JSON record.*on_corrupt="):
        run_sweep(noisy_point, specs, tmp_path, progress=False)
    # an npz that does not match the SHA-256 in its record (same size, one byte flipped in the data)
    npz = tmp_path / f"{specs[1].key}.npz"
    data = bytearray(npz.read_bytes())
    data[-200] ^= 0xFF
    npz.write_bytes(bytes(data))
    # a record moved to another point's name
    shutil.copy(tmp_path / f"{specs[1].key}.json", tmp_path / f"{specs[2].key}.json")
    for spec, message in [(specs[1], "does not match the SHA-256"), (specs[2], "record holds spec")]:
        with pytest.raises(CorruptResultError, match=message):
            read_point(tmp_path, spec)
    (tmp_path / f"{specs[1].key}.npz").unlink()
    with pytest.raises(CorruptResultError, match="arrays file .* is missing"):
        read_point(tmp_path, specs[1])
    with pytest.raises(CorruptResultError, match=r"\(and 2 more\)"):
        run_sweep(noisy_point, specs, tmp_path, progress=False)
    out = run_sweep(noisy_point, specs, tmp_path, progress=False, on_corrupt="recompute")
    assert out.n_computed == 3
    for spec, value in zip(specs, out.results):
        assert_point_correct(spec, value)
    assert run_sweep(noisy_point, specs, tmp_path, progress=False).n_loaded == 3


def test_tampered_tags_and_constants_are_corrupt(tmp_path):
    spec = Spec({"x": 1}, seed=0)
    run_sweep(lambda s: {"v": 1.5}, [spec], tmp_path, progress=False)
    path = tmp_path / f"{spec.key}.json"
    good = path.read_text()
    for bad in (good.replace("1.5", "NaN"), good.replace('"v": 1.5', '"v": {"$array": "a9"}'),
                good.replace('"rglib.runs/1"', '"rglib.runs/9"'), "[]"):
        path.write_text(bad)
        with pytest.raises(CorruptResultError, match=path.name):
            read_point(tmp_path, spec)


# ----------------------------------------------------------------------------------------------
# executors
# ----------------------------------------------------------------------------------------------
def test_process_pool_executor(tmp_path):
    ref = run_sweep(noisy_point, SPECS, tmp_path / "serial", progress=False)
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        out = run_sweep(noisy_point, SPECS, tmp_path / "pool", executor=pool, progress=False, max_in_flight=3)
    assert out.n_computed == len(SPECS)
    for spec, a, b in zip(SPECS, ref.results, out.results):
        assert_point_correct(spec, b)
        assert a["mean"] == b["mean"] and np.array_equal(a["x"], b["x"])
    for spec in SPECS:  # the files are bit-identical to those of the serial run
        for suffix in (".json", ".npz"):
            name = spec.key + suffix
            assert (tmp_path / "pool" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes()


class HidingExecutor(cf.Executor):
    """Runs points in-process, then deletes what the worker wrote: a worker that has no shared folder."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.inner = SerialExecutor()

    def submit(self, fn, /, *args, **kwargs):
        future = self.inner.submit(fn, *args, **kwargs)
        for path in self.folder.iterdir():
            path.unlink()
        return future


def test_coordinator_writes_what_workers_could_not(tmp_path):
    out = run_sweep(noisy_point, SPECS[:3], tmp_path, executor=HidingExecutor(tmp_path), progress=False)
    assert out.n_computed == 3
    again = run_sweep(noisy_point, SPECS[:3], tmp_path, progress=False)
    assert again.n_loaded == 3
    for spec, value in zip(SPECS[:3], again.results):
        assert_point_correct(spec, value)


def test_worker_with_other_code_refuses(tmp_path):
    with pytest.raises(RuntimeError, match="has code fingerprint .* but the sweep was started with 0000"):
        _compute_point(noisy_point, SPECS[0], str(tmp_path), "0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_progress_bar(tmp_path, capsys):
    run_sweep(noisy_point, SPECS[:2], tmp_path, progress=True)
    assert "sweep (0 loaded)" in capsys.readouterr().err
    run_sweep(noisy_point, SPECS[:3], tmp_path, progress=True)
    assert "sweep (2 loaded)" in capsys.readouterr().err
    run_sweep(noisy_point, SPECS[:3], tmp_path, progress=False)
    assert capsys.readouterr().err == ""


def torch_point(spec, device):
    """The GPU pattern of the README: device as a fixed argument, generator seeded from the spec."""
    import torch

    gen = torch.Generator(device=device).manual_seed(spec.seed)
    x = torch.randn(spec["n"], generator=gen, device=device, dtype=torch.float64)
    return {"x": x.cpu().numpy(), "mean": float(x.mean())}


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_torch_point_with_fixed_device(tmp_path, device):
    torch = pytest.importorskip("torch")
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    import functools

    fn = functools.partial(torch_point, device=device)
    specs = spec_grid({"n": [5, 1000]}, seeds=2)
    first = run_sweep(fn, specs, tmp_path / "a", progress=False)
    second = run_sweep(fn, specs[::-1], tmp_path / "b", progress=False)
    loaded = run_sweep(fn, specs, tmp_path / "a", progress=False)
    assert loaded.n_loaded == len(specs)
    for spec, a, b, c in zip(specs, first.results, second.results[::-1], loaded.results):
        assert a["x"].shape == (spec["n"],) and np.array_equal(a["x"], b["x"]) and np.array_equal(a["x"], c["x"])
        assert a["mean"] == b["mean"] == c["mean"]
    assert not np.array_equal(first.results[0]["x"], first.results[1]["x"])  # seeds 0 and 1 differ
    with pytest.raises(TypeError, match=r"result has type Tensor.*\.detach\(\)\.cpu\(\)\.numpy\(\)"):
        run_sweep(lambda s: torch.zeros(2), specs[:1], tmp_path / "c", progress=False)


# ----------------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------------
def test_run_sweep_bad_input(tmp_path):
    specs = SPECS[:1]
    with pytest.raises(TypeError, match="fn must be callable"):
        run_sweep(3, specs, tmp_path)
    with pytest.raises(TypeError, match="specs must be an iterable of Spec"):
        run_sweep(noisy_point, SPECS[0], tmp_path)
    with pytest.raises(TypeError, match=r"specs\[1\] must be a Spec"):
        run_sweep(noisy_point, [SPECS[0], {"mu": 1}], tmp_path)
    with pytest.raises(TypeError, match="results_dir must be a path"):
        run_sweep(noisy_point, specs, 3)
    with pytest.raises(TypeError, match="executor must be None or a concurrent.futures.Executor"):
        run_sweep(noisy_point, specs, tmp_path, executor="processes")

    class FakeClient:
        def get_executor(self):
            pass

    with pytest.raises(TypeError, match=r"executor=client.get_executor\(\)"):
        run_sweep(noisy_point, specs, tmp_path, executor=FakeClient())
    with pytest.raises(ValueError, match="on_stale must be one of 'error', 'recompute', 'reuse'; got 'maybe'"):
        run_sweep(noisy_point, specs, tmp_path, on_stale="maybe")
    with pytest.raises(ValueError, match="on_corrupt must be one of 'error', 'recompute'; got 'reuse'"):
        run_sweep(noisy_point, specs, tmp_path, on_corrupt="reuse")
    with pytest.raises(ValueError, match="max_in_flight must be None or an int >= 1; got 0"):
        run_sweep(noisy_point, specs, tmp_path, max_in_flight=0)
    with pytest.raises(TypeError, match="progress must be a bool"):
        run_sweep(noisy_point, specs, tmp_path, progress="yes")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(ValueError, match="results_dir must be a folder; .*file.txt' is a file"):
        run_sweep(noisy_point, specs, a_file)
    with pytest.raises(OSError, match="results_dir .*file.txt/sub' must be a writable folder"):
        run_sweep(noisy_point, specs, a_file / "sub")
    pool = cf.ThreadPoolExecutor(1)
    pool.shutdown()
    with pytest.raises(RuntimeError, match="after shutdown"):
        run_sweep(noisy_point, specs, tmp_path / "r", executor=pool)
    assert list((tmp_path / "r").iterdir()) == []


def test_unwritable_folder(tmp_path, monkeypatch):
    """An unwritable folder is reported before anything is computed (simulated: tests may run as root)."""
    import tempfile

    calls = []

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(PermissionError, match=r"results_dir '.*' must be a writable folder: Permission denied"):
        run_sweep(lambda s: calls.append(s), SPECS[:2], tmp_path, progress=False)
    assert calls == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder(tmp_path):
    run_sweep(noisy_point, SPECS[:2], tmp_path / "ro", progress=False)
    (tmp_path / "ro").chmod(0o555)
    try:
        assert run_sweep(noisy_point, SPECS[:2], tmp_path / "ro", progress=False).n_loaded == 2  # loading is fine
        with pytest.raises(PermissionError, match="must be a writable folder"):
            run_sweep(noisy_point, SPECS[:3], tmp_path / "ro", progress=False)
    finally:
        (tmp_path / "ro").chmod(0o755)


def test_loading_needs_no_write_access(tmp_path, monkeypatch):
    run_sweep(noisy_point, SPECS[:2], tmp_path, progress=False)
    import tempfile

    monkeypatch.setattr(tempfile, "mkstemp", lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, "denied")))
    assert run_sweep(noisy_point, SPECS[:2], tmp_path, progress=False).n_loaded == 2


# ----------------------------------------------------------------------------------------------
# docstring examples
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["rglib.runs", "rglib.runs.spec", "rglib.runs.fingerprint",
                                  "rglib.runs.storage", "rglib.runs.executors", "rglib.runs.sweep"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0

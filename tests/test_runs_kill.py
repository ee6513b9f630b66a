"""A sweep process killed with SIGKILL (mid-write or at any moment) leaves no half-written result visible, and
re-running it gives results bit-identical to an uninterrupted run."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rglib.runs import Spec, run_sweep
from rglib.runs.fingerprint import package_dir
from rglib.runs.storage import read_point

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

# The point function, shared verbatim by the sweep subprocess and the reference run in this process.
POINT_SOURCE = '''
def point(spec):
    rng = np.random.default_rng(spec.seed)
    x = rng.normal(spec["mu"], 1.0, size=(spec["n"], 3))
    return {"mean": float(x.mean()), "x": x, "cov": np.cov(x.T)}


def slow_point(spec):
    time.sleep(0.08)
    return point(spec)
'''

# Runs the sweep; with block_at = k > 0, the k-th os.replace (k = 2 i - 1: the .npz of point i, k = 2 i: its
# JSON record) blocks after its temporary file is written, fsync'ed and closed, and before it is renamed.
SCRIPT = '''
import os, sys, time
import numpy as np
from rglib.runs import Spec, run_sweep
''' + POINT_SOURCE + '''
folder, block_at, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if block_at > 0:
    real_replace, calls = os.replace, [0]
    def replace(src, dst):
        calls[0] += 1
        if calls[0] == block_at:
            print("BLOCKED", os.path.basename(src), os.path.basename(dst), flush=True)
            time.sleep(600)
        real_replace(src, dst)
    os.replace = replace
specs = [Spec({"mu": mu, "n": 50}, seed=s) for mu in (0.0, 0.5, 1.0) for s in range(3)]
run_sweep(globals()[name], specs, folder, progress=False)
print("DONE", flush=True)
'''

SPECS = [Spec({"mu": mu, "n": 50}, seed=s) for mu in (0.0, 0.5, 1.0) for s in range(3)]


def _namespace():
    ns = {"np": np, "time": time}
    exec(POINT_SOURCE, ns)
    return ns


def _start(folder: Path, block_at: int, name: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(package_dir().parent)}
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(folder), str(block_at), name], env=env,
                            cwd=folder.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _check_resume_matches_reference(folder: Path, tmp_path: Path, n_visible: int) -> None:
    """Every visible record is complete; resuming computes exactly the rest; files equal a clean run's."""
    point = _namespace()["point"]
    records = sorted(folder.glob("*.json"))
    assert len(records) == n_visible
    by_key = {s.key: s for s in SPECS}
    for path in records:
        stored = read_point(folder, by_key[path.stem])  # raises on anything half-written
        assert stored is not None
    resumed = run_sweep(point, SPECS, folder, progress=False)
    assert (resumed.n_loaded, resumed.n_computed) == (n_visible, len(SPECS) - n_visible)
    reference = run_sweep(point, SPECS, tmp_path / "reference", progress=False)
    for spec, a, b in zip(SPECS, resumed.results, reference.results):
        assert a["mean"] == b["mean"] and np.array_equal(a["x"], b["x"]) and np.array_equal(a["cov"], b["cov"])
        for suffix in (".json", ".npz"):
            assert (folder / (spec.key + suffix)).read_bytes() == \
                (tmp_path / "reference" / (spec.key + suffix)).read_bytes()
    visible = sorted(p.name for p in folder.iterdir() if not p.name.endswith(".part"))
    assert visible == sorted(f"{s.key}{suffix}" for s in SPECS for suffix in (".json", ".npz"))


@pytest.mark.parametrize("block_at", [5, 6], ids=["killed-writing-npz", "killed-writing-record"])
def test_sigkill_between_temp_write_and_rename(tmp_path, block_at):
    folder = tmp_path / "res"
    proc = _start(folder, block_at, "point")
    try:
        line = proc.stdout.readline()
        assert line.startswith("BLOCKED"), line + proc.stderr.read()
    finally:
        _kill(proc)
    _, tmp_name, final_name = line.split()
    third = SPECS[2].key
    assert final_name == third + (".npz" if block_at == 5 else ".json")
    # the temporary file of the third point is there, complete but never renamed; its record is not visible
    assert (folder / tmp_name).exists() and tmp_name.endswith(".part")
    assert not (folder / f"{third}.json").exists()
    assert read_point(folder, SPECS[2]) is None
    _check_resume_matches_reference(folder, tmp_path, n_visible=2)


def test_sigkill_at_any_moment(tmp_path):
    folder = tmp_path / "res"
    proc = _start(folder, 0, "slow_point")
    try:
        deadline = time.monotonic() + 60
        while len(list(folder.glob("*.json"))) < 3:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the sweep made no progress"
            time.sleep(0.005)
    finally:
        _kill(proc)
    n_visible = len(list(folder.glob("*.json")))
    assert 3 <= n_visible < len(SPECS)
    _check_resume_matches_reference(folder, tmp_path, n_visible)

"""A sweep on a Dask distributed LocalCluster with real worker processes survives a worker killed mid-sweep."""
import contextlib
import logging
import os
import signal
import threading
import time

import numpy as np
import pytest

from rglib.runs import Spec, run_sweep
from rglib.runs.storage import read_point

distributed = pytest.importorskip("distributed")

TIMEOUT_S = 180


@contextlib.contextmanager
def _alarm(seconds: int):
    """Fail instead of hanging (SIGALRM interrupts the coordinator's wait)."""
    def on_alarm(signum, frame):
        raise TimeoutError(f"the Dask test took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def client():
    if not hasattr(signal, "SIGALRM"):
        pytest.skip("needs SIGALRM (POSIX)")
    with _alarm(TIMEOUT_S):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=logging.CRITICAL)
        try:
            dask_client = distributed.Client(cluster, timeout="60s")
            try:
                yield dask_client
            finally:
                dask_client.close(timeout=30)
        finally:
            cluster.close(timeout=30)


def _expected(spec):
    rng = np.random.default_rng(spec.seed)
    return rng.normal(spec["mu"], 1.0, size=8)


def test_dask_worker_killed_mid_sweep(tmp_path, client):
    def slow_point(spec):  # a local function: shipped to the workers by value with cloudpickle
        import time

        import numpy as np

        time.sleep(0.25)
        x = np.random.default_rng(spec.seed).normal(spec["mu"], 1.0, size=8)
        return {"x": x, "max": float(x.max())}

    specs = [Spec({"mu": mu}, seed=s) for mu in (0.0, 1.0) for s in range(8)]
    folder = tmp_path / "res"
    pids = client.run(os.getpid)
    assert len(pids) == 2
    victim = sorted(pids.values())[0]
    killed = threading.Event()
    busy_at_kill = {}

    def kill_when_three_are_done():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len(list(folder.glob("*.json"))) >= 3:
                busy_at_kill.update(client.processing())
                os.kill(victim, signal.SIGKILL)
                killed.set()
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_when_three_are_done, daemon=True)
    with _alarm(TIMEOUT_S):
        killer.start()
        out = run_sweep(slow_point, specs, folder, executor=client.get_executor(), progress=False)
        killer.join()
        assert killed.is_set(), "no worker was killed"
        assert victim not in client.run(os.getpid).values()
    victim_address = next(address for address, pid in pids.items() if pid == victim)
    assert busy_at_kill.get(victim_address), "the killed worker held no task: nothing was lost"
    assert out.n_computed == len(specs) and out.n_loaded == 0
    for spec, value in zip(specs, out.results):
        assert np.array_equal(value["x"], _expected(spec)) and value["max"] == float(_expected(spec).max())
    # every point present exactly once, complete, and written with this code
    assert sorted(p.name for p in folder.glob("*.json")) == sorted(f"{s.key}.json" for s in specs)
    assert sorted(p.name for p in folder.glob("*.npz")) == sorted(f"{s.key}.npz" for s in specs)
    for spec in specs:
        stored = read_point(folder, spec)
        assert stored.fingerprint == out.fingerprint and np.array_equal(stored.result["x"], _expected(spec))
    # a re-run loads everything
    again = run_sweep(slow_point, specs, folder, executor=client.get_executor(), progress=False)
    assert (again.n_loaded, again.n_computed) == (len(specs), 0)
    # the client itself is not an executor
    with pytest.raises(TypeError, match=r"pass executor=client.get_executor\(\) for a Dask client"):
        run_sweep(slow_point, specs, folder, executor=client)

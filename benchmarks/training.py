"""Throughput of the batched trainer rglib.nets.train_networks next to a plain per-network PyTorch loop.

16 tanh networks of constant hidden width W (input W, ``depth`` linear layers, the last one W -> 10, tanh after
every layer), initialised with sigma_w2 in [1, 3], sigma_b2 = 0.05, trained for one epoch with Erdmenger et
al.'s settings (SGD, lr 0.005, momentum 0.8, batch 64, cross entropy on the tanh outputs) on random inputs in
[0, 1] with random labels, then tested on 64 samples. The baseline trains the same networks one after the
other, each an ``nn.Sequential`` of ``nn.Linear``/``nn.Tanh`` with its own ``torch.optim.SGD``. Both timings
include initialisation, training and the test pass. Throughput is network-samples per second (networks x
training samples / time); one CPU thread for both (``torch.set_num_threads(1)``), and CUDA when available.
The two are timed alternately (best of the repeats); on CPU the table shows process CPU time, which is robust
when the machine is shared, and the wall-time ratio next to it. Run: ``.venv/bin/python benchmarks/training.py
[--quick]``.
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch

from baselines import per_network_loop

from rglib.nets import train_networks

N_NETS = 16
LR, MOMENTUM, BATCH = 0.005, 0.8, 64


def alternating_best_times(fns, repeat: int) -> list[tuple[float, float]]:
    """(best CPU time, best wall time) of each function, calling them in turn ``repeat`` times."""
    best = [(float("inf"), float("inf"))] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            c0, w0 = time.process_time(), time.perf_counter()
            fn()
            c, w = time.process_time() - c0, time.perf_counter() - w0
            best[i] = (min(best[i][0], c), min(best[i][1], w))
    return best


def main(quick: bool = False) -> None:
    torch.set_num_threads(1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"torch threads = {torch.get_num_threads()}, {N_NETS} networks, SGD lr {LR} momentum {MOMENTUM}, "
          f"batch {BATCH}")
    # (width, depth, training samples): a few hundred samples, fewer for the widest networks
    cases = [(128, 30, 512), (128, 60, 512), (256, 30, 256), (256, 60, 256), (784, 30, 128), (784, 60, 128)]
    if quick:
        cases = [(w, d // 3, 64) for w, d, _ in cases[:4]]
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rng = np.random.default_rng(0)
    sigma_w2 = np.linspace(1.0, 3.0, N_NETS)
    seeds = np.arange(N_NETS)
    warm = [rng.random((64, 32), dtype=np.float32), rng.integers(0, 10, 64)] * 2  # first-call costs, untimed
    train_networks([32, 32, 10], sigma_w2, seeds, *warm, lr=LR, shuffle=False, progress=False)
    per_network_loop([32, 32, 10], sigma_w2, seeds, *(torch.as_tensor(a) for a in warm), "cpu")
    print("\nnetwork-samples per second (higher is better), CPU time on CPU and wall time on CUDA; "
          "ratio = batched / per-network loop")
    print(f"{'width':>5s} {'depth':>5s} {'samples':>7s} {'device':6s} {'batched':>10s} {'loop':>10s} {'ratio':>6s} "
          f"{'wall ratio':>10s}")
    for width, depth, n_train in cases:
        widths = [width] * depth + [10]
        x = rng.random((n_train, width), dtype=np.float32)
        y = rng.integers(0, 10, n_train)
        xt, yt = rng.random((64, width), dtype=np.float32), rng.integers(0, 10, 64)
        for dev in devices:
            xs, ys, xts, yts = (torch.as_tensor(a, device=dev) for a in (x, y, xt, yt))

            def batched():
                train_networks(widths, sigma_w2, seeds, xs, ys, xts, yts, lr=LR, momentum=MOMENTUM, batch_size=BATCH,
                               shuffle=False, device=dev, progress=False)
                if dev == "cuda":
                    torch.cuda.synchronize()

            def loop():
                per_network_loop(widths, sigma_w2, seeds, xs, ys, xts, yts, dev)
                if dev == "cuda":
                    torch.cuda.synchronize()

            small = width * width * depth <= 256 * 256 * 30
            (c_b, w_b), (c_l, w_l) = alternating_best_times([batched, loop], repeat=2 if small else 1)
            t_b, t_l = (w_b, w_l) if dev == "cuda" else (c_b, c_l)
            work = N_NETS * n_train
            print(f"{width:5d} {depth:5d} {n_train:7d} {dev:6s} {work / t_b:10.0f} {work / t_l:10.0f} "
                  f"{t_l / t_b:6.2f} {w_l / w_b:10.2f}", flush=True)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller configurations, for a smoke test")
    main(parser.parse_args().quick)

"""Throughput of the batched trainer rglib.nets.train_networks next to a plain per-network PyTorch loop.

16 tanh networks of constant hidden width W (input W, ``depth`` linear layers, the last one W -> 10, tanh after
every layer), initialised with sigma_w2 in [1, 3], sigma_b2 = 0.05, trained for one epoch with Erdmenger et
al.'s settings (SGD, lr 0.005, momentum 0.8, batch 64, cross entropy on the tanh outputs) on random inputs in
[0, 1] with random labels, then tested on 64 samples. The baseline trains the same networks one after the
other, each an ``nn.Sequential`` of ``nn.Linear``/``nn.Tanh`` with its own ``torch.optim.SGD``. Both timings
include initialisation, training and the test pass. Throughput is network-samples per second (networks x
training samples / wall time); one CPU thread for both (``torch.set_num_threads(1)``), and CUDA when available.
Run: ``.venv/bin/python benchmarks/training.py [--quick]``.
"""
from __future__ import annotations

import argparse
import math
import os
import platform

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from _timing import best_time

from rglib.nets import train_networks

N_NETS = 16
LR, MOMENTUM, BATCH = 0.005, 0.8, 64


def per_network_loop(widths, sigma_w2, seeds, x, y, xt, yt, device) -> list[float]:
    """The plain way: one nn.Sequential + torch.optim.SGD per network, trained one after the other."""
    accs = []
    for sw, seed in zip(sigma_w2, seeds):
        g = torch.Generator().manual_seed(int(seed))
        layers = []
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            lin = nn.Linear(n_in, n_out)
            with torch.no_grad():
                lin.weight.copy_(torch.randn(n_out, n_in, generator=g) * math.sqrt(sw / n_in))
                lin.bias.copy_(torch.randn(n_out, generator=g) * math.sqrt(0.05))
            layers += [lin, nn.Tanh()]
        net = nn.Sequential(*layers).to(device)
        opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
        for j in range(0, x.shape[0], BATCH):
            loss = F.cross_entropy(net(x[j:j + BATCH]), y[j:j + BATCH])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            accs.append((net(xt).argmax(1) == yt).float().mean().item())
    return accs


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
    print("\nnetwork-samples per second (higher is better); ratio = batched / per-network loop")
    print(f"{'width':>5s} {'depth':>5s} {'samples':>7s} {'device':6s} {'batched':>10s} {'loop':>10s} {'ratio':>6s}")
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
            t_b = best_time(batched, repeat=2 if small else 1, warmup=small)
            t_l = best_time(loop, repeat=2 if small else 1, warmup=small)
            work = N_NETS * n_train
            print(f"{width:5d} {depth:5d} {n_train:7d} {dev:6s} {work / t_b:10.0f} {work / t_l:10.0f} "
                  f"{t_l / t_b:6.2f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller configurations, for a smoke test")
    main(parser.parse_args().quick)

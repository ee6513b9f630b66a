"""Plain baselines and timing helpers shared by the benchmark scripts and the appendix "How fast is rglib?".

Nothing here imports rglib: each baseline is what a careful user would write with numpy or PyTorch alone, so the
benchmarks compare rglib with it in the same run. Import it with the ``benchmarks`` folder on ``sys.path``.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

__all__ = ["cpu_time", "numpy_checkerboard", "numpy_log_partition", "per_network_loop", "power_law_exponent"]


def cpu_time(fn: Callable[[], object], repeat: int = 3, warmup: bool = True) -> float:
    """Smallest process CPU time in seconds of ``repeat`` calls of ``fn`` (after one untimed call if ``warmup``).

    CPU time (``time.process_time``) rather than wall time: on a shared machine other processes stretch the wall
    clock of a single-threaded computation but hardly its CPU time. Run torch with one thread
    (``torch.set_num_threads(1)``) so that CPU time is the time of one core.
    """
    if warmup:
        fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def power_law_exponent(x, t) -> float:
    """Least-squares slope of ``log t`` against ``log x`` (the exponent ``a`` of ``t ~ x**a``)."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(t, float)), 1)[0])


def numpy_checkerboard(spins: np.ndarray, K: float, n_sweeps: int, rng: np.random.Generator) -> np.ndarray:
    """A good plain-numpy Metropolis baseline: neighbour sums with np.roll, colour masks, a lookup table.

    ``spins``: int8 (..., L, L) with even L; zero field; one sweep updates one colour, then the other.
    """
    s = spins.copy()
    L = s.shape[-1]
    colour = (np.indices((L, L)).sum(0) % 2).astype(bool)
    table = np.exp(-2.0 * K * np.arange(-4, 5)).astype(np.float32)  # flip probability for s * nb = -4..4
    for _ in range(n_sweeps):
        for c in (colour, ~colour):
            nb = np.roll(s, 1, -1) + np.roll(s, -1, -1) + np.roll(s, 1, -2) + np.roll(s, -1, -2)
            p = table[(s * nb + 4).astype(np.intp)]
            flip = c & (rng.random(s.shape, dtype=np.float32) < p)
            s[flip] *= -1
    return s


def numpy_log_partition(L1: int, L2: int, K: float) -> float:
    """ln Z of the L1 x L2 torus at h = 0 by brute force in plain numpy: all 2**N states at once, then logsumexp."""
    n = L1 * L2
    codes = np.arange(2**n, dtype=np.int64)
    s = (1 - 2 * ((codes[:, None] >> np.arange(n)) & 1)).astype(np.int8).reshape(-1, L1, L2)
    bond_sum = (s * np.roll(s, 1, -1)).sum((-2, -1), dtype=np.int64) + (s * np.roll(s, 1, -2)).sum((-2, -1),
                                                                                                  dtype=np.int64)
    e = K * bond_sum
    top = e.max()
    return float(top + math.log(np.exp(e - top).sum()))


def per_network_loop(widths, sigma_w2, seeds, x, y, xt, yt, device, lr=0.005, momentum=0.8, batch=64,
                     sigma_b2=0.05) -> list[float]:
    """The plain way to train many networks: one nn.Sequential + torch.optim.SGD each, one after the other.

    tanh after every layer, Gaussian initialisation (weights N(0, sigma_w2 / fan_in), biases N(0, sigma_b2)),
    cross entropy, one epoch in order; returns the test accuracy of each network.
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    accs = []
    for sw, seed in zip(sigma_w2, seeds):
        g = torch.Generator().manual_seed(int(seed))
        layers = []
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            lin = nn.Linear(n_in, n_out)
            with torch.no_grad():
                lin.weight.copy_(torch.randn(n_out, n_in, generator=g) * math.sqrt(sw / n_in))
                lin.bias.copy_(torch.randn(n_out, generator=g) * math.sqrt(sigma_b2))
            layers += [lin, nn.Tanh()]
        net = nn.Sequential(*layers).to(device)
        opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
        for j in range(0, x.shape[0], batch):
            loss = F.cross_entropy(net(x[j:j + batch]), y[j:j + batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            accs.append((net(xt).argmax(1) == yt).float().mean().item())
    return accs

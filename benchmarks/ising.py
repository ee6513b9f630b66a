"""Throughput of the Ising samplers in rglib.ising, next to a plain numpy checkerboard baseline.

Prints flips per nanosecond (site updates per ns) for checkerboard Metropolis at L = 32 (batched), 256 and
1024, for the multi-spin coded samplers (numba and torch) against the single-spin one, ns per site per sweep for the Swendsen-Wang sampler at L = 64 and 256, on one CPU thread (and on
CUDA when available), and the enumeration throughput on the 5 x 5 torus. Run: ``.venv/bin/python benchmarks/ising.py [--quick]``.
"""
from __future__ import annotations

import argparse
import os
import platform

import numpy as np
import torch

from _timing import best_time
from baselines import numpy_checkerboard

from rglib.ising import K_CRITICAL, bond_sum, enumerate_log_partition, torus_bonds
from rglib.ising import checkerboard_metropolis, multispin_metropolis, pack_replicas, random_spins, swendsen_wang
from rglib.ising import multispin_metropolis_torch


def main(quick: bool = False) -> None:
    torch.set_num_threads(1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, numpy {np.__version__}, "
          f"torch threads = {torch.get_num_threads()}")
    K = K_CRITICAL
    cases = [("L=32, batch 256", 32, 256, 20), ("L=256", 256, 1, 20), ("L=1024", 1024, 1, 5)]
    if quick:
        cases = [(n, L, B, max(2, s // 4)) for n, L, B, s in cases]
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print("\nCheckerboard Metropolis at K_c (flips/ns = site updates per ns; higher is better)")
    print(f"{'case':18s} {'device':6s} {'rglib torch':>12s} {'numpy baseline':>15s} {'ratio':>6s}")
    rng = np.random.default_rng(0)
    for name, L, B, sweeps in cases:
        n_updates = B * L * L * sweeps
        s_np = np.where(rng.random((B, L, L)) < 0.5, 1, -1).astype(np.int8)
        t_np = best_time(lambda: numpy_checkerboard(s_np, K, sweeps, rng), repeat=2)
        for dev in devices:
            s_t = random_spins((B, L, L), seed=1, device=dev)
            gen = torch.Generator(device=dev).manual_seed(2)

            def run():
                checkerboard_metropolis(s_t, K, 0.0, sweeps, seed=gen, measure_every=0)
                if dev == "cuda":
                    torch.cuda.synchronize()

            t = best_time(run)
            rate = n_updates / t / 1e9
            base = n_updates / t_np / 1e9
            print(f"{name:18s} {dev:6s} {rate:12.3f} {base:15.3f} {rate / base:6.1f}")
    print("\nMulti-spin coded Metropolis at K_c, 64 replicas per word, against the single-spin sampler "
          "(same replicas, same run; flips/ns)")
    print(f"{'case':22s} {'multi-spin':>11s} {'torch multi-spin':>17s} {'single-spin':>12s} {'ratio':>6s}")
    for name, L, R, sweeps in [("L=32, 256 replicas", 32, 256, 40), ("L=256, 64 replicas", 256, 64, 10),
                               ("L=1024, 64 replicas", 1024, 64, 2)]:
        if quick:
            sweeps = max(1, sweeps // 4)
        n_updates = R * L * L * sweeps
        words = pack_replicas(np.where(rng.random((R, L, L)) < 0.5, 1, -1).astype(np.int8))
        t_ms = best_time(lambda: multispin_metropolis(words, K, sweeps, seed=4, measure_every=0, packed=True))
        words_t = torch.from_numpy(words.view(np.int64))
        t_mt = best_time(lambda: multispin_metropolis_torch(words_t, K, sweeps, seed=4, measure_every=0, packed=True),
                         repeat=2)
        s_t = random_spins((R, L, L), seed=1)
        gen = torch.Generator().manual_seed(2)
        t_ss = best_time(lambda: checkerboard_metropolis(s_t, K, 0.0, sweeps, seed=gen, measure_every=0), repeat=2)
        ms, mt, ss = n_updates / t_ms / 1e9, n_updates / t_mt / 1e9, n_updates / t_ss / 1e9
        print(f"{name:22s} {ms:11.3f} {mt:17.3f} {ss:12.3f} {ms / ss:6.1f}")
    print("\nSwendsen-Wang at K_c (ns per site per sweep; lower is better)")
    for L, B, sweeps in [(64, 16, 10), (256, 1, 10)]:
        if quick:
            sweeps = 3
        s = np.where(rng.random((B, L, L)) < 0.5, 1, -1).astype(np.int8)
        t = best_time(lambda: swendsen_wang(s, K, 0.0, sweeps, seed=3, measure_every=0))
        print(f"L={L:4d}, batch {B:3d}: {t / (B * L * L * sweeps) * 1e9:7.1f} ns/site/sweep")
    print("\nBrute-force enumeration of log Z (states per second; target >= 10 M/s)")
    side = 4 if quick else 5
    bonds = torus_bonds((side, side))
    t = best_time(lambda: enumerate_log_partition(lambda x: -K * bond_sum(x, bonds), side * side), repeat=1)
    print(f"{side}x{side} torus, 2**{side * side} states: {2 ** (side * side) / t / 1e6:7.1f} M states/s")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer sweeps (smoke test)")
    main(ap.parse_args().quick)

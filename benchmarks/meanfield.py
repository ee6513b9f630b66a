"""Cost of the mean-field computations in rglib.meanfield and of random-network sampling in rglib.mlp.

Prints the time of a full phase summary (q*, chi_1, c*, chi_c, xi_c, xi_q) on (sigma_w^2, sigma_b^2) grids, of
the critical line, and of building + propagating a width-2000 GaussianMLP, on one CPU thread (and CUDA when
available). Also prints the accuracy of Gauss-Hermite quadrature against the default rule at large q*.
Run: ``.venv/bin/python benchmarks/meanfield.py [--quick]``.
"""
from __future__ import annotations

import argparse
import platform

import numpy as np
import torch

from _timing import best_time

from rglib.nets import criticality as crit
from rglib.nets import meanfield as mf
from rglib.nets import quadrature as quad
from rglib.nets.mlp import GaussianMLP


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smaller grids and fewer repeats")
    args = ap.parse_args()
    torch.set_num_threads(1)
    repeat = 2 if args.quick else 3
    print(f"# {platform.processor() or platform.machine()}, numpy {np.__version__}, torch {torch.__version__}, 1 thread")

    for n_w, n_b in ([(41, 21)] if args.quick else [(41, 21), (161, 81)]):
        W, B = np.meshgrid(np.linspace(0.5, 4.5, n_w), np.linspace(0.0, 1.0, n_b))
        t = best_time(lambda: crit.phase_summary(W, B), repeat, warmup=False)
        print(f"phase_summary on {n_w}x{n_b} grid: {t:.3f} s ({1e3 * t / W.size:.3f} ms per point)")
    sb2 = np.linspace(0.0, 2.0, 101)
    t = best_time(lambda: crit.critical_weight_variance(sb2), repeat, warmup=False)
    print(f"critical_weight_variance, 101 values: {t:.3f} s")
    t = best_time(lambda: mf.kernel_trajectory(np.eye(5) + 0.5, 50, 2.5, 0.05), repeat, warmup=False)
    print(f"kernel_trajectory, 5 inputs x 50 layers: {t:.3f} s")

    ref = crit.critical_weight_variance(2.0)
    for n in (51, 101, 151, 201):
        print(f"Gauss-Hermite n={n:3d}: sigma_w,c^2(sigma_b^2=2) error {crit.critical_weight_variance(2.0, n_hermite=n) - ref:+.2e}")
    n_trap = quad.trapezoid_rule(crit.fixed_point_q(ref, 2.0))[0].size
    print(f"default trapezoidal rule at q* = {crit.fixed_point_q(ref, 2.0):.3f}: {n_trap} nodes; Gauss-Hermite with "
          f"{n_trap} nodes: error {crit.critical_weight_variance(2.0, n_hermite=n_trap) - ref:+.2e}")

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    width, depth = 2000, 10
    for dev in devices:
        x = torch.randn(16, width, generator=torch.Generator().manual_seed(0))
        def run():
            net = GaussianMLP([width] * (depth + 1), 2.0, 0.05, seed=1, device=dev)
            with torch.no_grad():
                net(x, return_preactivations=True)
            if dev == "cuda":
                torch.cuda.synchronize()
        t = best_time(run, repeat, warmup=False)
        print(f"GaussianMLP width {width}, {depth} layers, build + forward (B=16) on {dev}: "
              f"{1e3 * t / depth:.1f} ms per layer")


if __name__ == "__main__":
    main()

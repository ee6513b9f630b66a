r"""Kaufman's partition function of the ``n x m`` torus and its first two K-derivatives (private engine).

Notation (``K > 0``): :math:`t = e^{-2K}`, :math:`P = 1 - t^2`, :math:`Q = 1 + t^2`, :math:`h = 2tP`,
:math:`e = 1 - 2t - t^2` (zero at :math:`K_c`). For a mode :math:`k \ge 1` with :math:`\theta = \pi k/n`,
:math:`c = \cos\theta` and :math:`\sigma = \sin^2(\theta/2)`:

.. math:: \hat a = Q^2 - hc, \quad \alpha = e^2 + 2h\sigma = \hat a - h, \quad \beta = \hat a + h, \quad
          \hat b = \sqrt{\alpha\beta},

so that :math:`\cosh\gamma_k = \hat a/h`, :math:`\sinh\gamma_k = \hat b/h` and the row eigenvalues are
:math:`\ln\Lambda_k = 4K - \ln 2 + \ln(\hat a + \hat b)`, :math:`\Lambda_k\bar\Lambda_k = (2\sinh 2K)^2`. All of
these are O(1) for any ``K``: nothing overflows at large ``K`` and the :math:`1/K` terms of the prefactor
:math:`(2\sinh 2K)^{nm/2}` never appear at small ``K``. Derivatives in ``K`` follow from those in ``t``
(:math:`t' = -2t`, :math:`t'' = 4t`).

Each factor is :math:`F^\pm_k = \Lambda_k^{m/2} \pm \bar\Lambda_k^{m/2} = e^{u}(1 \pm e^{-y})` with
:math:`u = \frac m2\ln\Lambda_k` and :math:`y = m\gamma_k`; the mode :math:`k = 0` has
:math:`\Lambda_0^{1/2} = e^{2K} - 1` and :math:`\bar\Lambda_0^{1/2} = 1 + e^{-2K}`. Then

.. math:: 2Z = \prod_{k\,\mathrm{odd}} F^+_k + \prod_{k\,\mathrm{odd}} F^-_k + \prod_{k\,\mathrm{even}} F^+_k
          + (\Lambda_0^{m/2} - \bar\Lambda_0^{m/2})\prod_{k\,\mathrm{even} \ge 2} F^-_k ,

five positive products with signs ``(+, +, +, +, -)`` whose weights are bounded by 1, so the log-sum and the
derivatives :math:`\partial\ln Z = \sum_i \omega_i D_i`,
:math:`\partial^2\ln Z = \sum_i\omega_i[D'_i + (D_i - \bar D)^2]` are free of cancellation.
"""
from __future__ import annotations

import numpy as np
from scipy import special

from .._numerics import LN2


def _modes(k: np.ndarray, n: int, K, t, P, Q, h, e):
    r"""ln Lambda_k and gamma_k with their first two K-derivatives, arrays of shape (B, len(k))."""
    theta = np.pi * k / n
    c = np.cos(theta)
    sg = np.sin(0.5 * theta) ** 2
    h_t, h_tt, e_t = 2.0 - 6.0 * t * t, -12.0 * t, -2.0 - 2.0 * t  # t-derivatives
    a = Q * Q - h * c
    a_t = 4.0 * t * Q - h_t * c
    a_tt = 8.0 * t * t + 4.0 * Q - h_tt * c
    al = e * e + 2.0 * h * sg
    al_t = 2.0 * e * e_t + 2.0 * h_t * sg
    al_tt = 2.0 * e_t * e_t - 4.0 * e + 2.0 * h_tt * sg
    be, be_t, be_tt = a + h, a_t + h_t, a_tt + h_tt
    b = np.sqrt(al * be)
    b_t = (al_t * be + al * be_t) / (2.0 * b)
    b_tt = (al_tt * be + 2.0 * al_t * be_t + al * be_tt) / (2.0 * b) - b_t * b_t / b
    ab = a + b
    A1 = (a_t + b_t) / ab
    A2 = (a_tt + b_tt) / ab
    ln_lam = 4.0 * K - LN2 + np.log(ab)
    ln_lam1 = 4.0 - 2.0 * t * A1
    ln_lam2 = 4.0 * t * (A1 + t * (A2 - A1 * A1))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        ln_h = LN2 - 2.0 * K + np.log(P)
        small = al < h  # cosh(gamma) - 1 = alpha/h < 1: log1p keeps small gamma accurate
        gam = np.where(small, np.log1p((al + b) / np.where(small, h, 1.0)), np.log(ab) - ln_h)
    # gamma = ln(a + b) - ln h with ln h = ln 2 - 2K + ln P: (ln h)' = -2 + 4t^2/P, (ln h)'' = -16 t^2/P^2
    r = t * t / P
    gam1 = 2.0 - 2.0 * t * A1 - 4.0 * r
    gam2 = ln_lam2 + 16.0 * r / P
    return ln_lam, ln_lam1, ln_lam2, gam, gam1, gam2


def _factor_sums(m: int, modes, sign: int):
    r"""Sums over modes of ln F, D = (ln F)' and D' = (ln F)'' for F = Lambda^{m/2} + sign * Lambda_bar^{m/2}."""
    ln_lam, ln_lam1, ln_lam2, gam, gam1, gam2 = modes
    u, u1, u2 = 0.5 * m * ln_lam, 0.5 * m * ln_lam1, 0.5 * m * ln_lam2
    y, y1, y2 = m * gam, m * gam1, m * gam2
    with np.errstate(over="ignore", divide="ignore"):
        if sign > 0:
            lnF = u + np.log1p(np.exp(-y))
            w = special.expit(-y)  # r/(1+r), r = e^{-y}
            D1 = u1 - y1 * w
            D2 = u2 - y2 * w + y1 * y1 * w * special.expit(y)
        else:
            lnF = u + np.log(-np.expm1(-y))
            q = 1.0 / np.expm1(y)  # r/(1-r)
            D1 = u1 + y1 * q
            D2 = u2 + y2 * q - y1 * y1 * q * (1.0 + q)
    return lnF.sum(-1), D1.sum(-1), D2.sum(-1)


def kaufman_terms(n: int, m: int, K: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""``(ln Z, d ln Z/dK, d^2 ln Z/dK^2)`` of the ``n x m`` torus for a 1-D array of couplings ``K > 0``."""
    K = np.asarray(K, dtype=np.float64)[:, None]
    t = np.exp(-2.0 * K)
    P = -np.expm1(-4.0 * K)
    Q = 1.0 + t * t
    h = 2.0 * t * P
    e = P - 2.0 * t
    odd = _modes(np.arange(1, 2 * n, 2), n, K, t, P, Q, h, e)
    even = _modes(np.arange(2, 2 * n, 2), n, K, t, P, Q, h, e)
    L1, D1_1, D2_1 = _factor_sums(m, odd, +1)
    L2, D1_2, D2_2 = _factor_sums(m, odd, -1)
    Lpe, D1_pe, D2_pe = _factor_sums(m, even, +1)
    Lme, D1_me, D2_me = _factor_sums(m, even, -1)
    # mode k = 0: Lambda_0^{m/2} = (e^{2K} - 1)^m and Lambda_bar_0^{m/2} = (1 + e^{-2K})^m
    K, t = K[:, 0], t[:, 0]
    om = -np.expm1(-2.0 * K)  # 1 - t
    u0, u0_1, u0_2 = m * (2.0 * K + np.log(om)), 2.0 * m / om, -4.0 * m * t / (om * om)
    v0, v0_1, v0_2 = m * np.log1p(t), -2.0 * m * t / (1.0 + t), 4.0 * m * t / (1.0 + t) ** 2
    w0, w0c = special.expit(u0 - v0), special.expit(v0 - u0)  # weights of e^{u0} and e^{v0} in their sum
    L0 = np.logaddexp(u0, v0)
    D1_0 = w0 * u0_1 + w0c * v0_1
    D2_0 = w0 * u0_2 + w0c * v0_2 + w0 * w0c * (u0_1 - v0_1) ** 2
    L = np.stack([L1, L2, L0 + Lpe, u0 + Lme, v0 + Lme])
    D1 = np.stack([D1_1, D1_2, D1_0 + D1_pe, u0_1 + D1_me, v0_1 + D1_me])
    D2 = np.stack([D2_1, D2_2, D2_0 + D2_pe, u0_2 + D2_me, v0_2 + D2_me])
    sign = np.array([1.0, 1.0, 1.0, 1.0, -1.0])[:, None]
    shift = L.max(axis=0)
    wts = sign * np.exp(L - shift)
    S0 = wts.sum(axis=0)
    omega = wts / S0
    d1 = (omega * D1).sum(axis=0)
    d2 = (omega * (D2 + (D1 - d1) ** 2)).sum(axis=0)
    return -LN2 + shift + np.log(S0), d1, d2

r"""Decimation RG of the square-lattice Ising model: the exact first step, two approximate recursions, and the
exact marginals of small tori on the sublattices that the RG keeps.

Model and conventions
---------------------
Spins :math:`s_i=\pm1` on a periodic ``L1 x L2`` lattice (both sides even), weight :math:`e^{K S}` with
:math:`S=\sum_{\langle ij\rangle}s_is_j` over the ``2 L1 L2`` nearest-neighbour bonds (the conventions of
:mod:`rglib.ising.square`). Site ``(i, j)`` (row ``i``, column ``j``) has the flat index ``i * L2 + j``.

One decimation step sums over one checkerboard sublattice; the rescaling factor is :math:`b=\sqrt2`. Step ``n``
keeps the sublattice :math:`\Lambda_n`:

* :math:`\Lambda_{2m} = \{(i,j): i\equiv j\equiv 0 \bmod 2^m\}`, a square lattice of spacing :math:`2^m` with
  bond vectors :math:`(2^m,0), (0,2^m)`;
* :math:`\Lambda_{2m+1} = \{(i,j)\in\Lambda_{2m}: (i+j)/2^m \text{ even}\}`, a square lattice rotated by 45
  degrees with bond vectors :math:`(2^m,2^m), (2^m,-2^m)`.

:math:`\Lambda_n` fits on the torus when both sides are divisible by :math:`2^{\lceil n/2\rceil}`. Every removed
site of step ``n`` (in :math:`\Lambda_{n-1}\setminus\Lambda_n`) has its four :math:`\Lambda_{n-1}`-neighbours in
:math:`\Lambda_n`. Kept sites are listed in increasing flat index; distributions over the kept spins are arrays
of length ``2**N_n`` in the enumeration order of :mod:`rglib.ising.enumeration` (state codes).

The exact first step (sum over :math:`\Lambda_0\setminus\Lambda_1`) generates, per removed spin with
neighbours :math:`s_1..s_4` (in cyclic order around it),

.. math::

    \ln 2\cosh\bigl(K(s_1+s_2+s_3+s_4)\bigr) = g + c_2\sum_{a<b}s_as_b + c_4\,s_1s_2s_3s_4,\qquad
    c_2 = \tfrac18\ln\cosh4K,\quad c_4 = \tfrac18\ln\cosh4K - \tfrac12\ln\cosh2K,

hence :math:`K'_{\rm nn}=2c_2`, :math:`K'_{\rm nnn}=c_2`, :math:`K'_4=c_4` on the kept lattice (Maris & Kadanoff 1978).

References
----------
H. J. Maris and L. P. Kadanoff, Am. J. Phys. 46, 652 (1978); D. Chandler, *Introduction to Modern Statistical
Mechanics* (Oxford, 1987).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .._checks import check_int as _int
from .._checks import check_real_array as _real
from .._numerics import LN2
from .._numerics import log_2cosh as _log_2cosh
from .._numerics import scalar_or_array as _out
from ..ising.enumeration import all_spin_configurations, bond_sum, torus_bonds

__all__ = [
    "RESCALING_FACTOR",
    "MAX_KEPT_SPINS",
    "MAX_UV_SPINS",
    "MAX_FLOW_STEPS",
    "PlaquetteCouplings",
    "checkerboard_decimation",
    "nn_recursion",
    "nn_flow",
    "maris_kadanoff_recursion",
    "maris_kadanoff_flow",
    "FixedPoint",
    "nn_fixed_point",
    "maris_kadanoff_fixed_point",
    "maris_kadanoff_critical_coupling",
    "sublattice_sites",
    "sublattice_bonds",
    "removed_site_neighbours",
    "torus_log_probabilities",
    "subset_state_codes",
    "marginal_on_sites",
    "plaquette_log_weights",
    "kept_marginal_log_probabilities",
    "first_step_walsh_couplings",
]

#: Length rescaling of one checkerboard decimation step.
RESCALING_FACTOR = float(np.sqrt(2.0))
#: Largest first-step kept sublattice whose exact distribution is tabulated (``2**24`` states, 128 MiB).
MAX_KEPT_SPINS = 24
#: Largest torus enumerated in full by :func:`torus_log_probabilities` (``2**20`` states).
MAX_UV_SPINS = 20
#: Largest number of steps of the approximate flows.
MAX_FLOW_STEPS = 1000


def _log_cosh(x):
    """ln cosh x with full relative accuracy: log1p(2 sinh^2(x/2)) for |x| < 1, ln(2 cosh x) - ln 2 beyond."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1.0
    return np.where(small, np.log1p(2.0 * np.sinh(np.where(small, x, 0.0) / 2.0) ** 2), _log_2cosh(x) - LN2)


# ----------------------------------------------------------------------------------------------
# the exact first step and the approximate recursions
# ----------------------------------------------------------------------------------------------
class PlaquetteCouplings(NamedTuple):
    """Couplings generated on the kept sublattice by summing out one checkerboard sublattice."""

    K_nn: NDArray[np.float64] | float  #: nearest neighbours of the kept lattice (distance sqrt 2): (1/4) ln cosh 4K
    K_nnn: NDArray[np.float64] | float  #: next-nearest neighbours (distance 2): (1/8) ln cosh 4K
    K_4: NDArray[np.float64] | float  #: four spins around a removed site: (1/8) ln cosh 4K - (1/2) ln cosh 2K
    log_A: NDArray[np.float64] | float  #: constant per removed spin: ln 2 + (1/8) ln cosh 4K + (1/2) ln cosh 2K


def checkerboard_decimation(K: ArrayLike) -> PlaquetteCouplings:
    r"""Exact couplings after summing over one checkerboard sublattice of the square lattice.

    Matching :math:`\ln2\cosh(K\Sigma) = g + c_2\sum_{a<b}s_as_b + c_4s_1s_2s_3s_4` at :math:`\Sigma=4, 2, 0`
    gives :math:`c_2=\frac18\ln\cosh4K`, :math:`c_4=c_2-\frac12\ln\cosh2K`, :math:`g=\ln2+c_2+\frac12\ln\cosh2K`.
    A nearest-neighbour pair of the kept lattice borders two removed spins, a next-nearest pair one, so

    .. math:: K'_{\rm nn}=\tfrac14\ln\cosh4K,\quad K'_{\rm nnn}=\tfrac18\ln\cosh4K,\quad
              K'_4=\tfrac18\ln\cosh4K-\tfrac12\ln\cosh2K,

    and :math:`Z_N(K) = e^{(N/2) g}\sum_{s_{\rm kept}} e^{\mathcal H'(s_{\rm kept})}` with these couplings.
    ``K`` is any real array (the result is even in ``K``).

    Examples
    --------
    >>> c = checkerboard_decimation(0.5)
    >>> round(c.K_nn, 6), round(c.K_nnn, 6), round(c.K_4, 6)
    (0.331251, 0.165625, -0.051265)
    """
    K = _real(K, "K")
    l4, l2 = _log_cosh(4.0 * K), _log_cosh(2.0 * K)
    return PlaquetteCouplings(_out(l4 / 4.0), _out(l4 / 8.0), _out(l4 / 8.0 - l2 / 2.0),
                              _out(LN2 + l4 / 8.0 + l2 / 2.0))


def nn_recursion(K: ArrayLike):
    r"""The nearest-neighbour projection :math:`K' = K'_{\rm nn} + K'_{\rm nnn} = \frac38\ln\cosh4K`.

    The next-nearest coupling is folded into the nearest-neighbour one (both favour alignment) and the
    four-spin coupling is dropped, so the renormalized model is again a nearest-neighbour Ising model on the
    kept (rotated) square lattice. ``K >= 0``.

    Examples
    --------
    >>> round(nn_recursion(0.5), 6)
    0.496876
    """
    K = _real(K, "K", lower=0.0)
    return _out(0.375 * _log_cosh(4.0 * K))


def nn_flow(K0: ArrayLike, n_steps: int) -> NDArray[np.float64]:
    """Iterates of :func:`nn_recursion`, shape ``(n_steps + 1, *K0.shape)``; row ``n`` is :math:`K_n`."""
    n_steps = _int(n_steps, "n_steps", 0, MAX_FLOW_STEPS)
    K = _real(K0, "K0", lower=0.0)
    out = [K]
    for _ in range(n_steps):
        out.append(0.375 * _log_cosh(4.0 * out[-1]))  # ~ 6 K^2 for small K: the flow to 0 is superexponential
    return np.stack(out)


def maris_kadanoff_recursion(K: ArrayLike, L: ArrayLike):
    r"""Lowest-order recursion with a next-nearest-neighbour coupling ``L``: :math:`K'=2K^2+L`, :math:`L'=K^2`.

    The small-``K`` expansion of :func:`checkerboard_decimation` (:math:`\frac14\ln\cosh4K\approx2K^2`,
    :math:`\frac18\ln\cosh4K\approx K^2`), with the old ``L`` added to the new nearest-neighbour coupling: a
    next-nearest pair of the old lattice is a nearest-neighbour pair of the kept one. The four-spin coupling
    and everything generated by ``L`` itself are dropped (Maris & Kadanoff 1978). ``K``, ``L`` broadcast.
    """
    K = _real(K, "K")
    L = _real(L, "L")
    K, L = np.broadcast_arrays(K, L)
    return _out(2.0 * K * K + L), _out(K * K)


def maris_kadanoff_flow(K0: ArrayLike, L0: ArrayLike, n_steps: int):
    """Iterates of :func:`maris_kadanoff_recursion`: arrays ``K, L`` of shape ``(n_steps + 1, *shape)``.

    Iterates that exceed ``1e100`` are capped there (the flow has left for the ordered sink).
    """
    n_steps = _int(n_steps, "n_steps", 0, MAX_FLOW_STEPS)
    K, L = np.broadcast_arrays(_real(K0, "K0"), _real(L0, "L0"))
    Ks, Ls = [K.astype(float)], [L.astype(float)]
    for _ in range(n_steps):
        k, l_ = Ks[-1], Ls[-1]
        Ks.append(np.minimum(2.0 * k * k + l_, 1e100))
        Ls.append(np.minimum(k * k, 1e100))
    return np.stack(Ks), np.stack(Ls)


class FixedPoint(NamedTuple):
    """A non-trivial fixed point of an approximate recursion and its linearization."""

    couplings: tuple[float, ...]  #: the fixed point, (K*,) or (K*, L*)
    eigenvalues: tuple[float, ...]  #: eigenvalues of the linearized map, largest first
    nu: float  #: correlation-length exponent ln b / ln lambda_1, b = sqrt 2


def nn_fixed_point() -> FixedPoint:
    r"""The unstable fixed point :math:`K^*=\frac38\ln\cosh4K^*` of :func:`nn_recursion`.

    :math:`\lambda = dK'/dK = \frac32\tanh4K^*` and :math:`\nu=\ln\sqrt2/\ln\lambda`.

    Examples
    --------
    >>> fp = nn_fixed_point()
    >>> round(fp.couplings[0], 6), round(fp.eigenvalues[0], 5), round(fp.nu, 4)
    (0.506981, 1.44892, 0.9346)
    """
    from scipy.optimize import brentq

    Ks = brentq(lambda k: 0.375 * np.log(np.cosh(4.0 * k)) - k, 0.3, 1.0, xtol=1e-15, rtol=1e-15)
    lam = 1.5 * np.tanh(4.0 * Ks)
    return FixedPoint((float(Ks),), (float(lam),), float(np.log(RESCALING_FACTOR) / np.log(lam)))


def maris_kadanoff_fixed_point() -> FixedPoint:
    r"""The non-trivial fixed point :math:`(K^*,L^*)=(\frac13,\frac19)` of :func:`maris_kadanoff_recursion`.

    The Jacobian there is :math:`\begin{pmatrix}4K^*&1\\2K^*&0\end{pmatrix}` with eigenvalues
    :math:`(2\pm\sqrt{10})/3`: one relevant (1.7208), one irrelevant (-0.3874).

    Examples
    --------
    >>> fp = maris_kadanoff_fixed_point()
    >>> [round(x, 4) for x in fp.eigenvalues], round(fp.nu, 4)
    ([1.7208, -0.3874], 0.6385)
    """
    lam1, lam2 = (2.0 + np.sqrt(10.0)) / 3.0, (2.0 - np.sqrt(10.0)) / 3.0
    nu = float(np.log(RESCALING_FACTOR) / np.log(lam1))
    return FixedPoint((1.0 / 3.0, 1.0 / 9.0), (float(lam1), float(lam2)), nu)


def _mk_orders(K0, L0, n_max=400):
    """+1 if the Maris-Kadanoff flow from (K0, L0) runs to the ordered sink, -1 if to K = L = 0."""
    K, L = np.broadcast_arrays(np.asarray(K0, float), np.asarray(L0, float))
    K, L = K.copy(), L.copy()
    fate = np.zeros(K.shape, dtype=int)
    for _ in range(n_max):
        K, L = 2.0 * K * K + L, K * K
        fate = np.where((fate == 0) & (K > 10.0), 1, fate)
        fate = np.where((fate == 0) & (K < 1e-3) & (L < 1e-3), -1, fate)
        K, L = np.minimum(K, 1e3), np.minimum(L, 1e3)
        if np.all(fate != 0):
            break
    return fate


def maris_kadanoff_critical_coupling(L0: ArrayLike = 0.0):
    r"""The critical ``K0`` of the Maris-Kadanoff flow at next-nearest coupling ``L0`` (bisection to 1e-13).

    Points :math:`(K_0, L_0)` with :math:`K_0` above it flow to the ordered sink, below it to
    :math:`K=L=0`; together they trace the critical line (the stable manifold of the fixed point).
    At ``L0 = 0`` it is 0.392090...; ``0 <= L0 <= 0.3``, array input is bisected elementwise.

    Examples
    --------
    >>> round(maris_kadanoff_critical_coupling(), 5)
    0.39209
    """
    L0 = _real(L0, "L0", lower=0.0, upper=0.3)
    lo, hi = np.zeros(L0.shape), np.ones(L0.shape)
    for _ in range(48):
        mid = 0.5 * (lo + hi)
        up = _mk_orders(mid, L0) > 0
        hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
    return _out(0.5 * (lo + hi))


# ----------------------------------------------------------------------------------------------
# sublattices of a torus
# ----------------------------------------------------------------------------------------------
def _check_torus(shape, n: int = 1) -> tuple[int, int]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape, shape)
    try:
        L1, L2 = shape
    except (TypeError, ValueError):
        raise TypeError(f"shape must be an int L or a pair (L1, L2); got {shape!r}") from None
    L1, L2 = _int(L1, "shape[0]", 2), _int(L2, "shape[1]", 2)
    d = 2 ** max(1, (n + 1) // 2)
    if L1 % d or L2 % d:
        raise ValueError(f"shape = ({L1}, {L2}): both sides must be divisible by {d} for the sublattice of "
                         f"step n = {n}")
    return L1, L2


def _basis(n: int) -> tuple[tuple[int, int], tuple[int, int]]:
    r = 2 ** (n // 2)
    return ((r, r), (r, -r)) if n % 2 else ((r, 0), (0, r))


def sublattice_sites(shape, n: int) -> NDArray[np.int64]:
    r"""Flat indices (increasing) of the sites of :math:`\Lambda_n` on an ``L1 x L2`` torus.

    ``n = 0`` is the whole lattice; :math:`|\Lambda_n| = L_1L_2/2^n`.

    Examples
    --------
    >>> sublattice_sites(4, 1)
    array([ 0,  2,  5,  7,  8, 10, 13, 15])
    """
    n = _int(n, "n", 0, 40)
    L1, L2 = _check_torus(shape, n)
    i, j = np.divmod(np.arange(L1 * L2), L2)
    m = n // 2
    keep = (i % 2**m == 0) & (j % 2**m == 0)
    if n % 2:
        keep &= ((i + j) // 2**m) % 2 == 0
    return np.nonzero(keep)[0].astype(np.int64)


def _position_lookup(shape, sites):
    L1, L2 = shape
    pos = np.full(L1 * L2, -1, dtype=np.int64)
    pos[sites] = np.arange(len(sites))
    return pos


def _shift(sites, shape, d):
    L1, L2 = shape
    i, j = np.divmod(sites, L2)
    return ((i + d[0]) % L1) * L2 + (j + d[1]) % L2


def sublattice_bonds(shape, n: int) -> NDArray[np.int64]:
    r"""Nearest-neighbour bonds of :math:`\Lambda_n`: index pairs into :func:`sublattice_sites`, ``2 |Lambda_n|`` rows.

    Each site is bonded to its translates by the two bond vectors of :math:`\Lambda_n`, so there are always
    ``2 |Lambda_n|`` bonds (doubled bonds on tiny tori, as in :func:`rglib.ising.torus_bonds`).
    """
    n = _int(n, "n", 0, 40)
    shape = _check_torus(shape, n)
    sites = sublattice_sites(shape, n)
    pos = _position_lookup(shape, sites)
    b1, b2 = _basis(n)
    own = np.arange(len(sites))
    return np.concatenate([np.stack([own, pos[_shift(sites, shape, b)]], axis=1) for b in (b1, b2)])


def removed_site_neighbours(shape, n: int = 1) -> NDArray[np.int64]:
    r"""The four neighbours, in :math:`\Lambda_n`, of every site removed at step ``n``.

    The removed sites are :math:`\Lambda_{n-1}\setminus\Lambda_n`, in increasing flat index.

    Returns indices into :func:`sublattice_sites` ``(shape, n)``, shape ``(n_removed, 4)``, in cyclic order
    around the removed site (so columns 0-1, 1-2, 2-3, 3-0 are nearest neighbours of :math:`\Lambda_n`).
    """
    n = _int(n, "n", 1, 40)
    shape = _check_torus(shape, n)
    kept = sublattice_sites(shape, n)
    removed = np.setdiff1d(sublattice_sites(shape, n - 1), kept)
    pos = _position_lookup(shape, kept)
    b1, b2 = _basis(n - 1)
    ring = (b1, b2, (-b1[0], -b1[1]), (-b2[0], -b2[1]))
    return np.stack([pos[_shift(removed, shape, d)] for d in ring], axis=1)


# ----------------------------------------------------------------------------------------------
# exact distributions on small tori
# ----------------------------------------------------------------------------------------------
def torus_log_probabilities(shape, K: float) -> NDArray[np.float64]:
    """Log Boltzmann probabilities of all ``2**(L1 L2)`` configurations of the torus, by brute force.

    Enumeration order of :func:`rglib.ising.all_spin_configurations` over the flat site indices;
    ``L1 L2 <= MAX_UV_SPINS``, sides ``>= 2`` and even.
    """
    L1, L2 = _check_torus(shape, 1)
    if L1 * L2 > MAX_UV_SPINS:
        raise ValueError(f"shape = ({L1}, {L2}) has {L1 * L2} spins; brute force allows at most {MAX_UV_SPINS}")
    K = _real(K, "K")
    if K.ndim:
        raise ValueError(f"K must be a single real number; got shape {K.shape}")
    K = float(K)
    S = bond_sum(np.asfortranarray(all_spin_configurations(L1 * L2)), torus_bonds((L1, L2)))
    lw = K * S.astype(np.float64)
    return lw - logsumexp(lw)


def subset_state_codes(n_spins: int, positions: ArrayLike) -> NDArray[np.int64]:
    """State code of the spins at ``positions`` (in that order) for every state of ``n_spins`` spins.

    Generalizes :func:`rglib.ising.kept_state_codes` to any list of distinct positions ``0 <= p < n_spins``.
    """
    n_spins = _int(n_spins, "n_spins", 1, MAX_KEPT_SPINS)
    pos = np.asarray(positions)
    if pos.ndim != 1 or not np.issubdtype(pos.dtype, np.integer) or len(np.unique(pos)) != len(pos) \
            or (pos.size and (pos.min() < 0 or pos.max() >= n_spins)):
        raise ValueError(f"positions must be distinct ints in [0, {n_spins}); got {positions!r}")
    i = np.arange(2**n_spins, dtype=np.int64)
    code = np.zeros(2**n_spins, dtype=np.int64)
    m = len(pos)
    for k, p in enumerate(pos):  # one vectorized pass per kept position
        code |= ((i >> (n_spins - 1 - int(p))) & 1) << (m - 1 - k)
    return code


def marginal_on_sites(log_p: ArrayLike, n_spins: int, positions: ArrayLike) -> NDArray[np.float64]:
    """Exact marginal of a distribution over ``n_spins`` spins on the spins at ``positions`` (log-probabilities)."""
    n_spins = _int(n_spins, "n_spins", 1, MAX_KEPT_SPINS)
    if isinstance(log_p, (str, bytes)):
        raise TypeError(f"log_p must be an array of log-probabilities; got {type(log_p).__name__}")
    lp = np.asarray(log_p)
    if lp.dtype == object or np.iscomplexobj(lp) or not (np.issubdtype(lp.dtype, np.floating)
                                                         or np.issubdtype(lp.dtype, np.integer)):
        raise TypeError(f"log_p must be an array of real log-probabilities; got dtype {lp.dtype}")
    lp = lp.astype(np.float64)
    if np.any(np.isnan(lp)) or np.any(lp == np.inf):
        raise ValueError("log_p must hold log-probabilities: no NaN or +inf (-inf, probability 0, is allowed)")
    if lp.shape[-1:] != (2**n_spins,):
        raise ValueError(f"log_p must have 2**n_spins = {2**n_spins} states along its last axis; got {lp.shape}")
    code = subset_state_codes(n_spins, positions)
    m = len(np.asarray(positions))
    order = np.argsort(code, kind="stable")
    return logsumexp(lp[..., order].reshape(*lp.shape[:-1], 2**m, 2 ** (n_spins - m)), axis=-1)


def _spin_of(codes, n_spins, k):
    return 1 - 2 * ((codes >> np.uint32(n_spins - 1 - k)) & np.uint32(1)).astype(np.int8)


def plaquette_log_weights(shape, a_nn: float, a_nnn: float, a_4: float,
                          K_field: float | None = None) -> NDArray[np.float64]:
    r"""Unnormalized log weights, over all states of :math:`\Lambda_1`, of a Hamiltonian written per removed site.

    .. math:: \mathcal H(s) = \sum_{b\in\Lambda_0\setminus\Lambda_1}\Bigl[a_{\rm nn}(s_1s_2+s_2s_3+s_3s_4+s_4s_1)
              + a_{\rm nnn}(s_1s_3+s_2s_4) + a_4\,s_1s_2s_3s_4\Bigr],

    :math:`s_1..s_4` the neighbours of ``b`` in cyclic order. Written this way every bond gets the multiplicity
    of the plaquettes that contain it, also on tiny tori. A nearest-neighbour Ising model of coupling
    :math:`K'` is ``a_nn = K'/2``; the exact renormalized Hamiltonian is ``a_nn = a_nnn = c_2``, ``a_4 = c_4``.
    With ``K_field`` given, the couplings are ignored and the exact :math:`\sum_b\ln2\cosh(K\Sigma_b)` is
    returned instead. ``|Lambda_1| <= MAX_KEPT_SPINS``.
    """
    L1, L2 = _check_torus(shape, 1)
    nk = L1 * L2 // 2
    if nk > MAX_KEPT_SPINS:
        raise ValueError(f"shape = ({L1}, {L2}) keeps {nk} spins; exact tables allow at most {MAX_KEPT_SPINS}")
    nb = removed_site_neighbours((L1, L2), 1)
    codes = np.arange(2**nk, dtype=np.uint32)
    out = np.zeros(2**nk)
    if K_field is not None:
        K = float(_real(K_field, "K_field"))
        for row in nb:  # one vectorized pass over all states per removed site
            sig = sum(_spin_of(codes, nk, int(k)).astype(np.int16) for k in row)
            out += _log_2cosh(K * sig.astype(np.float64))
        return out
    a = [float(_real(x, name)) for x, name in ((a_nn, "a_nn"), (a_nnn, "a_nnn"), (a_4, "a_4"))]
    for row in nb:
        s = [_spin_of(codes, nk, int(k)) for k in row]
        nn = s[0] * s[1] + s[1] * s[2] + s[2] * s[3] + s[3] * s[0]
        nnn = s[0] * s[2] + s[1] * s[3]
        out += a[0] * nn + a[1] * nnn + a[2] * (s[0] * s[1] * s[2] * s[3])
    return out


def kept_marginal_log_probabilities(shape, K: float, n: int = 1) -> NDArray[np.float64]:
    r"""Exact marginal of the torus Boltzmann distribution on :math:`\Lambda_n` (log-probabilities).

    The removed spins of the first step are independent given the kept ones, so
    :math:`p'_1(s)\propto\prod_b2\cosh(K\Sigma_b)` (:func:`plaquette_log_weights` with ``K_field=K``) without
    enumerating the whole torus; later steps sum :math:`p'_1` over the spins not in :math:`\Lambda_n`.
    States in the order of :func:`sublattice_sites`. Needs :math:`|\Lambda_1|\le` ``MAX_KEPT_SPINS``.
    """
    n = _int(n, "n", 1, 40)
    L1, L2 = _check_torus(shape, n)
    K = _real(K, "K")
    if K.ndim:
        raise ValueError(f"K must be a single real number; got shape {K.shape}")
    lw = plaquette_log_weights((L1, L2), 0.0, 0.0, 0.0, K_field=float(K))
    lp = lw - logsumexp(lw)
    if n == 1:
        return lp
    s1 = sublattice_sites((L1, L2), 1)
    positions = np.searchsorted(s1, sublattice_sites((L1, L2), n))
    return marginal_on_sites(lp, len(s1), positions)


def first_step_walsh_couplings(shape, K: float) -> NDArray[np.float64]:
    r"""Walsh couplings :math:`J_S` of :math:`\ln p'_1` predicted by :func:`checkerboard_decimation` (constant dropped).

    Every removed site adds :math:`c_2` to the coupling of each pair of its neighbours and :math:`c_4` to the
    coupling of all four; pairs of coinciding sites (tiny tori) add to the constant, which is set to 0.
    Index ``S`` is the subset mask of :func:`rglib.ising.walsh_coefficients` over the sites
    :func:`sublattice_sites` ``(shape, 1)``.
    """
    L1, L2 = _check_torus(shape, 1)
    nk = L1 * L2 // 2
    if nk > MAX_KEPT_SPINS:
        raise ValueError(f"shape = ({L1}, {L2}) keeps {nk} spins; exact tables allow at most {MAX_KEPT_SPINS}")
    if _real(K, "K").ndim:
        raise ValueError(f"K must be a single real number; got shape {np.shape(K)}")
    c = checkerboard_decimation(K)
    nb = removed_site_neighbours((L1, L2), 1)
    bit = np.left_shift(np.int64(1), nk - 1 - nb)  # (n_removed, 4) masks
    J = np.zeros(2**nk)
    for a in range(4):
        for b in range(a + 1, 4):
            np.add.at(J, bit[:, a] ^ bit[:, b], c.K_nnn)
    np.add.at(J, bit[:, 0] ^ bit[:, 1] ^ bit[:, 2] ^ bit[:, 3], c.K_4)
    J[0] = 0.0
    return J

r"""Niemeijer-van Leeuwen cumulant RG: the triangular Ising lattice with majority-rule three-spin blocks.

Model and conventions
---------------------
Spins :math:`s_i=\pm1` sit on the triangular lattice with spacing 1, site :math:`r = i\,a_1 + j\,a_2`,
:math:`a_1=(1,0)`, :math:`a_2=(\tfrac12,\tfrac{\sqrt3}2)`. The reduced Hamiltonian (:math:`p(s)=e^{\mathcal K(s)}/Z`)
has pair couplings to the first, second and third neighbours (distances 1, :math:`\sqrt3` and 2, each pair
counted once):

.. math:: \mathcal K(s) = K_1\sum_{\langle ij\rangle_1}s_is_j + K_2\sum_{\langle ij\rangle_2}s_is_j
          + K_3\sum_{\langle ij\rangle_3}s_is_j .

The blocks are the "up" triangles :math:`\{R, R+a_1, R+a_2\}` with :math:`R` on the :math:`\sqrt3\times\sqrt3`
superlattice :math:`i\equiv j \pmod 3`; every site lies in exactly one block. The coarse spin of a block is the
majority sign :math:`\sigma'=\operatorname{sgn}(s_1+s_2+s_3)`. The blocks form a triangular lattice of spacing
:math:`\sqrt3`, so one step rescales lengths by :math:`b=\sqrt3`, and coarse couplings at coarse distances 1,
:math:`\sqrt3`, 2 (in units of the coarse spacing) are the new :math:`(K_1', K_2', K_3')`.

Cumulant expansion
------------------
Split :math:`\mathcal K=\mathcal K_0+V` with :math:`\mathcal K_0` the three nearest-neighbour bonds inside each
block (coupling :math:`K_1`) and :math:`V` every other bond. Under :math:`p_0(s\mid\sigma')` the blocks are
independent and, on one block, with :math:`u=\tanh 2K_1`,

.. math:: \langle s_a\rangle_0 = \phi\,\sigma',\quad \langle s_as_c\rangle_0=\psi\ (a\neq c),\qquad
          \phi=\frac1{2-u},\quad \psi=\frac{u}{2-u} .

The renormalized Hamiltonian :math:`\mathcal K' = \text{const} + \kappa_1 + \kappa_2/2 + \dots`, with
:math:`\kappa_n` the cumulants of :math:`V` under :math:`p_0(s\mid\sigma')`. To second order it contains only
pair couplings between coarse spins,

.. math:: K'_{JL} = \phi^2\!\!\sum_{a\in J,\,c\in L}\!\! K_{ac}
          \;+\; \sum_{I}\ \sum_{\substack{a,c\in I,\ b\in J,\ d\in L\\ \{ab\}\neq\{cd\}}}
          K_{ab}K_{cd}\,\phi^2\bigl(\langle s_as_c\rangle_0-\phi^2\bigr),

the second sum running over unordered pairs of bonds that share exactly one block :math:`I` (bonds that share
both blocks only shift the constant). :math:`\langle s_as_c\rangle_0` is 1 for :math:`a=c` and :math:`\psi`
otherwise, independent of :math:`\sigma'`, which is why no four-spin terms appear at this order. Second order
also generates pair couplings beyond the third coarse neighbour; the recursion keeps :math:`(K_1',K_2',K_3')`
and drops them, as Niemeijer and van Leeuwen did [1]_ [2]_.

On the nearest-neighbour axis the first-order recursion is :math:`K_1' = 2K_1\phi(K_1)^2` (two bonds join
neighbouring blocks), with the fixed point :math:`\tanh 2K^* = 2-\sqrt2`, i.e. :math:`K^*=\tfrac14\ln(1+2\sqrt2)`,
and thermal eigenvalue :math:`\lambda = 1+(16-10\sqrt2)K^*`, so
:math:`\nu=\ln\sqrt3/\ln\lambda\approx1.13`; the exact values are :math:`K_c=\tfrac14\ln3` and :math:`\nu=1`.

References
----------
.. [1] Th. Niemeijer and J. M. J. van Leeuwen, "Wilson theory for spin systems on a triangular lattice",
   Phys. Rev. Lett. 31, 1411 (1973).
.. [2] Th. Niemeijer and J. M. J. van Leeuwen, "Wilson theory for 2-dimensional Ising spin systems",
   Physica 71, 17 (1974).
"""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_int as _int
from .._checks import check_real_array as _real
from .._checks import check_real_scalar as _real_scalar

__all__ = [
    "REDUCTION_FACTOR",
    "BlockMoments",
    "majority_block_moments",
    "BlockCouplings",
    "block_cumulant_couplings",
    "TriangularTables",
    "triangular_cumulant_tables",
    "GeneratedCouplings",
    "triangular_generated_couplings",
    "triangular_recursion",
    "NvLFixedPoint",
    "nvl_fixed_point",
    "nvl_critical_coupling",
]

#: Length rescaling factor b of one step (three-site blocks on the triangular lattice).
REDUCTION_FACTOR = float(np.sqrt(3.0))

#: Bound on ``max_steps`` of :func:`nvl_critical_coupling` (each of <= 200 bisection steps runs one flow).
_MAX_FLOW_STEPS = 10**4

_A1 = np.array([1.0, 0.0])
_A2 = np.array([0.5, np.sqrt(3.0) / 2])
_FINE_SHELLS = (1, 3, 4)  # squared distances of the first, second and third neighbours


# ---------------------------------------------------------------------------------------------
# one block
# ---------------------------------------------------------------------------------------------
class BlockMoments(NamedTuple):
    """Moments of one three-spin block under the intra-block distribution given its majority spin."""

    mean: NDArray[np.float64]  #: phi: <s_a>_0 = phi * sigma' for each of the three spins
    pair: NDArray[np.float64]  #: psi: <s_a s_c>_0 for a != c (independent of sigma')


def _moments(K):
    """phi and psi for real or complex K (complex-step safe)."""
    u = np.tanh(2 * K)
    return 1.0 / (2.0 - u), u / (2.0 - u)


def majority_block_moments(K: ArrayLike) -> BlockMoments:
    r"""Single-spin and pair moments of a triangle block given its majority spin.

    The block Hamiltonian is :math:`K(s_1s_2+s_2s_3+s_3s_1)` and the block spin
    :math:`\sigma'=\operatorname{sgn}(s_1+s_2+s_3)`. Given :math:`\sigma'` the block is in one of four states
    (all aligned, weight :math:`e^{3K}`, or one spin reversed, weight :math:`e^{-K}` each), so

    .. math:: \phi = \frac{e^{3K}+e^{-K}}{e^{3K}+3e^{-K}} = \frac1{2-\tanh 2K},\qquad
              \psi = \frac{e^{3K}-e^{-K}}{e^{3K}+3e^{-K}} = \frac{\tanh 2K}{2-\tanh 2K}.

    Parameters
    ----------
    K : float or array_like
        Intra-block coupling (finite).

    Returns
    -------
    BlockMoments
        ``mean`` (:math:`\phi`) and ``pair`` (:math:`\psi`), with the shape of ``K``.

    See Also
    --------
    block_cumulant_couplings : uses these moments for the coarse couplings.

    Examples
    --------
    >>> from rglib.rg.cumulant_rg import majority_block_moments
    >>> m = majority_block_moments(0.0)            # free spins: P(s_a = sigma') = 3/4
    >>> float(m.mean), float(m.pair)
    (0.5, 0.0)
    >>> round(float(majority_block_moments(10.0).mean), 12)   # frozen block
    1.0
    """
    K = _real(K, "K")
    phi, psi = _moments(K)
    return BlockMoments(phi, psi)


# ---------------------------------------------------------------------------------------------
# any set of triangle blocks and inter-block bonds
# ---------------------------------------------------------------------------------------------
class BlockCouplings(NamedTuple):
    """Pair couplings between coarse spins from the first two cumulants (symmetric, zero diagonal)."""

    first: NDArray[np.float64]  #: (n_blocks, n_blocks): kappa_1 term, phi^2 * sum of the joining couplings
    second: NDArray[np.float64]  #: (n_blocks, n_blocks): kappa_2 / 2 term (add to ``first`` for order 2)


def _structure(block: NDArray[np.int64], bonds: NDArray[np.int64], couplings, n_blocks: int):
    """Geometry sums: first-order sums and second-order sums split by shared site (same / other)."""
    a, b = bonds[:, 0], bonds[:, 1]
    dtype = np.result_type(couplings, np.float64)
    first = np.zeros((n_blocks, n_blocks), dtype=dtype)
    np.add.at(first, (block[a], block[b]), couplings)
    first = first + first.T
    # half-bonds: each bond seen from each of its two blocks
    hb_block = np.concatenate([block[a], block[b]])
    hb_site = np.concatenate([a, b])
    hb_other = np.concatenate([block[b], block[a]])
    hb_K = np.concatenate([couplings, couplings])
    order = np.argsort(hb_block, kind="stable")
    hb_block, hb_site, hb_other, hb_K = hb_block[order], hb_site[order], hb_other[order], hb_K[order]
    counts = np.bincount(hb_block, minlength=n_blocks)
    width = int(counts.max()) if counts.size else 0
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(hb_block.size) - starts[hb_block]
    site = np.full((n_blocks, width), -1)
    other = np.full((n_blocks, width), -1)
    kk = np.zeros((n_blocks, width), dtype=dtype)
    site[hb_block, slot], other[hb_block, slot], kk[hb_block, slot] = hb_site, hb_other, hb_K
    u, v = np.triu_indices(width, 1)  # every unordered pair of half-bonds at the same block, once
    o1, o2 = other[:, u], other[:, v]
    w = kk[:, u] * kk[:, v]
    ok = (o1 >= 0) & (o2 >= 0) & (o1 != o2)  # share exactly this block
    same_site = site[:, u] == site[:, v]
    sums = []
    for mask in (ok & same_site, ok & ~same_site):
        m = np.zeros((n_blocks, n_blocks), dtype=dtype)
        np.add.at(m, (o1[mask], o2[mask]), w[mask])
        sums.append(m + m.T)
    return first, sums[0], sums[1]


def _check_blocks_bonds(block_of_site, bonds, couplings):
    block = np.asarray(block_of_site)
    if block.ndim != 1 or block.size == 0 or not np.issubdtype(block.dtype, np.integer):
        raise TypeError("block_of_site must be a non-empty 1-D integer array (the block label of each site)")
    if block.min() < 0:
        raise ValueError(f"block_of_site must be >= 0; got {block.min()}")
    n_blocks = int(block.max()) + 1
    if np.any(np.bincount(block, minlength=n_blocks) != 3):
        raise ValueError("block_of_site must give every block 0 .. n_blocks - 1 exactly three sites")
    bonds = np.asarray(bonds)
    if bonds.ndim != 2 or bonds.shape[1] != 2 or not np.issubdtype(bonds.dtype, np.integer):
        raise TypeError(f"bonds must be an integer array of shape (n_bonds, 2); got shape {bonds.shape}")
    if bonds.size and (bonds.min() < 0 or bonds.max() >= block.size):
        raise ValueError(f"bonds must hold site indices in [0, {block.size - 1}]")
    if np.any(block[bonds[:, 0]] == block[bonds[:, 1]]):
        raise ValueError("bonds must join sites of different blocks (the bonds inside a block are K_block)")
    couplings = _real(couplings, "couplings")
    if couplings.shape != (bonds.shape[0],):
        raise ValueError(f"couplings must have shape ({bonds.shape[0]},), one per bond; got {couplings.shape}")
    return block.astype(np.int64), bonds.astype(np.int64), couplings, n_blocks


def block_cumulant_couplings(block_of_site: ArrayLike, bonds: ArrayLike, couplings: ArrayLike,
                             K_block: float) -> BlockCouplings:
    r"""Coarse pair couplings from the first two cumulants of the inter-block bonds (majority rule).

    Every block holds three sites, coupled to each other by ``K_block`` on all three pairs (a triangle); the
    coarse spin is their majority. ``bonds`` are the couplings between blocks, :math:`V=\sum K_{ab}s_as_b`.
    The result is the first- and second-order terms of the module's formula for :math:`K'_{JL}`, for any
    geometry (a lattice, a finite cluster, random bonds).

    Parameters
    ----------
    block_of_site : array_like of int, shape ``(n_sites,)``
        Block label of each site; every label ``0 .. n_blocks - 1`` occurs exactly three times.
    bonds : array_like of int, shape ``(n_bonds, 2)``
        Site pairs in different blocks (a pair listed twice counts twice).
    couplings : array_like, shape ``(n_bonds,)``
        :math:`K_{ab}` of each bond.
    K_block : float
        The intra-block coupling.

    Returns
    -------
    BlockCouplings
        ``first`` and ``second``, symmetric ``(n_blocks, n_blocks)`` matrices; the coupling of the coarse pair
        ``(J, L)`` is ``first[J, L]`` to first order and ``first[J, L] + second[J, L]`` to second order.

    See Also
    --------
    rglib.rg.blockspin.renormalized_hamiltonian : the exact :math:`\mathcal K'` by enumeration (ring geometry).

    Examples
    --------
    Two blocks joined by one bond: first order :math:`\phi^2K`, and a single bond has no second-order pair term.

    >>> import numpy as np
    >>> from rglib.rg.cumulant_rg import block_cumulant_couplings, majority_block_moments
    >>> c = block_cumulant_couplings([0, 0, 0, 1, 1, 1], [[0, 3]], [0.2], K_block=0.3)
    >>> bool(np.isclose(c.first[0, 1], majority_block_moments(0.3).mean ** 2 * 0.2)), float(c.second[0, 1])
    (True, 0.0)
    """
    block, bonds, couplings, n_blocks = _check_blocks_bonds(block_of_site, bonds, couplings)
    K_block = _real_scalar(K_block, "K_block")
    phi, psi = _moments(K_block)
    first, same, other = _structure(block, bonds, couplings, n_blocks)
    return BlockCouplings(phi**2 * first, phi**2 * ((1 - phi**2) * same + (psi - phi**2) * other))


# ---------------------------------------------------------------------------------------------
# the triangular lattice
# ---------------------------------------------------------------------------------------------
class TriangularTables(NamedTuple):
    r"""Lattice sums of the triangular-lattice recursion, per pair of coarse spins of each coarse shell.

    The coupling of a coarse pair in shell ``r`` is :math:`\phi^2\,F_r\cdot K
    + \phi^2(1-\phi^2)\,K^\top S_r K + \phi^2(\psi-\phi^2)\,K^\top O_r K` with :math:`K=(K_1,K_2,K_3)`.
    """

    shells: NDArray[np.int64]  #: (n_shells,) squared coarse distances (coarse spacing 1): 1, 3, 4, 7, ...
    first: NDArray[np.float64]  #: (n_shells, 3) F_r: bonds of each fine type joining one coarse pair
    same_site: NDArray[np.float64]  #: (n_shells, 3, 3) S_r: bond pairs through one shared site (symmetric)
    other_site: NDArray[np.float64]  #: (n_shells, 3, 3) O_r: bond pairs through two sites of one block


def _triangular_lattice(n_cells: int):
    """Sites, blocks, inter-block bonds (with fine type 0, 1, 2) and block centres of a periodic 3n x 3n patch."""
    L = 3 * n_cells
    i, j = (g.ravel() for g in np.meshgrid(np.arange(L), np.arange(L), indexing="ij"))
    off = (i - j) % 3  # 0: block origin R, 1: R + a1, 2: R + a2
    Ri = np.where(off == 1, i - 1, i) % L
    Rj = np.where(off == 2, j - 1, j) % L
    origins = np.flatnonzero(off == 0)
    label = np.full(L * L, -1)
    label[origins] = np.arange(origins.size)
    block = label[Ri * L + Rj]
    site = i * L + j
    bonds, types = [], []
    steps = [(di, dj) for di in range(-2, 3) for dj in range(-2, 3)]
    for t, d2 in enumerate(_FINE_SHELLS):
        for di, dj in steps:
            if round(float(np.sum((di * _A1 + dj * _A2) ** 2)), 9) != d2:
                continue
            nbr = ((i + di) % L) * L + (j + dj) % L
            keep = site < nbr  # each pair once
            bonds.append(np.stack([site[keep], nbr[keep]], 1))
            types.append(np.full(keep.sum(), t))
    bonds, types = np.concatenate(bonds), np.concatenate(types)
    inter = block[bonds[:, 0]] != block[bonds[:, 1]]
    centre = np.stack([i[origins] + 1 / 3, j[origins] + 1 / 3], 1)  # block centres in (i, j) coordinates
    return L, block, bonds[inter], types[inter], centre


def _coarse_d2(centre: NDArray, L: int) -> NDArray[np.int64]:
    """Squared minimum-image distance between block centres, in units of the coarse spacing sqrt(3)."""
    d = centre[None, :, :] - centre[:, None, :]
    d = (d + L / 2) % L - L / 2
    xy = d[..., 0, None] * _A1 + d[..., 1, None] * _A2
    return np.rint(np.sum(xy**2, -1) / 3).astype(np.int64)


@cache
def _tables(n_cells: int) -> TriangularTables:
    L, block, bonds, types, centre = _triangular_lattice(n_cells)
    n_blocks = centre.shape[0]
    d2 = _coarse_d2(centre, L)
    unit = [(types == t).astype(np.float64) for t in range(3)]
    quad = {}
    firsts = []
    for a in range(3):
        f, s, o = _structure(block, bonds, unit[a], n_blocks)
        firsts.append(f)
        quad[a, a] = (s, o)
        for b in range(a + 1, 3):
            _, s2, o2 = _structure(block, bonds, unit[a] + unit[b], n_blocks)
            quad[a, b] = quad[b, a] = (s2, o2)
    off_diag = ~np.eye(n_blocks, dtype=bool)
    shells = np.unique(d2[off_diag])
    first = np.zeros((shells.size, 3))
    same = np.zeros((shells.size, 3, 3))
    other = np.zeros((shells.size, 3, 3))
    for k, r in enumerate(shells):
        pairs = (d2 == r) & off_diag

        def per_pair(m):
            vals = m[pairs]
            if np.ptp(vals) > 1e-9:  # pragma: no cover - would mean the shell is not one orbit of the lattice
                raise RuntimeError(f"coarse shell {r} has inequivalent pairs")
            return vals[0]

        for a in range(3):
            first[k, a] = per_pair(firsts[a])
            for b in range(3):
                if a == b:
                    same[k, a, a], other[k, a, a] = per_pair(quad[a, a][0]), per_pair(quad[a, a][1])
                else:  # polarization: the mixed part of the quadratic form, split evenly
                    same[k, a, b] = 0.5 * (per_pair(quad[a, b][0]) - per_pair(quad[a, a][0]) - per_pair(quad[b, b][0]))
                    other[k, a, b] = 0.5 * (per_pair(quad[a, b][1]) - per_pair(quad[a, a][1]) - per_pair(quad[b, b][1]))
    used = (np.abs(first).sum(1) + np.abs(same).sum((1, 2)) + np.abs(other).sum((1, 2))) > 0
    out = TriangularTables(shells[used], first[used], same[used], other[used])
    if out.shells[:3].tolist() != [1, 3, 4]:  # pragma: no cover - the recursion reads shells 0..2 as K1..K3
        raise RuntimeError(f"unexpected coarse shells {out.shells[:3]}")
    for arr in out:
        arr.setflags(write=False)
    return out


def triangular_cumulant_tables(n_cells: int = 6) -> TriangularTables:
    r"""Lattice sums of the triangular-lattice cumulant recursion, counted on a periodic patch.

    The fine lattice is a periodic :math:`3n\times3n` patch (``n = n_cells``); its blocks, inter-block bonds
    and coarse shells are built explicitly and the sums of :func:`block_cumulant_couplings` are evaluated with
    unit couplings of each fine type. Every pair of coarse spins in one shell gets the same sums (checked); the
    result does not depend on ``n_cells`` once the patch is larger than the range of the second-order terms
    (``n_cells >= 5``).

    Parameters
    ----------
    n_cells : int
        Patch side in units of three lattice spacings (``>= 5``).

    Returns
    -------
    TriangularTables
        Only shells that receive a coupling are listed.

    Examples
    --------
    >>> from rglib.rg.cumulant_rg import triangular_cumulant_tables
    >>> t = triangular_cumulant_tables()
    >>> t.shells[:3].tolist()                 # coarse first, second, third neighbours
    [1, 3, 4]
    >>> t.first[0].tolist()                   # nn blocks are joined by 2 nn, 3 nnn and 2 third-nn bonds
    [2.0, 3.0, 2.0]
    """
    return _tables(_int(n_cells, "n_cells", 5, 12))


class GeneratedCouplings(NamedTuple):
    """Every pair coupling one recursion step generates, by coarse shell."""

    shells: NDArray[np.int64]  #: squared coarse distances (1, 3, 4 are kept by the recursion)
    couplings: NDArray[np.float64]  #: coupling of each shell


_SECOND_ORDER = ("nearest", "all")


def _check_scheme(order, second_order) -> tuple[int, str]:
    order = _int(order, "order", 1, 2)
    if second_order not in _SECOND_ORDER:
        raise ValueError(f"second_order must be 'nearest' or 'all'; got {second_order!r}")
    return order, second_order


def _generated(K, order: int, second_order: str, tables: TriangularTables):
    """All shells' couplings for a real or complex coupling vector K (complex-step safe)."""
    phi, psi = _moments(K[0])
    out = phi**2 * (tables.first @ K)
    if order == 2:
        if second_order == "nearest":  # Niemeijer-van Leeuwen: K2, K3 = O(K1^2), so only K1^2 terms are second order
            q_same, q_other = tables.same_site[:, 0, 0] * K[0] ** 2, tables.other_site[:, 0, 0] * K[0] ** 2
        else:
            q_same = np.einsum("a,rab,b->r", K, tables.same_site, K)
            q_other = np.einsum("a,rab,b->r", K, tables.other_site, K)
        out = out + phi**2 * ((1 - phi**2) * q_same + (psi - phi**2) * q_other)
    return out


def _couplings3(couplings) -> NDArray[np.float64]:
    K = _real(couplings, "couplings")
    if K.shape != (3,):
        raise ValueError(f"couplings must be (K1, K2, K3), shape (3,); got shape {K.shape}")
    return K


def triangular_generated_couplings(couplings: ArrayLike, order: int = 1, *,
                                   second_order: str = "nearest") -> GeneratedCouplings:
    r"""All pair couplings that one cumulant-RG step generates from :math:`(K_1,K_2,K_3)`.

    Parameters
    ----------
    couplings : array_like, shape ``(3,)``
        :math:`(K_1, K_2, K_3)`.
    order : int
        1 or 2: the order of the cumulant expansion.
    second_order : "nearest" or "all"
        Which bonds enter the second cumulant (see :func:`triangular_recursion`).

    Returns
    -------
    GeneratedCouplings
        Shells 1, 3, 4 are the recursion's :math:`(K_1',K_2',K_3')`; second order adds longer ones.

    Examples
    --------
    >>> from rglib.rg.cumulant_rg import triangular_generated_couplings
    >>> triangular_generated_couplings([0.3, 0.0, 0.0], order=2).shells.tolist()
    [1, 3, 4]
    >>> g = triangular_generated_couplings([0.3, -0.01, -0.01], order=2, second_order="all")
    >>> g.shells.tolist()                   # K1 K3 and K3^2 terms reach beyond the third coarse neighbour
    [1, 3, 4, 7, 9, 12]
    """
    K = _couplings3(couplings)
    order, second_order = _check_scheme(order, second_order)
    tables = _tables(6)
    vals = _generated(K, order, second_order, tables).astype(np.float64)
    keep = np.abs(tables.first).sum(1) > 0
    if order == 2:
        keep |= np.abs(tables.same_site[:, 0, 0]) + np.abs(tables.other_site[:, 0, 0]) > 0
        if second_order == "all":
            keep[:] = True
    return GeneratedCouplings(tables.shells[keep], vals[keep])


def triangular_recursion(couplings: ArrayLike, order: int = 1, *, second_order: str = "nearest") -> NDArray[np.float64]:
    r"""One Niemeijer-van Leeuwen step :math:`(K_1,K_2,K_3)\mapsto(K_1',K_2',K_3')`.

    First order, with the bond counts of :func:`triangular_cumulant_tables` and :math:`\phi=1/(2-\tanh2K_1)`:

    .. math:: K_1' = \phi^2(2K_1+3K_2+2K_3),\qquad K_2' = \phi^2K_3,\qquad K_3' = 0 .

    Second order adds the :math:`\kappa_2/2` terms and drops couplings beyond the third coarse neighbour.
    ``second_order="nearest"`` (the default, Niemeijer and van Leeuwen's scheme) keeps only the second cumulant
    of the nearest-neighbour bonds: near the fixed point :math:`K_2, K_3 = O(K_1^2)`, so their products with
    other couplings are of third order. ``"all"`` keeps every product :math:`K_aK_b`.

    Parameters
    ----------
    couplings : array_like, shape ``(3,)``
        :math:`(K_1, K_2, K_3)`.
    order : int
        1 or 2.
    second_order : "nearest" or "all"

    Returns
    -------
    ndarray, shape ``(3,)``

    See Also
    --------
    triangular_generated_couplings : also returns the dropped longer-range couplings.

    Examples
    --------
    >>> import numpy as np
    >>> from rglib.rg.cumulant_rg import triangular_recursion
    >>> K = 0.3
    >>> phi = 1 / (2 - np.tanh(2 * K))
    >>> bool(np.allclose(triangular_recursion([K, 0, 0]), [2 * K * phi**2, 0, 0]))
    True
    """
    K = _couplings3(couplings)
    order, second_order = _check_scheme(order, second_order)
    return _generated(K, order, second_order, _tables(6))[:3].astype(np.float64)


class NvLFixedPoint(NamedTuple):
    """The critical fixed point of the cumulant recursion, its linearization and the critical coupling."""

    couplings: NDArray[np.float64]  #: (K1*, K2*, K3*)
    jacobian: NDArray[np.float64]  #: (3, 3) dK'_r / dK_s at the fixed point
    eigenvalues: NDArray  #: eigenvalues of the Jacobian, by decreasing modulus
    thermal_eigenvalue: float  #: the relevant eigenvalue lambda_t > 1
    nu: float  #: correlation-length exponent ln b / ln lambda_t, b = sqrt(3)
    critical_coupling: float  #: K_c: the nearest-neighbour coupling whose flow ends on the fixed point
    order: int  #: order of the cumulant expansion


def _jacobian(K: NDArray, order: int, second_order: str, tables: TriangularTables) -> NDArray[np.float64]:
    """Jacobian by the complex-step derivative (exact to round-off, no subtractive cancellation)."""
    h = 1e-30
    cols = [_generated(K + 1j * h * e, order, second_order, tables)[:3].imag / h for e in np.eye(3)]
    return np.stack(cols, 1)


def _side(K1: float, order: int, second_order: str, tables: TriangularTables, max_steps: int) -> int:
    """+1 if the flow from (K1, 0, 0) runs to strong coupling, -1 if to zero, 0 if undecided."""
    K = np.array([K1, 0.0, 0.0])
    for _ in range(max_steps):
        K = _generated(K, order, second_order, tables)[:3]
        if K[0] > 2.0:
            return 1
        if np.abs(K).max() < 0.02:
            return -1
    return 0


def nvl_critical_coupling(order: int = 1, *, second_order: str = "nearest", tol: float = 1e-13,
                          max_steps: int = 500) -> float:
    r"""The nearest-neighbour coupling :math:`K_c` whose flow ends on the critical fixed point (bisection).

    The flow from :math:`(K, 0, 0)` runs to strong coupling (:math:`K_1>2`) for :math:`K > K_c` and to zero
    (all :math:`|K_r|<0.02`) for :math:`K<K_c`; :math:`K_c` is where the nearest-neighbour axis crosses the
    critical surface of the (truncated) recursion. At first order the axis is invariant and :math:`K_c = K^*`.

    Parameters
    ----------
    order : int
        1 or 2.
    second_order : "nearest" or "all"
        See :func:`triangular_recursion`.
    tol : float
        Width of the final bracket (``> 0``).
    max_steps : int
        Longest flow followed to classify a starting point (``>= 10``).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from rglib.rg.cumulant_rg import nvl_critical_coupling
    >>> bool(abs(nvl_critical_coupling(order=1) - np.log(1 + 2 * np.sqrt(2)) / 4) < 1e-12)
    True
    """
    order, second_order = _check_scheme(order, second_order)
    tol = _real_scalar(tol, "tol", lower=0.0, lower_strict=True)
    max_steps = _int(max_steps, "max_steps", 10, _MAX_FLOW_STEPS)
    tables = _tables(6)
    lo, hi = 0.05, 1.0
    if _side(lo, order, second_order, tables, max_steps) != -1 or \
            _side(hi, order, second_order, tables, max_steps) != 1:  # pragma: no cover
        raise RuntimeError("the bracket [0.05, 1] does not contain the critical coupling")
    for _ in range(200):  # bisection halves the bracket; 200 halvings reach the spacing of floats near K_c
        if hi - lo <= tol:
            break
        mid = 0.5 * (lo + hi)
        side = _side(mid, order, second_order, tables, max_steps)
        if side == 0:  # the flow stays near the fixed point for max_steps: mid is K_c to this precision
            return mid
        lo, hi = (lo, mid) if side > 0 else (mid, hi)
    return 0.5 * (lo + hi)


def nvl_fixed_point(order: int = 1, *, second_order: str = "nearest") -> NvLFixedPoint:
    r"""The critical fixed point of the first- or second-order cumulant recursion and its exponent.

    The fixed point is found where the critical flow goes: from :math:`K_c` (:func:`nvl_critical_coupling`)
    the flow is followed to the point where it moves least, which then starts Newton's method on
    :math:`R(K)-K=0` with the exact (complex-step) Jacobian. The largest eigenvalue of the Jacobian is the
    thermal eigenvalue :math:`\lambda_t`, and :math:`\nu=\ln b/\ln\lambda_t` with :math:`b=\sqrt3`.

    Parameters
    ----------
    order : int
        1 or 2.
    second_order : "nearest" or "all"
        See :func:`triangular_recursion`.

    Returns
    -------
    NvLFixedPoint

    Examples
    --------
    >>> import numpy as np
    >>> from rglib.rg.cumulant_rg import nvl_fixed_point
    >>> fp = nvl_fixed_point(order=1)
    >>> bool(np.isclose(fp.couplings[0], np.log(1 + 2 * np.sqrt(2)) / 4))
    True
    >>> round(fp.nu, 4)
    1.1335
    """
    order, second_order = _check_scheme(order, second_order)
    tables = _tables(6)
    K_c = nvl_critical_coupling(order, second_order=second_order)
    K, best, best_move = np.array([K_c, 0.0, 0.0]), None, np.inf
    for _ in range(200):  # the critical flow lingers at the fixed point before round-off pushes it away
        K_next = _generated(K, order, second_order, tables)[:3]
        move = np.abs(K_next - K).max()
        if move < best_move:
            best, best_move = K, move
        K = K_next
        if K[0] > 2.0 or np.abs(K).max() < 0.02:
            break
    K = best
    for _ in range(50):
        F = _generated(K, order, second_order, tables)[:3] - K
        step = np.linalg.solve(_jacobian(K, order, second_order, tables) - np.eye(3), -F)
        K = K + step
        if np.abs(step).max() < 1e-15:
            break
    if np.abs(_generated(K, order, second_order, tables)[:3] - K).max() > 1e-12:  # pragma: no cover
        raise RuntimeError("Newton iteration for the fixed point did not converge")
    J = _jacobian(K, order, second_order, tables)
    ev = np.real_if_close(np.linalg.eigvals(J), tol=1000)
    ev = ev[np.argsort(-np.abs(ev))]
    lam = float(np.real(ev[0]))
    return NvLFixedPoint(K, J, ev, lam, float(np.log(REDUCTION_FACTOR) / np.log(lam)), K_c, order)

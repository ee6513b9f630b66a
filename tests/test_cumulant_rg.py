"""Tests of rglib.rg.cumulant_rg: block moments and second-order couplings against brute-force enumeration,
the triangular-lattice tables against the lattice itself, and the fixed points against closed forms."""
import numpy as np
import pytest

from rglib.rg import cumulant_rg as crg

KSTAR1 = np.log(1 + 2 * np.sqrt(2)) / 4  # first order: tanh 2K* = 2 - sqrt(2)


def _states(n):
    """All 2**n configurations of n spins as a (2**n, n) array of +-1."""
    return 1 - 2 * ((np.arange(2**n)[:, None] >> np.arange(n)) & 1)


def _cluster_cumulants(block, bonds, couplings, K_block, scale=1.0):
    """Exact kappa_1, kappa_2 and ln<e^V> under p0(s | sigma') for every coarse state, by enumeration."""
    n, nb = block.size, block.max() + 1
    s = _states(n)
    K0 = np.zeros(len(s))
    for J in range(nb):
        a, b, c = np.flatnonzero(block == J)
        K0 += K_block * (s[:, a] * s[:, b] + s[:, b] * s[:, c] + s[:, a] * s[:, c])
    V = scale * (s[:, bonds[:, 0]] * s[:, bonds[:, 1]]) @ couplings
    maj = np.stack([np.sign(s[:, block == J].sum(1)) for J in range(nb)], 1)
    code = ((maj < 0) * (2 ** np.arange(nb))).sum(1)
    k1, k2, lnm = (np.zeros(2**nb) for _ in range(3))
    for c in range(2**nb):
        m = code == c
        w = np.exp(K0[m] - K0[m].max())
        w /= w.sum()
        k1[c] = w @ V[m]
        k2[c] = w @ V[m] ** 2 - k1[c] ** 2
        lnm[c] = np.log(w @ np.exp(V[m]))
    return k1, k2, lnm


def _pair_coefficients(f, nb):
    """Walsh coefficients of sigma'_J sigma'_L of a function of nb coarse spins (coarse state c: bit J set = -1)."""
    sig = _states(nb)
    M = np.einsum("c,cj,cl->jl", f, sig, sig) / 2**nb
    np.fill_diagonal(M, 0.0)
    return M


@pytest.mark.parametrize("K", [-0.7, -0.1, 0.0, 0.3, 1.2])
def test_block_moments_against_enumeration(K):
    s = _states(3)
    w = np.exp(K * (s[:, 0] * s[:, 1] + s[:, 1] * s[:, 2] + s[:, 0] * s[:, 2]))
    up = s.sum(1) > 0  # sigma' = +1
    p = w[up] / w[up].sum()
    m = crg.majority_block_moments(K)
    assert abs(p @ s[up, 0] - m.mean) < 1e-14 and abs(p @ s[up, 2] - m.mean) < 1e-14
    assert abs(p @ (s[up, 0] * s[up, 1]) - m.pair) < 1e-14 and abs(p @ (s[up, 1] * s[up, 2]) - m.pair) < 1e-14
    # sigma' = -1: the mean flips, the pair moment does not
    p_dn = w[~up] / w[~up].sum()
    assert abs(p_dn @ s[~up, 1] + m.mean) < 1e-14 and abs(p_dn @ (s[~up, 0] * s[~up, 2]) - m.pair) < 1e-14


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_block_couplings_are_the_first_two_cumulants(seed):
    rng = np.random.default_rng(seed)
    nb = 4
    block = rng.permutation(np.repeat(np.arange(nb), 3))  # blocks need not be contiguous
    pairs = [(a, b) for a in range(12) for b in range(a + 1, 12) if block[a] != block[b]]
    bonds = np.array([pairs[k] for k in rng.choice(len(pairs), 16, replace=False)])
    bonds = np.concatenate([bonds, bonds[:2]])  # a repeated bond counts twice
    couplings = rng.normal(0, 0.4, len(bonds))
    K_block = rng.uniform(-0.5, 0.8)
    k1, k2, _ = _cluster_cumulants(block, bonds, couplings, K_block)
    res = crg.block_cumulant_couplings(block, bonds, couplings, K_block)
    assert np.abs(_pair_coefficients(k1, nb) - res.first).max() < 1e-13
    assert np.abs(_pair_coefficients(k2 / 2, nb) - res.second).max() < 1e-13
    assert np.abs(res.second).max() > 1e-3  # the test has power
    # second order has no four-spin term (psi does not depend on sigma')
    assert abs(k2 @ np.prod(_states(nb), 1)) / 2**nb < 1e-13


def test_truncation_error_is_third_order():
    """The exact ln<e^V> minus the two-cumulant couplings shrinks like eps^3 (first order alone: eps^2)."""
    rng = np.random.default_rng(7)
    block = np.repeat(np.arange(3), 3)
    pairs = [(a, b) for a in range(9) for b in range(a + 1, 9) if block[a] != block[b]]
    bonds = np.array(pairs)
    couplings = rng.normal(0, 0.5, len(bonds))
    err1, err2 = [], []
    for eps in (0.08, 0.04, 0.02):
        lnm = _cluster_cumulants(block, bonds, couplings, 0.4, scale=eps)[2]
        exact = _pair_coefficients(lnm, 3)
        res = crg.block_cumulant_couplings(block, bonds, eps * couplings, 0.4)
        err1.append(np.abs(exact - res.first).max())
        err2.append(np.abs(exact - res.first - res.second).max())
    r1, r2 = np.array(err1[:-1]) / err1[1:], np.array(err2[:-1]) / err2[1:]
    assert np.all(np.abs(r1 - 4) < 0.4) and np.all(np.abs(r2 - 8) < 0.8), (r1, r2)


def test_tables_do_not_depend_on_patch_size_and_count_the_bonds():
    t6 = crg.triangular_cumulant_tables()
    for n in (5, 7):
        t = crg.triangular_cumulant_tables(n)
        assert all(np.array_equal(a, b) for a, b in zip(t6, t))
    assert t6.shells[:3].tolist() == [1, 3, 4]
    assert t6.first[:3].tolist() == [[2, 3, 2], [0, 0, 1], [0, 0, 0]]
    assert np.abs(t6.first[3:]).max() == 0
    for m in (t6.same_site, t6.other_site):
        assert np.array_equal(m, m.transpose(0, 2, 1))
    # second cumulant of the nn bonds: a coarse nn pair has two common neighbour blocks, 2 x 2 x 2 bond pairs
    assert t6.same_site[0, 0, 0] + t6.other_site[0, 0, 0] == 8


def test_recursion_equals_the_lattice_engine():
    """triangular_recursion (tables) against block_cumulant_couplings on the periodic lattice itself."""
    L, block, bonds, types, centre = crg._triangular_lattice(6)
    d2 = crg._coarse_d2(centre, L)
    K = np.array([0.31, -0.04, 0.025])
    res = crg.block_cumulant_couplings(block, bonds, K[types], K_block=K[0])
    for order in (1, 2):
        total = res.first + (res.second if order == 2 else 0)
        direct = [total[d2 == r].mean() for r in (1, 3, 4)]
        assert all(np.ptp(total[d2 == r]) < 1e-12 for r in (1, 3, 4))
        got = crg.triangular_recursion(K, order, second_order="all")
        assert np.abs(got - direct).max() < 1e-13
    gen = crg.triangular_generated_couplings(K, 2, second_order="all")
    for r, v in zip(gen.shells, gen.couplings):
        assert abs(total[d2 == r].mean() - v) < 1e-13
    assert np.abs(total[d2 > 12]).max() == 0  # nothing beyond the listed shells


def test_nearest_scheme_keeps_only_k1_squared():
    K = np.array([0.3, -0.02, 0.01])
    t = crg.triangular_cumulant_tables()
    phi, psi = crg.majority_block_moments(K[0])
    expected = phi**2 * (t.first[:3] @ K) + phi**2 * K[0] ** 2 * (
        (1 - phi**2) * t.same_site[:3, 0, 0] + (psi - phi**2) * t.other_site[:3, 0, 0])
    assert np.abs(crg.triangular_recursion(K, 2) - expected).max() < 1e-15
    # on the nn axis the two schemes agree
    axis = [0.3, 0, 0]
    assert np.abs(crg.triangular_recursion(axis, 2) - crg.triangular_recursion(axis, 2, second_order="all")).max() < 1e-15


def test_first_order_closed_forms():
    for K in (0.1, 0.3, 0.6):
        phi = (np.exp(3 * K) + np.exp(-K)) / (np.exp(3 * K) + 3 * np.exp(-K))
        assert np.abs(crg.triangular_recursion([K, 0, 0]) - [2 * K * phi**2, 0, 0]).max() < 1e-15
    fp = crg.nvl_fixed_point(1)
    lam = 1 + (16 - 10 * np.sqrt(2)) * KSTAR1  # d/dK (2 K phi^2) at phi^2 = 1/2
    assert np.abs(fp.couplings - [KSTAR1, 0, 0]).max() < 1e-14
    assert abs(fp.thermal_eigenvalue - lam) < 1e-12
    assert abs(fp.nu - np.log(np.sqrt(3)) / np.log(lam)) < 1e-12 and abs(fp.nu - 1.13353) < 1e-5
    assert abs(fp.critical_coupling - KSTAR1) < 1e-12
    assert np.abs(fp.eigenvalues[1:]).max() < 1e-12  # K2, K3 are irrelevant and die in one to two steps
    assert fp.order == 1


@pytest.mark.parametrize("second_order, lin_tol", [("nearest", 2e-4), ("all", 0.02)])
def test_second_order_fixed_point_and_flow(second_order, lin_tol):
    fp = crg.nvl_fixed_point(2, second_order=second_order)
    R = lambda K: crg.triangular_recursion(K, 2, second_order=second_order)  # noqa: E731
    assert np.abs(R(fp.couplings) - fp.couplings).max() < 1e-13
    # complex-step Jacobian against central differences
    h = 1e-6
    J_fd = np.stack([(R(fp.couplings + h * e) - R(fp.couplings - h * e)) / (2 * h) for e in np.eye(3)], 1)
    assert np.abs(J_fd - fp.jacobian).max() < 1e-8
    assert fp.thermal_eigenvalue > 1 and np.all(np.abs(fp.eigenvalues[1:]) < 1)
    # K_c: just above it the flow runs to strong coupling, just below to zero
    for dK, sign in ((1e-7, 1), (-1e-7, -1)):
        assert crg._side(fp.critical_coupling + dK, 2, second_order, crg._tables(6), 500) == sign
    # the linearized critical surface u . (K - K*) = 0 crosses the axis close to the true K_c (closer for the
    # 'nearest' fixed point, which lies near the axis; the error is quadratic in the distance)
    w, V = np.linalg.eig(fp.jacobian.T)
    u = np.real(V[:, np.argmax(np.real(w))])
    assert abs(u @ fp.couplings / u[0] - fp.critical_coupling) < lin_tol


def test_second_order_matches_niemeijer_van_leeuwen():
    """The 'nearest' scheme reproduces the second-order fixed point and K_c that Niemeijer and van Leeuwen
    report (to the printed digits), and moves K_c and nu towards the exact ln(3)/4 and 1."""
    fp1, fp2 = crg.nvl_fixed_point(1), crg.nvl_fixed_point(2)
    assert np.abs(fp2.couplings - [0.2789, -0.0143, -0.0152]).max() < 6e-5
    assert abs(fp2.critical_coupling - 0.2575) < 6e-5
    Kc_exact = np.log(3) / 4
    assert abs(fp2.critical_coupling - Kc_exact) < abs(fp1.critical_coupling - Kc_exact) / 3
    assert abs(fp2.nu - 1) < abs(fp1.nu - 1) / 3


def test_bad_input():
    with pytest.raises(ValueError, match="order must be"):
        crg.triangular_recursion([0.3, 0, 0], order=3)
    with pytest.raises(ValueError, match="second_order must be"):
        crg.triangular_recursion([0.3, 0, 0], 2, second_order="some")
    with pytest.raises(ValueError, match=r"couplings must be \(K1, K2, K3\)"):
        crg.triangular_recursion([0.3, 0])
    with pytest.raises(ValueError, match="couplings must be finite"):
        crg.triangular_recursion([np.nan, 0, 0])
    with pytest.raises(ValueError, match="exactly three sites"):
        crg.block_cumulant_couplings([0, 0, 1, 1], [[0, 2]], [0.1], 0.2)
    with pytest.raises(ValueError, match="different blocks"):
        crg.block_cumulant_couplings([0, 0, 0, 1, 1, 1], [[0, 1]], [0.1], 0.2)
    with pytest.raises(ValueError, match="couplings must have shape"):
        crg.block_cumulant_couplings([0, 0, 0, 1, 1, 1], [[0, 3]], [0.1, 0.2], 0.2)
    with pytest.raises(TypeError, match="bonds must be"):
        crg.block_cumulant_couplings([0, 0, 0, 1, 1, 1], [0, 3], [0.1], 0.2)
    with pytest.raises(ValueError, match="n_cells must be"):
        crg.triangular_cumulant_tables(4)
    with pytest.raises(ValueError, match="tol must"):
        crg.nvl_critical_coupling(1, tol=0.0)
    with pytest.raises(TypeError, match="K must be"):
        crg.majority_block_moments("0.3")


def test_lazy_export():
    from rglib.rg import nvl_fixed_point, triangular_recursion  # noqa: F401

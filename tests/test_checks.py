"""Tests of the shared argument checks in rglib._checks."""
import numpy as np
import pytest

from rglib._checks import check_int, check_real_array, numpy_generator


def test_check_int():
    assert check_int(np.int64(3), "n") == 3 and type(check_int(np.int64(3), "n")) is int
    assert check_int(0, "n", minimum=0) == 0
    with pytest.raises(TypeError, match="n must be an int"):
        check_int(2.0, "n")
    with pytest.raises(TypeError, match="n must be an int"):
        check_int(True, "n")
    with pytest.raises(ValueError, match=r"L must be >= 1 and <= 4; got 5"):
        check_int(5, "L", 1, 4)
    with pytest.raises(ValueError, match=r"L must be >= 1; got 0"):
        check_int(0, "L")


def test_check_real_array():
    a = check_real_array([1, 2.5], "K")
    assert a.dtype == np.float64 and a.tolist() == [1.0, 2.5]
    assert check_real_array(3, "K").shape == ()
    for bad in (np.nan, [0.0, np.inf], -np.inf):
        with pytest.raises(ValueError, match="K must be finite"):
            check_real_array(bad, "K")
    for bad in ("1.0", [1 + 2j], np.array([None]), np.array([True])):
        with pytest.raises(TypeError, match="K must be a real number"):
            check_real_array(bad, "K")
    assert check_real_array(np.array([True]), "K", allow_bool=True).tolist() == [1.0]


def test_numpy_generator_is_reproducible():
    assert numpy_generator(5).random() == numpy_generator(5).random()
    g = np.random.default_rng(1)
    assert numpy_generator(g) is g
    assert isinstance(numpy_generator(None), np.random.Generator)
    for bad in (-1, 1.5, True, "0"):
        with pytest.raises(TypeError, match="seed must be"):
            numpy_generator(bad)


# ---------------------------------------------------------------- the general checks added for issue 9/19
from rglib._checks import (  # noqa: E402
    check_axis,
    check_bool,
    check_callable,
    check_choice,
    check_cost,
    check_device,
    check_even_int,
    check_probability,
    check_real,
    check_spins,
    seed_sequence,
    torch_generator,
)


def test_check_real_and_probability():
    assert check_real(np.float32(2.5), "c") == 2.5 and type(check_real(3, "c")) is float
    with pytest.raises(TypeError, match="c must be a real number \\(a scalar\\)"):
        check_real([1.0, 2.0], "c")
    with pytest.raises(ValueError, match="c must satisfy > 0"):
        check_real(0.0, "c", lower=0.0, lower_strict=True)
    with pytest.raises(TypeError, match="c must be a real number"):
        check_real(1j, "c")
    assert check_probability([0.0, 1.0], "p").tolist() == [0.0, 1.0]
    for bad in (-0.1, 1.1):
        with pytest.raises(ValueError, match=r"p must satisfy 0 <= p <= 1"):
            check_probability(bad, "p")


def test_check_axis_bool_choice_callable():
    assert check_axis(-1, 2) == 1 and check_axis(np.int64(0), 1, "chain_axis") == 0
    with pytest.raises(ValueError, match="chain_axis must satisfy -2 <= chain_axis < 2"):
        check_axis(2, 2, "chain_axis")
    with pytest.raises(TypeError, match="axis must be an int"):
        check_axis(True, 2)
    assert check_bool(np.bool_(False), "progress") is False
    for bad in (1, "yes", None):
        with pytest.raises(TypeError, match="progress must be True or False"):
            check_bool(bad, "progress")
    with pytest.raises(TypeError, match="rule must be a str"):
        check_choice(1, "rule", ("a", "b"))
    with pytest.raises(TypeError, match="func must be callable: x -> y"):
        check_callable(3, "func", "x -> y")


def test_check_spins():
    s = check_spins(np.array([[1, -1]], np.int16), min_ndim=2, layout="(B, n)")
    assert s.dtype == np.int16
    assert check_spins(np.ones((0, 3), np.int8), ndim=2, sides=1).shape == (0, 3)  # empty batch allowed
    assert check_spins(np.ones((0, 3, 3), np.int8), min_ndim=2).shape == (0, 3, 3)
    with pytest.raises(ValueError, match="spins holds no configuration"):
        check_spins(np.ones((0, 3, 3), np.int8), min_ndim=2, nonempty=True)
    with pytest.raises(ValueError, match=r"spins must have shape \(B, n\)"):
        check_spins(np.ones((2, 0), np.int8), ndim=2, sides=1, layout="(B, n)")
    for bad, err in [(np.array([1.0, -1.0]), TypeError), (np.array([True]), TypeError), ("+-", TypeError),
                     (np.array([1, 2]), ValueError), (np.array([0, 1]), ValueError), (np.int8(1), ValueError),
                     (np.ones((2, 0), np.int8), ValueError)]:
        with pytest.raises(err, match="spins"):
            check_spins(bad)
    with pytest.raises(TypeError, match="s must have dtype int8"):
        check_spins(np.ones(3, np.int64), "s", dtype=np.int8)
    import torch

    assert check_spins(torch.ones(2, 2, dtype=torch.int8), min_ndim=2).shape == (2, 2)


def test_check_even_int_and_cost():
    assert check_even_int(4, "L") == 4
    with pytest.raises(ValueError, match="L must be an even int >= 2 for the checkerboard; got 3"):
        check_even_int(3, "L", why="the checkerboard")
    with pytest.raises(ValueError, match="L must be >= 2; got 0"):
        check_even_int(0, "L")
    check_cost(10, 10, "max_site_updates", "x")
    with pytest.raises(ValueError, match=r"run would need about 11 site updates, more than max_site_updates = 10"):
        check_cost(11, 10, "max_site_updates", "run")


def test_devices_and_generators():
    import torch

    assert check_device(None) is None and check_device(torch.device("cpu")).type == "cpu"
    with pytest.raises(ValueError, match="device='gpu0' is not a torch device"):
        check_device("gpu0")
    with pytest.raises(TypeError, match="device must be None"):
        check_device(1.5)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device='cuda' asks for CUDA"):
            check_device("cuda")
    # same seed (int, numpy generator, torch generator) -> same stream
    for make in (lambda: 5, lambda: np.random.default_rng(5), lambda: torch.Generator().manual_seed(5)):
        a = torch.rand(4, generator=torch_generator(make()))
        b = torch.rand(4, generator=torch_generator(make()))
        assert torch.equal(a, b)
    for bad, err in [(-1, ValueError), (2**64, ValueError), (1.5, TypeError), ("1", TypeError), (True, TypeError)]:
        with pytest.raises(err, match="seed"):
            torch_generator(bad)
    with pytest.raises(ValueError, match="seed is a torch.Generator on cpu, but device=meta"):
        torch_generator(torch.Generator(), device="meta")
    assert seed_sequence(7).entropy == 7 and seed_sequence(None).entropy is not None
    ss = np.random.SeedSequence(3)
    assert seed_sequence(ss) is ss
    assert np.array_equal(seed_sequence(np.random.default_rng(1)).generate_state(2),
                          seed_sequence(np.random.default_rng(1)).generate_state(2))
    for bad in (-3, 0.5, "x", False):
        with pytest.raises((TypeError, ValueError), match="seed"):
            seed_sequence(bad)

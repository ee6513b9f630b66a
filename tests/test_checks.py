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

"""Tests of rglib.nets.architectures: the papers' width lists and the depth convention."""
from __future__ import annotations

import math
from fractions import Fraction

import pytest

from rglib.nets.architectures import shrinking_widths, wide_widths
from rglib.nets.mlp import GaussianMLP


def test_wide_widths_layout_and_depth():
    for depth in (2, 3, 30, 70):
        w = wide_widths(depth)
        assert len(w) == depth + 1 and GaussianMLP(w[:3] + [10], 1.0, 0.0, seed=0).widths[0] == 784
        assert w[-2:] == [400, 10] and w[:-2] == [784] * (depth - 1)
    assert wide_widths(3, n_in=1024, n_out=5, n_penultimate=64) == [1024, 1024, 64, 5]


@pytest.mark.parametrize("n_in", [784, 1024, 50])
def test_shrinking_widths_are_the_rounded_up_linear_ramp(n_in):
    for depth in range(1, 160, 7):
        w = shrinking_widths(depth, n_in)
        assert len(w) == depth + 1 and w[0] == n_in and w[-1] == 10
        assert all(a >= b for a, b in zip(w, w[1:]))
        exact = [math.ceil(Fraction(n_in) + Fraction(10 - n_in) * Fraction(l, depth)) for l in range(depth + 1)]
        # float32 rounding (as in the authors' code) may push an exact integer up by one, never more
        assert all(0 <= a - b <= 1 for a, b in zip(w, exact))


def test_shrinking_widths_reproduce_float32_quirk_of_the_authors_code():
    # torch.ceil(torch.linspace(784, 10, 23)) has 398 where exact arithmetic gives 784 - 774 * 11/22 = 397
    assert shrinking_widths(22, 784)[11] == 398
    assert shrinking_widths(4, 90) == [90, 70, 50, 30, 10]


@pytest.mark.parametrize("fn, args, text", [
    (wide_widths, (1,), "depth"),
    (wide_widths, (3, 0), "n_in"),
    (wide_widths, (3, 784, 10, 0), "n_penultimate"),
    (shrinking_widths, (0, 784), "depth"),
    (shrinking_widths, (3, 784, 0), "n_out"),
    (shrinking_widths, (2.0, 784), "depth"),
])
def test_bad_arguments(fn, args, text):
    with pytest.raises((TypeError, ValueError), match=text):
        fn(*args)

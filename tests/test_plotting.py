"""Tests of rglib.plotting: the book style is applied and readable on dark pages."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from rglib import plotting  # noqa: E402


def test_use_book_style_sets_white_background_and_palette():
    with matplotlib.rc_context():
        plotting.use_book_style()
        assert to_rgb(matplotlib.rcParams["figure.facecolor"]) == (1.0, 1.0, 1.0)
        assert to_rgb(matplotlib.rcParams["savefig.facecolor"]) == (1.0, 1.0, 1.0)
        cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        assert [c.lower() for c in cycle] == [c.lower() for c in plotting.COLORS]
        fig, axes = plt.subplots(1, 2)
        plotting.label_panels(axes)
        assert [t.get_text() for ax in axes for t in ax.texts] == ["(a)", "(b)"]
        plt.close(fig)


def test_palette_is_okabe_ito_and_distinct():
    assert plotting.PALETTE["blue"] == "#0072B2"
    assert len(set(plotting.COLORS)) == len(plotting.COLORS) == 8
    # yellow is last: weakest contrast on white
    assert plotting.COLORS[-1] == plotting.PALETTE["yellow"]


def test_color_cycle():
    assert plotting.color_cycle(10)[8] == plotting.COLORS[0]
    assert plotting.color_cycle(0) == []
    with pytest.raises(ValueError, match="n must be"):
        plotting.color_cycle(-1)


def test_spin_cmap_has_two_colours():
    assert plotting.SPIN_CMAP.N == 2

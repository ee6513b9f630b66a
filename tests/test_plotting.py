"""Tests of rglib.plotting: the book style is applied and readable on dark pages."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
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


def test_show_spins_draws_plus_one_dark_and_hides_axes():
    fig, ax = plt.subplots()
    spins = np.array([[1, -1], [-1, 1]], dtype=np.int8)
    im = plotting.show_spins(ax, spins, title="T = T_c")
    rgba = im.to_rgba(im.get_array())
    assert np.allclose(rgba[0, 0, :3], to_rgb(plotting.PALETTE["blue"]))  # +1
    assert np.allclose(rgba[0, 1, :3], to_rgb("#F2F2F2"))  # -1
    # an all -1 snapshot is still light (fixed colour limits, not autoscaled)
    im2 = plotting.show_spins(ax, -np.ones((2, 2)))
    assert np.allclose(im2.to_rgba(im2.get_array())[0, 0, :3], to_rgb("#F2F2F2"))
    assert not ax.axison and ax.get_title() == "T = T_c"
    with pytest.raises(ValueError, match="spins must be"):
        plotting.show_spins(ax, np.zeros((2, 2)))
    plt.close(fig)


def test_plain_log_ticks_labels_with_plain_numbers():
    fig, ax = plt.subplots()
    ax.plot([3, 300], [0.5, 40])
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    plotting.plain_log_ticks(ax)
    fig.canvas.draw()
    ylabels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "1" in ylabels and "2" in ylabels and "5" in ylabels and "10" in ylabels
    xlabels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "4" in xlabels and "128" in xlabels  # base 2 kept
    assert all("^" not in lab for lab in ylabels + xlabels)
    with pytest.raises(ValueError, match="axis must be"):
        plotting.plain_log_ticks(ax, axis="z")
    fig2, ax2 = plt.subplots()
    with pytest.raises(ValueError, match="log scale"):
        plotting.plain_log_ticks(ax2, axis="x")
    plt.close(fig)
    plt.close(fig2)


def test_integer_ticks():
    fig, axes = plt.subplots(1, 2)
    for ax in axes:
        ax.imshow(np.arange(9).reshape(3, 3))
    plotting.integer_ticks(axes)
    plotting.integer_ticks(axes[0])  # a single Axes works too
    fig.canvas.draw()
    for ax in axes:
        ticks = np.concatenate([ax.get_xticks(), ax.get_yticks()])
        assert np.allclose(ticks, np.round(ticks))
    plt.close(fig)


def test_marker_legend_handles():
    handles = plotting.marker_legend_handles({"Metropolis": dict(marker="o"),
                                              "Swendsen-Wang": dict(marker="s", mfc="none")})
    assert [h.get_label() for h in handles] == ["Metropolis", "Swendsen-Wang"]
    assert [h.get_marker() for h in handles] == ["o", "s"]
    assert handles[0].get_linestyle() == "None" and handles[1].get_markerfacecolor() == "none"
    assert to_rgb(handles[0].get_color()) == to_rgb("grey")

r"""Scale profiles, default seeds and data folders: the only place where rglib reads the environment.

Every chapter runs at one of three *scales*, chosen with the environment variable ``RGLIB_SCALE``:

========  ===========================================================================
``ci``    smallest sizes that still exercise every code path; ``make test`` uses it
``book``  what the published book shows (default); each chapter <= 10 min on 2 CPU cores
``paper`` the sizes of the original papers; a GPU is recommended
========  ===========================================================================

A chapter keeps its own sizes next to its code, written as ``by_scale(ci=..., book=..., paper=...)``,
so that a reader sees at a glance what changes between scales.
"""
from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import NamedTuple, TypeVar

from ._checks import check_int

__all__ = [
    "SCALES",
    "DEFAULT_SCALE",
    "DEFAULT_SEED",
    "ScaleProfile",
    "PROFILES",
    "current_scale",
    "scale_profile",
    "by_scale",
    "seed_for",
    "data_dir",
    "describe_scale",
]

SCALES: tuple[str, ...] = ("ci", "book", "paper")
DEFAULT_SCALE = "book"
#: Base seed of the whole book; every experiment derives its own seed from it with :func:`seed_for`.
DEFAULT_SEED = 20_211_201

T = TypeVar("T")


class ScaleProfile(NamedTuple):
    r"""What a scale promises: a name, a one-line purpose and a wall-time budget per chapter."""

    #: The scale's name: ``"ci"``, ``"book"`` or ``"paper"``.
    name: str
    #: One line on what the scale is for.
    purpose: str
    #: Wall-time budget of one chapter in seconds (``inf``: none).
    chapter_budget_s: float
    #: Where the scale is meant to run (``"cpu"`` or ``"cuda recommended"``).
    device_hint: str


PROFILES: dict[str, ScaleProfile] = {
    "ci": ScaleProfile("ci", "smoke test of every code path (make test)", 120.0, "cpu"),
    "book": ScaleProfile("book", "the published book", 300.0, "cpu"),
    "paper": ScaleProfile("paper", "the sizes of the original papers", float("inf"), "cuda recommended"),
}


def _check_scale(scale: str, argname: str) -> str:
    r"""A known scale name, case and surrounding blanks ignored (``RGLIB_SCALE=" CI "`` is ``ci``)."""
    if not isinstance(scale, str):
        raise TypeError(f"{argname} must be a str, one of {', '.join(SCALES)}; got {type(scale).__name__}")
    s = scale.strip().lower()
    if s not in SCALES:
        raise ValueError(f"{argname}={scale!r} is not a known scale; allowed values: {', '.join(SCALES)}")
    return s


def current_scale() -> str:
    r"""Return the active scale from ``RGLIB_SCALE`` (default ``'book'``).

    Raises
    ------
    ValueError
        If ``RGLIB_SCALE`` is set to anything but ``ci``, ``book`` or ``paper``.

    Examples
    --------
    >>> current_scale() in SCALES
    True
    """
    raw = os.environ.get("RGLIB_SCALE", "")
    if raw.strip() == "":
        return DEFAULT_SCALE
    return _check_scale(raw, "RGLIB_SCALE")


def scale_profile(scale: str | None = None) -> ScaleProfile:
    r"""The :class:`ScaleProfile` of ``scale`` (default: the active scale).

    Examples
    --------
    >>> scale_profile("ci").chapter_budget_s
    120.0
    """
    return PROFILES[current_scale() if scale is None else _check_scale(scale, "scale")]


def by_scale(*, ci: T, book: T, paper: T | None = None, scale: str | None = None) -> T:
    r"""Pick the value for the active scale.

    Parameters
    ----------
    ci, book, paper
        Values for each scale; ``paper`` defaults to ``book`` when omitted.
    scale
        Override the active scale (mainly for tests).

    Examples
    --------
    >>> by_scale(ci=1_000, book=50_000, paper=1_000_000, scale="ci")
    1000
    """
    s = current_scale() if scale is None else _check_scale(scale, "scale")
    if s == "ci":
        return ci
    if s == "book":
        return book
    return book if paper is None else paper


def seed_for(name: str, base: int = DEFAULT_SEED) -> int:
    r"""A stable, distinct 32-bit seed for the experiment called ``name``.

    The same ``name`` always gives the same seed, :math:`(\mathrm{crc32}(\text{name}) \oplus 2654435761\,
    \text{base}) \bmod 2^{32}`, so experiments stay reproducible and independent of one another.

    Parameters
    ----------
    name : str
        A non-empty experiment name.
    base : int
        A non-negative base seed (default :data:`DEFAULT_SEED`).

    Examples
    --------
    >>> seed_for("ising") == seed_for("ising") != seed_for("meanfield")
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a non-empty str; got {type(name).__name__} {name!r}")
    if not name:
        raise ValueError("name must be a non-empty str; got ''")
    base = check_int(base, "base", 0)
    return (zlib.crc32(name.encode("utf-8")) ^ (base * 2_654_435_761)) % 2**32


def data_dir() -> Path:
    """Folder for data sets and cached long runs: ``RGLIB_DATA`` or ``~/.cache/rglib``.

    The environment variable ``RGLIB_DATA`` names the folder (``~`` is expanded); when it is unset or empty the
    folder is ``~/.cache/rglib``. The folder is created if needed. Data sets live in
    ``data_dir() / "datasets" / <name>`` (see :mod:`rglib.data`).
    """
    raw = os.environ.get("RGLIB_DATA", "")
    path = Path(raw).expanduser() if raw.strip() else Path.home() / ".cache" / "rglib"
    path.mkdir(parents=True, exist_ok=True)
    return path


def describe_scale(scale: str | None = None) -> str:
    r"""One Markdown sentence that a chapter shows to say which scale produced it.

    Examples
    --------
    >>> describe_scale("ci")
    'This page was computed at scale **ci** (smoke test of every code path (make test)).'
    """
    p = scale_profile(scale)
    return f"This page was computed at scale **{p.name}** ({p.purpose})."

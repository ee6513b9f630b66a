"""Argument checks shared by the rglib modules (private).

Each check either returns the argument in canonical form or raises a ``TypeError``/``ValueError`` whose
message names the argument and the allowed range, so that bad input never surfaces as a numpy traceback
or a silently wrong number.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["check_int", "check_real_array", "numpy_generator"]


def check_int(value, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as a Python int in ``[minimum, maximum]``; bools and non-integers are a ``TypeError``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {type(value).__name__} {value!r}")
    v = int(value)
    if v < minimum or (maximum is not None and v > maximum):
        upper = "" if maximum is None else f" and <= {maximum}"
        raise ValueError(f"{name} must be >= {minimum}{upper}; got {v}")
    return v


def _range_text(lower, lower_strict, upper) -> str:
    parts = []
    if lower is not None:
        parts.append(f"{'>' if lower_strict else '>='} {lower:g}")
    if upper is not None:
        parts.append(f"<= {upper:g}")
    return " and ".join(parts) if parts else "finite"


def check_real_array(value: ArrayLike, name: str, *, allow_bool: bool = False, lower: float | None = None,
                     lower_strict: bool = False, upper: float | None = None, what: str = "") -> NDArray[np.float64]:
    """``value`` as a float64 array of finite reals in an optional range (a scalar gives a 0-d array).

    ``lower``/``upper`` bound the values (``lower_strict`` excludes the lower bound); ``what`` replaces the
    automatic range text in the error message (e.g. ``"sigma_w2 > 0 (weight variance)"``).
    """
    if isinstance(value, (str, bytes)) or (not allow_bool and isinstance(value, (bool, np.bool_))):
        raise TypeError(f"{name} must be a real number or an array of reals; got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - exotic objects
        raise TypeError(f"{name} must be a real number or an array of reals") from exc
    numeric = np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    if arr.dtype == object or np.iscomplexobj(arr) or not (numeric or (allow_bool and arr.dtype == np.bool_)):
        raise TypeError(f"{name} must be a real number or an array of reals; got dtype {arr.dtype}"
                        f" ({type(value).__name__})")
    arr = arr.astype(np.float64)
    rng = what or _range_text(lower, lower_strict, upper)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf); allowed range: {rng}; got {value!r}")
    if lower is not None:
        bad = arr <= lower if lower_strict else arr < lower
        if np.any(bad):
            raise ValueError(f"{name} must satisfy {rng}; got {arr[bad].ravel()[0]!r}")
    if upper is not None and np.any(arr > upper):
        raise ValueError(f"{name} must satisfy {rng}; got {arr[arr > upper].ravel()[0]!r}")
    return arr


def numpy_generator(seed) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None``, a non-negative int, or a generator (returned as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)) and seed >= 0):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be None, a non-negative int or a numpy.random.Generator; got {seed!r}")

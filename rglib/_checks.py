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


# ---------------------------------------------------------------------------------------------------------------
# Added for the rg/nets modules: scalars, integer arrays, choices, flags.
# ---------------------------------------------------------------------------------------------------------------
def check_real_scalar(value, name: str, *, lower: float | None = None, lower_strict: bool = False,
                      upper: float | None = None, what: str = "") -> float:
    """``value`` as a finite Python float in an optional range; arrays of size != 1 are a ``ValueError``.

    Same bounds and messages as :func:`check_real_array`; a 0-d or size-1 array is accepted.
    """
    arr = check_real_array(value, name, lower=lower, lower_strict=lower_strict, upper=upper, what=what)
    if arr.size != 1:
        raise ValueError(f"{name} must be a single real number; got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def check_int_array(value, name: str, minimum: int = 0, maximum: int | None = None) -> NDArray[np.int64]:
    """``value`` (an int or an integer array) as an int64 array in ``[minimum, maximum]``.

    Bools and non-integer dtypes (floats, even whole-valued) are a ``TypeError``.
    """
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise TypeError(f"{name} must be an int or an array of ints; got {type(value).__name__} {value!r}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - exotic objects
        raise TypeError(f"{name} must be an int or an array of ints") from exc
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be an int or an array of ints; got dtype {arr.dtype}")
    upper = "" if maximum is None else f" and <= {maximum}"
    if np.any(arr < minimum) or (maximum is not None and np.any(arr > maximum)):
        bad = arr[(arr < minimum) | ((arr > maximum) if maximum is not None else False)]
        raise ValueError(f"{name} must be >= {minimum}{upper}; got {int(bad.ravel()[0])}")
    return arr.astype(np.int64)


def check_choice(value, name: str, allowed) -> str:
    """``value`` if it is one of the strings ``allowed``; a non-string is a ``TypeError``."""
    allowed = tuple(allowed)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, one of {allowed}; got {type(value).__name__} {value!r}")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_bool(value, name: str) -> bool:
    """``value`` as a Python bool; anything but ``bool``/``numpy.bool_`` is a ``TypeError``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")
    return bool(value)


__all__ += ["check_real_scalar", "check_int_array", "check_choice", "check_bool"]


def check_log_array(value, name: str) -> NDArray[np.float64]:
    """``value`` as a float64 array of logarithms: finite reals or ``-inf`` (the log of zero); NaN/+inf rejected."""
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{name} must be a real number or an array of reals; got {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype == object or np.iscomplexobj(arr) or not (
            np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a real number or an array of reals; got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if np.any(np.isnan(arr) | np.isposinf(arr)):
        raise ValueError(f"{name} must hold logarithms: finite reals or -inf (no NaN or +inf)")
    return arr


__all__ += ["check_log_array"]

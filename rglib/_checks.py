r"""Argument checks shared by the rglib modules (private).

Each check either returns the argument in canonical form or raises a ``TypeError``/``ValueError`` whose
message names the argument and the allowed range, so that bad input never surfaces as a numpy traceback
or a silently wrong number. Every check is a pure function; the torch-related ones import torch only when
called, so the exact modules stay free of it.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["check_int", "check_real_array", "numpy_generator"]


def check_int(value, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    r"""``value`` as a Python int in ``[minimum, maximum]``; bools and non-integers are a ``TypeError``.

    Examples
    --------
    >>> check_int(np.int64(4), "L")
    4
    >>> check_int(0, "L")
    Traceback (most recent call last):
    ...
    ValueError: L must be >= 1; got 0
    """
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
    r"""``value`` as a float64 array of finite reals in an optional range (a scalar gives a 0-d array).

    ``lower``/``upper`` bound the values (``lower_strict`` excludes the lower bound); ``what`` replaces the
    automatic range text in the error message (e.g. ``"sigma_w2 > 0 (weight variance)"``).

    Examples
    --------
    >>> check_real_array([1, 2.5], "K").tolist()
    [1.0, 2.5]
    >>> check_real_array(float("nan"), "K")
    Traceback (most recent call last):
    ...
    ValueError: K must be finite (no NaN or inf); allowed range: finite; got nan
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


# ----------------------------------------------------------------------------------------------
# scalars, axes, flags and choices
# ----------------------------------------------------------------------------------------------
__all__ += ["check_real", "check_axis", "check_bool", "check_choice", "check_callable", "check_spins",
            "check_even_int", "check_probability", "check_cost", "check_device", "torch_generator",
            "seed_sequence"]


def check_real(value, name: str, *, lower: float | None = None, lower_strict: bool = False,
               upper: float | None = None, what: str = "") -> float:
    r"""``value`` as a Python float, finite and in an optional range; arrays are a ``TypeError``.

    Same bounds as :func:`check_real_array` (``lower``, ``lower_strict``, ``upper``, ``what``).

    Examples
    --------
    >>> check_real(3, "c", lower=0.0, lower_strict=True)
    3.0
    >>> check_real(0.0, "c", lower=0.0, lower_strict=True)
    Traceback (most recent call last):
    ...
    ValueError: c must satisfy > 0; got np.float64(0.0)
    """
    try:
        nd = np.ndim(value)
    except Exception:  # pragma: no cover - exotic objects
        nd = 0
    if nd != 0:
        raise TypeError(f"{name} must be a real number (a scalar); got an array of shape {np.shape(value)}")
    return float(check_real_array(value, name, lower=lower, lower_strict=lower_strict, upper=upper, what=what))


def check_axis(axis, ndim: int, name: str = "axis") -> int:
    r"""``axis`` as a non-negative int for an array with ``ndim`` dimensions (negative values count from the end).

    Examples
    --------
    >>> check_axis(-1, 3)
    2
    >>> check_axis(3, 3)
    Traceback (most recent call last):
    ...
    ValueError: axis must satisfy -3 <= axis < 3 for an array with 3 dimension(s); got 3
    """
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {type(axis).__name__} {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name} must satisfy -{ndim} <= {name} < {ndim} for an array with {ndim} dimension(s); "
                         f"got {axis}")
    return int(axis) % ndim


def check_bool(value, name: str) -> bool:
    r"""``value`` as a Python bool; anything but ``True``/``False`` (numpy bools included) is a ``TypeError``.

    Examples
    --------
    >>> check_bool(np.True_, "progress")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")
    return bool(value)


def check_choice(value, name: str, choices: tuple[str, ...]) -> str:
    r"""``value`` if it is one of the strings ``choices``; the message lists the allowed values.

    Examples
    --------
    >>> check_choice("cluster", "method", ("metropolis", "cluster"))
    'cluster'
    >>> check_choice("wolff", "method", ("metropolis", "cluster"))
    Traceback (most recent call last):
    ...
    ValueError: method must be one of 'metropolis', 'cluster'; got 'wolff'
    """
    choices = tuple(choices)
    allowed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, one of {allowed}; got {type(value).__name__} {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_callable(value, name: str, signature: str):
    r"""``value`` if it is callable; ``signature`` (e.g. ``"spins (B, n) -> energies (B,)"``) goes into the message.

    Examples
    --------
    >>> check_callable(len, "func", "x -> int") is len
    True
    """
    if not callable(value):
        raise TypeError(f"{name} must be callable: {signature}; got {type(value).__name__}")
    return value


# ----------------------------------------------------------------------------------------------
# spins, lattices, probabilities
# ----------------------------------------------------------------------------------------------
def _is_torch_tensor(value) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def check_spins(value, name: str = "spins", *, min_ndim: int = 1, ndim: int | None = None,
                layout: str = "(..., n)", dtype=None, nonempty: bool = False,
                sides: int | None = None) -> NDArray[np.integer]:
    r"""``value`` as an integer numpy array of spins :math:`\pm 1` (torch tensors are moved to the CPU).

    Parameters
    ----------
    value : array_like or torch.Tensor
        Spins; an integer dtype (``int8`` preferred; bool and floats are a ``TypeError``).
    name : str
        The argument's name, for the messages.
    min_ndim, ndim : int
        At least ``min_ndim`` axes, or exactly ``ndim`` axes.
    sides : int, optional
        How many trailing axes (the sites, not the batch) must be non-empty; default ``min_ndim`` (or ``ndim``).
    layout : str
        The expected shape, for the messages (e.g. ``"(..., L1, L2)"``).
    dtype : numpy dtype, optional
        Require exactly this dtype (the samplers need ``int8``).
    nonempty : bool
        Refuse an array without any configuration (an empty batch).

    Examples
    --------
    >>> check_spins(np.array([[1, -1, 1]], np.int8), min_ndim=2, layout="(B, n)").shape
    (1, 3)
    >>> check_spins(np.array([1, 0, 2]))
    Traceback (most recent call last):
    ...
    ValueError: spins must contain only +1 and -1; got 0
    """
    if _is_torch_tensor(value):
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an integer array of +1/-1 spins; got {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be an integer array of +1/-1 spins (int8); got dtype {arr.dtype}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise TypeError(f"{name} must have dtype {np.dtype(dtype)}; got {arr.dtype}")
    core = min_ndim if ndim is None else ndim
    sides = core if sides is None else sides
    if (arr.ndim < core if ndim is None else arr.ndim != ndim) or any(k < 1 for k in arr.shape[arr.ndim - sides:]):
        raise ValueError(f"{name} must have shape {layout} with non-empty sides; got shape {arr.shape}")
    if arr.size == 0:
        if nonempty:
            raise ValueError(f"{name} holds no configuration (shape {arr.shape}); give at least one")
        return arr
    if arr.min() < -1 or arr.max() > 1 or np.count_nonzero(arr) != arr.size:
        bad = int(arr[(arr != 1) & (arr != -1)].ravel()[0])
        raise ValueError(f"{name} must contain only +1 and -1; got {bad!r}")
    return arr


def check_even_int(value, name: str, minimum: int = 2, why: str = "") -> int:
    r"""``value`` as an even Python int ``>= minimum``; ``why`` says in the message why it must be even.

    Examples
    --------
    >>> check_even_int(5, "L", why="the checkerboard update")
    Traceback (most recent call last):
    ...
    ValueError: L must be an even int >= 2 for the checkerboard update; got 5
    """
    v = check_int(value, name, minimum)
    if v % 2:
        reason = f" for {why}" if why else ""
        raise ValueError(f"{name} must be an even int >= {minimum}{reason}; got {v}")
    return v


def check_probability(value, name: str) -> NDArray[np.float64]:
    r"""``value`` as a float64 array of probabilities in ``[0, 1]`` (a scalar gives a 0-d array).

    Examples
    --------
    >>> float(check_probability(0.25, "p_up"))
    0.25
    >>> check_probability(1.5, "p_up")
    Traceback (most recent call last):
    ...
    ValueError: p_up must satisfy 0 <= p_up <= 1 (a probability); got np.float64(1.5)
    """
    return check_real_array(value, name, lower=0.0, upper=1.0, what=f"0 <= {name} <= 1 (a probability)")


def check_cost(cost: float, limit: float, name: str, what: str, unit: str = "site updates",
               advice: str | None = None) -> None:
    r"""Refuse, before it starts, a computation whose estimated ``cost`` exceeds ``limit``.

    ``name`` is the argument (or constant) that sets ``limit``; ``what`` describes the computation and how its
    cost was estimated; ``advice`` replaces the default advice (raise ``name``, or ask for less).

    Examples
    --------
    >>> check_cost(2e12, 1e10, "max_site_updates", "sampling (1e6 sweeps x 2e6 sites)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: sampling (1e6 sweeps x 2e6 sites) would need about 2e+12 site updates, more than ...
    """
    if cost > limit:
        hint = advice if advice is not None else f"pass a larger {name} to allow it, or ask for less"
        raise ValueError(f"{what} would need about {cost:.3g} {unit}, more than {name} = {limit:.3g}; {hint}")


# ----------------------------------------------------------------------------------------------
# devices and random generators
# ----------------------------------------------------------------------------------------------
def check_device(device, name: str = "device"):
    r"""``device`` as a ``torch.device`` (``None`` stays ``None``); CUDA must be available when asked for.

    Examples
    --------
    >>> check_device("cpu")
    device(type='cpu')
    >>> check_device(None) is None
    True
    """
    if device is None:
        return None
    import torch

    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str) or (isinstance(device, (int, np.integer)) and not isinstance(device, bool)
                                     and device >= 0):
        try:
            dev = torch.device(device)
        except (RuntimeError, ValueError, TypeError):
            raise ValueError(f"{name}={device!r} is not a torch device; use e.g. 'cpu' or 'cuda:0'") from None
    else:
        raise TypeError(f"{name} must be None, a str such as 'cpu' or 'cuda', or a torch.device; got "
                        f"{type(device).__name__} {device!r}")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{name}={device!r} asks for CUDA, but no CUDA device is available")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"{name}={device!r}: there are only {torch.cuda.device_count()} CUDA device(s)")
    return dev


def torch_generator(seed, device=None, name: str = "seed"):
    r"""A ``torch.Generator`` on ``device`` (default CPU) from ``seed``.

    ``seed`` may be ``None`` (fresh entropy), an int in ``[0, 2**64)``, a ``numpy.random.Generator`` (one integer
    is drawn from it, so the result is reproducible) or a ``torch.Generator`` (returned as is; it must live on
    ``device``).

    Examples
    --------
    >>> import torch
    >>> a = torch.rand(2, generator=torch_generator(7))
    >>> b = torch.rand(2, generator=torch_generator(7))
    >>> bool(torch.equal(a, b))
    True
    """
    import torch

    dev = check_device(device, "device")
    if isinstance(seed, torch.Generator):
        if dev is not None:
            have = seed.device
            if dev.type != have.type or (dev.index is not None and have.index is not None and dev.index != have.index):
                raise ValueError(f"{name} is a torch.Generator on {have}, but device={device}")
        return seed
    gen = torch.Generator(device=torch.device("cpu") if dev is None else dev)
    if seed is None:
        gen.seed()
        return gen
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63))
    elif isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be None, a non-negative int, a numpy.random.Generator or a torch.Generator;"
                        f" got {type(seed).__name__} {seed!r}")
    gen.manual_seed(check_int(seed, name, 0, 2**64 - 1))
    return gen


def seed_sequence(seed, name: str = "seed") -> np.random.SeedSequence:
    r"""A ``numpy.random.SeedSequence`` from ``None``, a non-negative int, a ``SeedSequence`` or a ``Generator``.

    An int gives ``SeedSequence(seed)``; a generator gives a sequence built from four integers drawn from it
    (reproducible for a generator in a given state). Use it to spawn independent streams for several samplers.

    Examples
    --------
    >>> seed_sequence(3).entropy
    3
    >>> a = seed_sequence(np.random.default_rng(5)).generate_state(1)
    >>> b = seed_sequence(np.random.default_rng(5)).generate_state(1)
    >>> bool((a == b).all())
    True
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(2**63, size=4).tolist())
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be None, a non-negative int or a numpy.random.Generator; got "
                        f"{type(seed).__name__} {seed!r}")
    return np.random.SeedSequence(check_int(seed, name, 0))


def numpy_generator(seed) -> np.random.Generator:
    r"""A ``numpy.random.Generator`` from ``None``, a non-negative int, or a generator (returned as is).

    Examples
    --------
    >>> numpy_generator(5).random() == numpy_generator(5).random()
    True
    """
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


__all__ += ["check_real_scalar", "check_int_array"]


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

r"""The spec of one sweep point: JSON-able parameters plus a seed, frozen, hashable, with a stable key.

A sweep point is a pure function of its :class:`Spec`: the same spec (and the same rglib code, see
:func:`rglib.runs.code_fingerprint`) must give bit-identical results, so every random choice of a point takes
its seed from ``spec.seed``.

Canonical encoding
------------------
The identity of a spec is its *canonical JSON* text

.. math:: \mathrm{canonical}(s) = \mathrm{JSON}(\{\texttt{"params"}: p, \texttt{"seed"}: n\})

written with sorted keys, no whitespace, ASCII only and no NaN/inf, and its *key* is the SHA-256 hex digest
of that text. Parameters are normalised before encoding: tuples become lists, numpy scalars become Python
scalars (``np.float32(0.1)`` becomes the float64 nearest to it), dict keys must be strings. Two specs are
equal exactly when their canonical texts are equal, so ``1`` and ``1.0`` (JSON ``1`` vs ``1.0``) and ``0.0``
and ``-0.0`` are different parameters, while ``(1, 2)`` and ``[1, 2]`` are the same one.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .._checks import check_int

__all__ = ["Spec", "spec_grid", "canonical_json"]

_SCALARS = (str, int, float, type(None))


def canonical_json(value: Any) -> str:
    """The canonical JSON text of an already normalised value (sorted keys, no spaces, ASCII, no NaN)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _normalise(value: Any, where: str) -> Any:
    """``value`` as plain JSON data (dict with str keys, list, str, int, float, bool, None)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} must be finite (JSON has no NaN or inf); got {value!r}")
        return value
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where} keys must be str; got {type(k).__name__} {k!r}")
            out[k] = _normalise(v, f"{where}[{k!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_normalise(v, f"{where}[{i}]") for i, v in enumerate(value)]
    hint = "; pass arrays as lists (array.tolist())" if isinstance(value, np.ndarray) else ""
    raise TypeError(
        f"{where} must be JSON-able (str, int, float, bool, None, list, tuple or dict with str keys); "
        f"got {type(value).__name__}{hint}"
    )


class Spec:
    r"""One sweep point: JSON-able parameters and a seed; frozen, hashable, with a stable key.

    Parameters
    ----------
    params : mapping of str to JSON-able values
        The parameters of the point (str, int, float, bool, None and nested lists, tuples and dicts with
        string keys; numpy scalars are accepted and stored as Python scalars). Floats must be finite.
        ``"seed"`` is not allowed here: pass it as ``seed``.
    seed : int >= 0
        The seed of every random choice of the point.

    Attributes
    ----------
    params : dict
        A fresh copy of the normalised parameters (changing it does not change the spec).
    seed : int
    canonical : str
        Canonical JSON text ``{"params": ..., "seed": ...}`` (see the module docstring).
    key : str
        SHA-256 hex digest (64 characters) of ``canonical``: the name of the point's result files.

    Notes
    -----
    ``spec[name]`` is a shortcut for ``spec.params[name]``. Equality and hashing use ``canonical``, so specs
    work as dict keys and set members, and a spec pickles to worker processes.

    Examples
    --------
    >>> from rglib.runs import Spec
    >>> s = Spec({"L": 8, "K": 0.44}, seed=3)
    >>> s
    Spec({'K': 0.44, 'L': 8}, seed=3)
    >>> s["K"], s.seed
    (0.44, 3)
    >>> s.canonical
    '{"params":{"K":0.44,"L":8},"seed":3}'
    >>> s == Spec({"K": 0.44, "L": 8}, seed=3), len(s.key)
    (True, 64)
    """

    __slots__ = ("_params_json", "_seed", "_canonical", "_key")

    def __init__(self, params: Mapping[str, Any], seed: int):
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a mapping of str to JSON-able values; got {type(params).__name__}")
        if "seed" in params:
            raise ValueError("params must not contain 'seed'; pass it as Spec(params, seed=...)")
        seed = check_int(seed, "seed", minimum=0)
        normalised = _normalise(params, "params")
        canonical = canonical_json({"params": normalised, "seed": seed})
        object.__setattr__(self, "_params_json", canonical_json(normalised))
        object.__setattr__(self, "_seed", seed)
        object.__setattr__(self, "_canonical", canonical)
        object.__setattr__(self, "_key", hashlib.sha256(canonical.encode("ascii")).hexdigest())

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self._params_json)

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def canonical(self) -> str:
        return self._canonical

    @property
    def key(self) -> str:
        return self._key

    def __getitem__(self, name: str) -> Any:
        params = self.params
        if name not in params:
            raise KeyError(f"spec has no parameter {name!r}; it has {sorted(params)}")
        return params[name]

    def __setattr__(self, name, value):
        raise AttributeError("Spec is frozen")

    def __delattr__(self, name):
        raise AttributeError("Spec is frozen")

    def __eq__(self, other) -> bool:
        return isinstance(other, Spec) and self._canonical == other._canonical

    def __hash__(self) -> int:
        return hash(self._canonical)

    def __repr__(self) -> str:
        return f"Spec({self.params!r}, seed={self._seed})"

    def __reduce__(self):
        return (Spec, (self.params, self._seed))

    def __dask_tokenize__(self):
        return ("rglib.runs.Spec", self._canonical)


def spec_grid(params: Mapping[str, Sequence[Any]], seeds: int | Iterable[int]) -> list[Spec]:
    r"""All combinations of parameter values and seeds, as a list of :class:`Spec`.

    Parameters
    ----------
    params : mapping of str to a sequence of values
        One axis per parameter; the grid is their Cartesian product, the first parameter varying slowest.
    seeds : int or iterable of int
        Seeds of every parameter combination (innermost axis). An int ``n`` means ``range(n)``.

    Returns
    -------
    list of Spec
        ``len = prod(len(values)) * n_seeds``.

    Examples
    --------
    >>> from rglib.runs import spec_grid
    >>> grid = spec_grid({"L": [4, 8], "K": [0.3, 0.5]}, seeds=2)
    >>> len(grid)
    8
    >>> grid[0], grid[-1]
    (Spec({'K': 0.3, 'L': 4}, seed=0), Spec({'K': 0.5, 'L': 8}, seed=1))
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping of str to a sequence of values; got {type(params).__name__}")
    axes = []
    for name, values in params.items():
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
            raise TypeError(f"params[{name!r}] must be a sequence of values; got {type(values).__name__}")
        values = list(values)
        if not values:
            raise ValueError(f"params[{name!r}] must hold at least one value")
        axes.append(values)
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, (bool, np.bool_)):
        seed_list = list(range(check_int(seeds, "seeds", minimum=1)))
    elif isinstance(seeds, Iterable) and not isinstance(seeds, (str, bytes)):
        seed_list = [check_int(s, "seeds entries", minimum=0) for s in seeds]
        if not seed_list:
            raise ValueError("seeds must hold at least one seed")
    else:
        raise TypeError(f"seeds must be an int or an iterable of ints; got {type(seeds).__name__}")
    names = list(params)
    return [Spec(dict(zip(names, combo)), seed=s) for combo in itertools.product(*axes) for s in seed_list]

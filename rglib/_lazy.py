"""Lazy re-export of a wing's public names (private).

``from rglib.ising import kaufman_log_partition`` imports only :mod:`rglib.ising.square`, so that importing
the exact results never loads torch. Each wing's ``__init__`` calls :func:`attach` with a map from its
submodules to the names they export.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable


def attach(package: str, submodules: dict[str, list[str]]) -> tuple[Callable, Callable, list[str]]:
    """Return ``(__getattr__, __dir__, __all__)`` for ``package`` exporting ``submodules``' names lazily."""
    where = {name: sub for sub, names in submodules.items() for name in names}
    dupes = [n for n in where if sum(n in names for names in submodules.values()) > 1]
    if dupes:  # pragma: no cover - a programming error caught by the import test
        raise RuntimeError(f"{package} exports {dupes} from more than one submodule")
    exported = sorted(set(where) | set(submodules))

    def __getattr__(name: str):
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if name in where:
            return getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return exported

    return __getattr__, __dir__, exported

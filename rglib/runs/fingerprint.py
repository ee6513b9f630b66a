r"""Fingerprint of the rglib source code that a sweep point ran with.

.. math:: \mathrm{fp} = \mathrm{SHA256}\Big(\big\Vert_{f\ \in\ \mathrm{sorted}(\texttt{rglib/**/*.py})}
          \ \mathrm{path}(f) \,\Vert\, \texttt{NUL} \,\Vert\, \mathrm{len}(f) \,\Vert\, \texttt{NUL}
          \,\Vert\, \mathrm{bytes}(f)\Big)

over every ``.py`` file below the package directory (``__pycache__`` and other files are ignored), sorted
by their path relative to the package directory (POSIX separators). Paths and lengths enter the hash so that
renaming or splitting a file changes the fingerprint. The fingerprint describes the files on disk, which are
the code a freshly started process imports; a process that imported rglib before the files were edited
runs the old code (restart workers after editing rglib).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["code_fingerprint", "package_dir"]


def package_dir() -> Path:
    """The directory of the imported ``rglib`` package (the one this module belongs to)."""
    return Path(__file__).resolve().parent.parent


def code_fingerprint(directory: str | os.PathLike | None = None) -> str:
    r"""SHA-256 hex digest of every ``*.py`` file below a package directory (default: the imported rglib).

    Parameters
    ----------
    directory : path, optional
        Package directory to fingerprint; default :func:`package_dir`, the installed ``rglib``.

    Returns
    -------
    str
        64 lowercase hex characters; changes whenever a ``.py`` file is edited, added, removed or renamed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from rglib.runs import code_fingerprint
    >>> len(code_fingerprint())
    64
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     pkg = pathlib.Path(tmp)
    ...     _ = (pkg / "a.py").write_text("x = 1\n")
    ...     before = code_fingerprint(pkg)
    ...     _ = (pkg / "notes.txt").write_text("not code")
    ...     same = code_fingerprint(pkg) == before
    ...     _ = (pkg / "a.py").write_text("x = 2\n")
    ...     changed = code_fingerprint(pkg) != before
    >>> same, changed
    (True, True)
    """
    if directory is None:
        root = package_dir()
    elif isinstance(directory, (str, os.PathLike)):
        root = Path(directory)
    else:
        raise TypeError(f"directory must be a path or None; got {type(directory).__name__}")
    if not root.is_dir():
        raise ValueError(f"directory must be an existing folder; got {str(root)!r}")
    files = sorted(
        (p.relative_to(root).as_posix(), p)
        for p in root.rglob("*.py")
        if p.is_file() and "__pycache__" not in p.relative_to(root).parts
    )
    digest = hashlib.sha256()
    for rel, path in files:
        data = path.read_bytes()
        digest.update(rel.encode("utf-8") + b"\0" + str(len(data)).encode("ascii") + b"\0")
        digest.update(data)
    return digest.hexdigest()

"""Let nbval run the MyST Markdown chapters directly.

nbval only collects ``.ipynb`` files. This collector reads a ``.md`` file that has a jupytext/kernelspec
header through jupytext, so ``pytest --nbval-lax chapters/`` executes every chapter cell by cell with
the chapter's folder as working directory. Build folders (``_build``) are never collected.
Relies on nbval internals: nbval is pinned in requirements.txt.
"""
from __future__ import annotations

import nbformat
import pytest

try:  # nbval and jupytext are only needed when --nbval / --nbval-lax is given
    import jupytext
    from nbval.plugin import IPyNbFile
except ImportError:  # pragma: no cover
    IPyNbFile = None


if IPyNbFile is not None:

    class MystNotebookFile(IPyNbFile):
        """An nbval notebook read from a MyST Markdown file."""

        def collect(self):
            original = nbformat.read
            nbformat.read = lambda path, as_version=4, **kw: jupytext.read(path)
            try:
                yield from super().collect()
            finally:
                nbformat.read = original


def _is_myst_notebook(path) -> bool:
    head = path.read_text(encoding="utf-8")[:3000]
    return head.startswith("---") and "kernelspec" in head and "jupytext" in head


def pytest_collect_file(file_path, parent):
    opt = parent.config.option
    if IPyNbFile is None or not (getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False)):
        return None
    if file_path.suffix != ".md" or "_build" in file_path.parts or ".venv" in file_path.parts:
        return None
    if _is_myst_notebook(file_path):
        return MystNotebookFile.from_parent(parent, path=file_path)
    return None

"""Sphinx extension of the book's HTML assets: MathJax served from the book itself; no inline script twice.

MathJax 3 is served from the built book itself, so that the book renders with no network.

MathJax comes from the pinned PyPI package ``django-static-mathjax`` (see requirements.txt), which ships the
complete MathJax 3 distribution as package data (``mathjax/static/mathjax/es5``). After an HTML build this
extension copies into ``_build/html/_static/mathjax/`` the component that ``mathjax_path`` names (set in
_config.yml, relative to ``_static``) and everything it can load later: the TeX extensions that ``autoload``
fetches on first use, the CommonHTML and SVG fonts and output jax, the menu and the accessibility components.

A ``mathjax_path`` that is a URL stops the build: the book must not depend on a CDN.

The ``.ipynb`` download button offers ``jupyter_execute/<page>.ipynb``, which myst-nb 1.4 writes from the notebook
as read, so that a chapter taken from the execution cache (every re-build) would be downloaded without outputs;
that file is rewritten with the cached outputs merged in.

Inline scripts that extensions add once the builder exists (sphinx-thebe's ``const THEBE_JS_URL = ...``,
sphinx-togglebutton's selector) reach a page twice with Sphinx 7.4 (once as filename ``None``, once as ``''``);
the second ``const`` declaration is a console error on every page. Each page keeps one copy of each script.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError, ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Folder of ``_static`` that receives MathJax; ``mathjax_path`` must start with it.
TARGET = "mathjax"
#: Parts of the es5 distribution that a ``tex-*`` component may load after start-up.
LAZY_PARTS = ("a11y", "adaptors", "input", "output", "sre", "ui")


def mathjax_source() -> Path:
    """The es5 folder of the installed MathJax 3 distribution (package ``django-static-mathjax``)."""
    try:
        import mathjax  # the import name of django-static-mathjax
    except ImportError as err:  # pragma: no cover - the pins install it
        raise ExtensionError(
            "MathJax is not installed: `pip install -r requirements.txt` installs django-static-mathjax, "
            "the book's local copy of MathJax 3"
        ) from err
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (es5 / "startup.js").is_file():
        raise ExtensionError(f"{es5} is not a MathJax 3 es5 distribution")
    return es5


def _component(config: Config) -> str:
    path = str(config.mathjax_path)
    if "://" in path or path.startswith("//"):
        raise ConfigError(
            f"mathjax_path = {path!r} loads MathJax from the network; set it in _config.yml to "
            f"'{TARGET}/<component>.js' (relative to _static), e.g. '{TARGET}/tex-mml-chtml.js'"
        )
    head, _, component = path.partition("/")
    if head != TARGET or "/" in component or not component.endswith(".js"):
        raise ConfigError(f"mathjax_path = {path!r} must be '{TARGET}/<component>.js', e.g. '{TARGET}/tex-mml-chtml.js'")
    return component


def check_config(app: Sphinx, config: Config) -> None:
    component = _component(config)
    if not (mathjax_source() / component).is_file():
        raise ConfigError(f"mathjax_path names {component!r}, which the installed MathJax does not ship")


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / TARGET
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / _component(app.config), target)
    for part in LAZY_PARTS:
        shutil.copytree(source / part, target / part, dirs_exist_ok=True)
    for name in ("LICENSE", "README.md"):  # the licence travels with the copy (Apache 2.0)
        if (source.parent / name).is_file():
            shutil.copy2(source.parent / name, target / name)
    logger.info("MathJax copied into %s", target)


def drop_duplicate_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def _executed(notebook) -> bool:
    return any(cell.get("execution_count") is not None or cell.get("outputs")
               for cell in notebook.cells if cell.cell_type == "code")


def merge_cached_outputs(app: Sphinx, doctree) -> None:
    """Put the cached outputs into ``jupyter_execute/<page>.ipynb`` when myst-nb took the page from the cache."""
    config = getattr(app.env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache" or not config.output_folder:
        return
    path = Path(config.output_folder, *f"{app.env.docname}.ipynb".split("/"))
    if not path.is_file():
        return
    import nbformat
    from jupyter_cache import get_cache

    notebook = nbformat.read(path, as_version=4)
    if _executed(notebook) or not any(cell.cell_type == "code" for cell in notebook.cells):
        return
    try:
        _, merged = get_cache(config.execution_cache_path).merge_match_into_notebook(notebook)
    except KeyError:  # not in the cache: the page was not executed, nothing to merge
        return
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".ipynb.tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        nbformat.write(merged, out)
    os.replace(tmp, path)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", merge_cached_outputs)
    app.connect("config-inited", check_config, priority=900)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)  # after page-specific scripts
    app.connect("build-finished", copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

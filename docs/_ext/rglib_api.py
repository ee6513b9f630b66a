"""Sphinx extension of the book: the API reference pages of rglib (docs/api/), generated from the docstrings.

``.. rglib-module:: rglib.ising.square`` (inside an ``{eval-rst}`` block of a MyST page) documents one module:
its docstring, then every name of its ``__all__``, in that order. A name that the wing re-exports
(``from rglib.ising import kaufman_log_partition``) is documented under the wing, ``rglib.ising.kaufman_log_partition``,
the path readers import it from; the other names under the module itself (``rglib.data.catalog.FileSpec``). The
module name stays a target for ``{py:mod}`` references. Chapters link to an entry with
``{py:func}`rglib.ising.kaufman_log_partition``` (or ``{py:class}``, ``{py:data}``, ``{py:mod}``).

Constants are documented from their ``#:`` comment; a public name without documentation is a warning (an error in
the strict build). Docstring problems waiting for a fix can be listed in ``rglib_api_known_issues`` (_config.yml):
they are then printed as info lines instead of failing the strict build. Numbered references of numpy-style docstrings (``.. [1]``) are relabelled per object
(``[rglib.rg.blocking-1]``), as numpydoc does, since Sphinx citations are global to the book.
"""
from __future__ import annotations

import importlib
import inspect
import logging as logging_std
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

_MAX_VALUE_CHARS = 80


def documented_namespace(modname: str, name: str) -> str:
    """The import path under which ``name`` of module ``modname`` is documented (the wing if it re-exports it)."""
    package = modname.rpartition(".")[0]
    if package and package != "rglib":
        wing = importlib.import_module(package)
        if name in getattr(wing, "__all__", ()):
            return package
    return modname


def _constant_docs(modname: str) -> dict[str, list[str]]:
    analyzer = ModuleAnalyzer.for_module(modname)
    return {attr: list(lines) for (scope, attr), lines in analyzer.find_attr_docs().items() if scope == ""}


def _value_repr(value: object) -> str | None:
    text = repr(value)
    return text if len(text) <= _MAX_VALUE_CHARS and "\n" not in text else None


class RglibModuleDirective(SphinxDirective):
    """Document one rglib module: its docstring and each name of its ``__all__``."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        modname = self.arguments[0].strip()
        try:
            module = importlib.import_module(modname)
        except ImportError as err:
            logger.warning("rglib-module: cannot import %s: %s", modname, err, location=self.get_location(),
                           type="rglib_api", subtype="import")
            return []
        names = list(getattr(module, "__all__", []))
        if not names:
            logger.warning("rglib-module: %s has no __all__", modname, location=self.get_location(),
                           type="rglib_api", subtype="all")
        constants = _constant_docs(modname)
        lines = [f".. automodule:: {modname}", ""]
        for name in names:
            obj = getattr(module, name)
            lines += [f".. currentmodule:: {documented_namespace(modname, name)}", ""]
            if inspect.isclass(obj):
                self._warn_if_undocumented(modname, name, inspect.getdoc(obj))
                lines += [f".. autoclass:: {name}", "   :members:", "   :member-order: bysource", ""]
            elif inspect.isroutine(obj):
                self._warn_if_undocumented(modname, name, inspect.getdoc(obj))
                lines += [f".. autofunction:: {name}", ""]
            else:
                doc = constants.get(name, [])
                self._warn_if_undocumented(modname, name, "\n".join(doc).strip())
                lines.append(f".. py:data:: {name}")
                value = _value_repr(obj)
                if value is not None:
                    lines.append(f"   :value: {value}")
                lines += [""] + [f"   {line}" if line else "" for line in doc] + [""]
        lines += [f".. currentmodule:: {modname}", ""]
        container = nodes.container()
        nested_parse_with_titles(self.state, StringList(lines, source=f"<rglib-module {modname}>"), container)
        return container.children

    def _warn_if_undocumented(self, modname: str, name: str, doc: str | None) -> None:
        if not doc:
            logger.warning("rglib-module: %s.%s has no docstring (or #: comment)", modname, name,
                           location=self.get_location(), type="rglib_api", subtype="undocumented")


_CITATION = re.compile(r"^(\s*)\.\. \[(\d+)\]\s?(.*)$")
_CITATION_REF = re.compile(r"\[(\d+)\]_")
_UNDERLINE = re.compile(r"^([-=~^\"'`#*+])\1{2,}\s*$")


def relabel_citations(lines: list[str], name: str) -> None:
    """Numbered references (``.. [1] text``) of one docstring, made safe for a book where citations are global.

    A docstring's numbered references become a plain list ``[1] text`` and its markers ``[1]_`` plain ``[1]``:
    Sphinx citations are global, and function docstrings often cite their module's list, so links would break or
    collide. The numbers still match within one page section.
    """
    for i, line in enumerate(lines):
        match = _CITATION.match(line)
        if match:
            indent = match.group(1)
            lines[i] = f"{indent}* [{match.group(2)}] {match.group(3)}"
            j = i + 1
            while j < len(lines) and lines[j].strip() and len(lines[j]) - len(lines[j].lstrip()) > len(indent):
                lines[j] = f"{indent}  {lines[j].strip()}"
                j += 1
        else:
            lines[i] = _CITATION_REF.sub(lambda m: f"[{m.group(1)}]", line)


def titles_to_rubrics(lines: list[str]) -> None:
    """Section titles of a module docstring become rubrics: a docstring must not add sections to the page."""
    for i in range(len(lines) - 1):
        title, underline = lines[i], lines[i + 1]
        if (title.strip() and not title[0].isspace() and not title.startswith("..")
                and _UNDERLINE.match(underline) and len(underline.rstrip()) >= len(title.rstrip())):
            lines[i], lines[i + 1] = f".. rubric:: {title.strip()}", ""


def process_docstring(app: Sphinx, what: str, name: str, obj: object, options: dict, lines: list[str]) -> None:
    if what == "module":
        titles_to_rubrics(lines)
    relabel_citations(lines, name)


def install_napoleon(app: Sphinx) -> None:
    """Napoleon for numpy-style docstrings, except on attributes, data and properties.

    Those are one-line ``#:`` descriptions here; napoleon would read "Training images, float32: ..." as a type
    ("Training images, float32") followed by a description.
    """
    from sphinx.ext import napoleon

    app.setup_extension("sphinx.ext.napoleon")
    for listener in list(app.events.listeners.get("autodoc-process-docstring", [])):
        if listener.handler is napoleon._process_docstring:
            app.disconnect(listener.id)

    def napoleon_except_attributes(app, what, name, obj, options, lines):
        if what not in ("attribute", "data", "property"):
            napoleon._process_docstring(app, what, name, obj, options, lines)

    app.connect("autodoc-process-docstring", napoleon_except_attributes)


def resolve_unqualified(app: Sphinx, env, node, contnode):
    """An rglib reference that does not resolve as written: the one rglib object it can only mean, if unique.

    Docstrings name their neighbours without the module path (``:func:`sample_configurations```), by their
    submodule path (``rglib.nets.quadrature.trapezoid_rule``) or as ``Class.method``; the reference pages
    document public names under the wing (``rglib.nets.trapezoid_rule``). The target's last component (or, for a
    method, its last two) is looked up among the documented rglib objects; an ambiguous or unknown name stays
    unresolved (an error in the strict build).
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if not target:
        return None
    parts = target.split(".")
    if target.startswith("rglib."):
        suffixes = ["." + parts[-1]]
    elif len(parts) <= 2:
        suffixes = ["." + target]
    else:
        return None
    domain = env.get_domain("py")
    types = set(domain.objtypes_for_role(node["reftype"]) or ())
    matches = [full for full, entry in domain.objects.items()
               if full.startswith("rglib.") and any(full.endswith(s) for s in suffixes)
               and (not types or entry.objtype in types) and not entry.aliased]
    if len(matches) != 1:
        return None
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], matches[0], node, contnode)


class KnownIssues(logging_std.Filter):
    """Turns the warnings listed in ``rglib_api_known_issues`` into info lines (``_config.yml``).

    Each entry is ``[where, message]``: a warning whose location or text contains ``where`` (a docstring's object,
    e.g. ``rglib.config``) and whose text contains ``message`` is reported as a known docstring issue instead of
    failing the strict build. Entries that no longer match anything are named at the end of the build, so that
    the list shrinks as the docstrings are fixed.
    """

    def __init__(self, app: Sphinx) -> None:
        super().__init__()
        self.app = app
        self.used: set[int] = set()

    def filter(self, record) -> bool:
        entries = getattr(self.app.config, "rglib_api_known_issues", None) or []
        if record.levelno < logging_std.WARNING or not entries:
            return True
        location = getattr(record, "location", None)
        if isinstance(location, nodes.Node):
            location = logging.get_node_location(location)
        text = f"{location or ''} {record.getMessage()}"
        for i, (where, message) in enumerate(entries):
            if where in text and message in text:
                self.used.add(i)
                logger.info("known docstring issue (rglib_api_known_issues in _config.yml): %s", text.strip())
                return False
        return True

    def report(self, app: Sphinx, exception: Exception | None) -> None:
        entries = app.config.rglib_api_known_issues or []
        stale = [entry for i, entry in enumerate(entries) if i not in self.used]
        if exception is None and stale:
            logger.info("rglib_api_known_issues: no longer seen, remove from _config.yml: %s", stale)


def install_known_issues(app: Sphinx) -> None:
    known = KnownIssues(app)
    for handler in logging_std.getLogger(logging.NAMESPACE).handlers:
        if isinstance(handler, logging.WarningStreamHandler):
            handler.filters.insert(0, known)
    app.connect("build-finished", known.report)


def setup(app: Sphinx) -> dict:
    app.add_config_value("rglib_api_known_issues", [], "env", types=[list])
    install_known_issues(app)
    app.setup_extension("sphinx.ext.autodoc")
    install_napoleon(app)
    app.add_directive("rglib-module", RglibModuleDirective)
    app.connect("autodoc-process-docstring", process_docstring, priority=600)
    app.connect("missing-reference", resolve_unqualified)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

r"""Resumable parameter sweeps: each point is computed once, stored atomically and loaded on every re-run.

A sweep maps a point function ``fn(spec) -> result`` over a list of :class:`~rglib.runs.Spec`. The result of a
point is identified by its spec (parameters + seed, file name = ``spec.key``) and recorded together with the
fingerprint of the rglib code that computed it (:func:`~rglib.runs.code_fingerprint`). A re-run of the same
sweep loads the finished points and computes only the missing ones, so a sweep killed at any moment (Ctrl-C,
SIGKILL, a lost cluster node, a power cut) is resumed by running it again.

Design
------
Who writes
    The *worker* that computed a point writes its files, right after computing it, when it can see
    ``results_dir``; so a finished point survives even if the coordinator (the notebook or script that called
    :func:`run_sweep`) dies before collecting it. The worker also returns the bytes of the files, and the
    coordinator writes them itself whenever it does not find the very same record on disk, which covers
    clusters without a shared file system (``results_dir`` then lives on the coordinator only). Both writes
    are atomic and byte-identical (results are deterministic), so a point written twice, e.g. when Dask
    re-runs a task of a lost worker, is still stored exactly once.
Stale code
    Points whose record carries another code fingerprint are *stale*. ``on_stale="error"`` (default) raises
    :class:`~rglib.runs.StaleResultsError` naming the folder and both fingerprints before anything is
    computed; ``"recompute"`` recomputes and overwrites them; ``"reuse"`` loads them as they are (counted in
    ``n_stale``).
Corrupt files
    Writes are atomic, so an interruption never leaves a corrupt record; a record that cannot be read back
    faithfully (edited, truncated by a disk fault, ``.npz`` missing or not matching its SHA-256, another
    spec) therefore points at a problem outside the sweep. ``on_corrupt="error"`` (default) raises
    :class:`~rglib.runs.CorruptResultError` naming the file; ``"recompute"`` recomputes and overwrites it.
    A wrong number is never returned.
Determinism
    The point function must be a pure function of its spec: every random choice seeded from ``spec.seed``
    (e.g. ``numpy.random.default_rng(spec.seed)`` or ``torch.Generator(device).manual_seed(spec.seed)``).
    Fixed arguments that do not change the result (a device, a batch size) are bound with
    ``functools.partial``; anything that changes the result belongs in the spec.
"""
from __future__ import annotations

import concurrent.futures as cf
import os
import socket
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, NamedTuple

from .executors import SerialExecutor, check_executor
from .fingerprint import code_fingerprint, package_dir
from .spec import Spec
from .storage import (
    CorruptResultError,
    EncodedPoint,
    StaleResultsError,
    decode_point,
    encode_point,
    read_point,
    record_path,
    write_point,
)

__all__ = ["SweepResult", "run_sweep"]

_ON_STALE = ("error", "recompute", "reuse")
_ON_CORRUPT = ("error", "recompute")


class SweepResult(NamedTuple):
    """Outcome of :func:`run_sweep`."""

    #: Result of every spec, in the order of ``specs`` (canonical form, see :mod:`rglib.runs.storage`).
    results: list
    #: The specs, as given.
    specs: tuple
    #: Distinct points computed by this call.
    n_computed: int
    #: Distinct points loaded from ``results_dir``.
    n_loaded: int
    #: Stored points that had another code fingerprint (loaded if ``on_stale="reuse"``, else recomputed).
    n_stale: int
    #: Absolute path of the results folder.
    results_dir: Path
    #: Code fingerprint of this run.
    fingerprint: str


class _PointOutcome(NamedTuple):
    point: EncodedPoint
    written_by_worker: bool


def _compute_point(fn: Callable[[Spec], Any], spec: Spec, folder: str, fingerprint: str) -> _PointOutcome:
    """Runs on the worker: check the code, compute, encode, write (when ``folder`` is visible here)."""
    here = code_fingerprint()
    if here != fingerprint:
        raise RuntimeError(
            f"rglib at {package_dir()} on host {socket.gethostname()} has code fingerprint {here}, but the sweep "
            f"was started with {fingerprint}: run every worker with the same rglib (restart workers after "
            "editing rglib)"
        )
    result = fn(spec)
    point = encode_point(spec, result, fingerprint)
    written = False
    target = Path(folder)
    if target.is_dir():
        try:
            write_point(target, point)
            written = True
        except OSError:  # e.g. a folder of the same name that is read-only here: the coordinator writes
            written = False
    return _PointOutcome(point, written)


def _prepare_folder(results_dir: Any) -> Path:
    if not isinstance(results_dir, (str, os.PathLike)):
        raise TypeError(f"results_dir must be a path (str or os.PathLike); got {type(results_dir).__name__}")
    folder = Path(results_dir).absolute()
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"results_dir must be a folder; {str(folder)!r} is a file")
    return folder


def _ensure_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-probe-", suffix=".part")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        kind = PermissionError if isinstance(exc, PermissionError) else OSError
        raise kind(f"results_dir {str(folder)!r} must be a writable folder: {exc.strerror or exc}") from exc


def _check_choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(repr(a) for a in allowed)}; got {value!r}")
    return value


def _describe_stale(folder: Path, stale: dict[Spec, str], fingerprint: str, n_points: int) -> str:
    old = sorted(set(stale.values()))
    return (
        f"{len(stale)} of {n_points} stored results in {str(folder)!r} were computed with rglib code fingerprint "
        f"{', '.join(old)}, but the current code has fingerprint {fingerprint}. Pass on_stale='recompute' to "
        "recompute them, on_stale='reuse' to load them anyway, or use a new results_dir."
    )


def run_sweep(
    fn: Callable[[Spec], Any],
    specs: Iterable[Spec],
    results_dir: str | os.PathLike,
    *,
    executor: cf.Executor | None = None,
    progress: bool = True,
    on_stale: Literal["error", "recompute", "reuse"] = "error",
    on_corrupt: Literal["error", "recompute"] = "error",
    max_in_flight: int | None = None,
) -> SweepResult:
    r"""Compute ``fn(spec)`` for every spec, storing each result atomically; load what is already stored.

    Parameters
    ----------
    fn : callable ``fn(spec) -> result``
        Point function; deterministic given the spec (seed from ``spec.seed``). Its result is built from
        None, bool, int, float, str, lists, tuples, dicts with str keys, NamedTuples and numpy arrays (see
        :mod:`rglib.runs.storage`). With a process pool it must be importable by the workers; bind fixed
        arguments (e.g. ``device``) with ``functools.partial``.
    specs : iterable of Spec
        The points; duplicates are computed once.
    results_dir : path
        Results folder (created if needed; loading finished points needs no write access). With a cluster,
        a path that every worker sees (shared file system) makes finished points survive the coordinator;
        otherwise the coordinator writes them.
    executor : concurrent.futures.Executor, optional
        Where points run: default :class:`~rglib.runs.SerialExecutor` (this process), a
        ``ProcessPoolExecutor``, or ``distributed.Client(address).get_executor()``. Not shut down here.
    progress : bool
        Show a tqdm progress bar of the points computed by this call.
    on_stale : {"error", "recompute", "reuse"}
        What to do with stored points computed by another version of rglib (see the module docstring).
    on_corrupt : {"error", "recompute"}
        What to do with stored points whose files cannot be read back faithfully.
    max_in_flight : int >= 1, optional
        Most points submitted but not finished at a time; default 1 for the serial executor and unlimited
        otherwise (limit it for very large sweeps on a cluster).

    Returns
    -------
    SweepResult
        ``results`` in the order of ``specs``, counts of computed, loaded and stale points, the folder and the
        code fingerprint.

    Raises
    ------
    StaleResultsError
        Stored points with another code fingerprint and ``on_stale="error"``; nothing is computed.
    CorruptResultError
        A stored point cannot be read back and ``on_corrupt="error"``; nothing is computed.
    Exception
        The first exception of a point, with a note naming its spec; the points not yet started are
        cancelled, the finished ones are stored.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from rglib.runs import run_sweep, spec_grid
    >>> def point(spec):
    ...     rng = np.random.default_rng(spec.seed)
    ...     x = rng.normal(spec["mu"], 1.0, size=1000)
    ...     return {"mean": float(x.mean()), "hist": np.histogram(x, bins=4)[0]}
    >>> specs = spec_grid({"mu": [0.0, 1.0]}, seeds=2)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first = run_sweep(point, specs[:2], folder, progress=False)
    ...     again = run_sweep(point, specs, folder, progress=False)
    >>> first.n_computed, again.n_loaded, again.n_computed
    (2, 2, 2)
    >>> again.results[1]["mean"] == first.results[1]["mean"]
    True
    >>> again.results[0]["hist"].sum()
    np.int64(1000)
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable as fn(spec); got {type(fn).__name__}")
    if isinstance(specs, (str, bytes, Spec)) or not isinstance(specs, Iterable):
        raise TypeError(f"specs must be an iterable of Spec; got {type(specs).__name__}")
    specs = tuple(specs)
    for i, spec in enumerate(specs):
        if not isinstance(spec, Spec):
            raise TypeError(f"specs[{i}] must be a Spec (e.g. Spec(params, seed=...)); got {type(spec).__name__}")
    folder = _prepare_folder(results_dir)
    executor = check_executor(executor)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be a bool; got {type(progress).__name__}")
    on_stale = _check_choice(on_stale, "on_stale", _ON_STALE)
    on_corrupt = _check_choice(on_corrupt, "on_corrupt", _ON_CORRUPT)
    if max_in_flight is None:
        window = 1 if isinstance(executor, SerialExecutor) else None
    elif isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
        raise ValueError(f"max_in_flight must be None or an int >= 1; got {max_in_flight!r}")
    else:
        window = max_in_flight

    fingerprint = code_fingerprint()
    unique = list(dict.fromkeys(specs))
    values: dict[Spec, Any] = {}
    stale: dict[Spec, str] = {}
    corrupt: list[CorruptResultError] = []
    todo: list[Spec] = []
    if folder.is_dir():
        for spec in unique:
            try:
                stored = read_point(folder, spec)
            except CorruptResultError as exc:
                corrupt.append(exc)
                todo.append(spec)
                continue
            if stored is None:
                todo.append(spec)
                continue
            if stored.fingerprint != fingerprint:
                stale[spec] = stored.fingerprint
                if on_stale == "recompute":
                    todo.append(spec)
                    continue
            values[spec] = stored.result
    else:
        todo = unique
    if corrupt and on_corrupt == "error":
        more = f" (and {len(corrupt) - 1} more)" if len(corrupt) > 1 else ""
        raise CorruptResultError(f"{corrupt[0]}{more}. Delete the file(s) or pass on_corrupt='recompute'.")
    if stale and on_stale == "error":
        raise StaleResultsError(_describe_stale(folder, stale, fingerprint, len(unique)))
    n_loaded = len(values)
    if todo:
        _ensure_writable(folder)
        _compute(fn, todo, folder, fingerprint, executor, window, progress, n_loaded, values)
    return SweepResult(
        results=[values[spec] for spec in specs],
        specs=specs,
        n_computed=len(todo),
        n_loaded=n_loaded,
        n_stale=len(stale),
        results_dir=folder,
        fingerprint=fingerprint,
    )


def _compute(fn, todo: list[Spec], folder: Path, fingerprint: str, executor: cf.Executor, window: int | None,
             progress: bool, n_loaded: int, values: dict[Spec, Any]) -> None:
    """Submit the missing points (at most ``window`` at a time), store and decode them as they finish."""
    from tqdm.auto import tqdm

    queue = iter(todo)
    pending: dict[cf.Future, Spec] = {}

    def fill() -> None:
        while window is None or len(pending) < window:
            spec = next(queue, None)
            if spec is None:
                return
            pending[executor.submit(_compute_point, fn, spec, str(folder), fingerprint)] = spec

    bar = tqdm(total=len(todo), desc=f"sweep ({n_loaded} loaded)", disable=not progress)
    try:
        fill()
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                spec = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:
                    exc.add_note(f"while computing the sweep point {spec!r} (key {spec.key})")
                    raise
                point = outcome.point
                where = f"point {spec!r} returned by the executor"
                values[spec] = decode_point(point.record, point.arrays, spec, where).result
                path = record_path(folder, spec.key)
                try:
                    on_disk = path.read_bytes()
                except FileNotFoundError:
                    on_disk = None
                if on_disk != point.record:
                    write_point(folder, point)
                bar.update(1)
            fill()
    finally:
        for future in pending:
            future.cancel()
        bar.close()

r"""On-disk format of sweep results: one JSON record per point plus an ``.npz`` file for its arrays.

Layout
------
For a point with key ``k`` (:attr:`rglib.runs.Spec.key`) the folder holds

``k.json``
    The *record*: format tag, key, spec, code fingerprint and the result with every numpy array replaced by
    a reference ``{"$array": "a0"}`` and every non-finite float by ``{"$float": "nan" | "inf" | "-inf"}``.
    Written last: a point is finished exactly when its ``.json`` file exists.
``k.npz``
    Only when the result holds arrays: an uncompressed zip of ``.npy`` files with fixed time stamps (so equal
    arrays give equal bytes), loaded with ``allow_pickle=False``. The record stores its SHA-256, so a
    truncated, foreign or swapped ``.npz`` is detected.

Both files are written atomically: the bytes go to a temporary ``.k.*.part`` file in the same folder, are
flushed and fsync'ed, and the file is renamed over the final name with ``os.replace``; the folder is then
fsync'ed. A process killed at any moment leaves either the old state or the new one, plus at most a
``*.part`` file, which is never read (delete such files when no sweep runs). Nothing is ever unpickled.

Result types
------------
A result is built from ``None``, ``bool``, ``int``, ``float``, ``str``, ``list``, ``tuple``, ``dict`` with
``str`` keys not starting with ``$``, ``NamedTuple`` (stored as a dict of its fields) and numpy arrays
without object dtype. Numpy scalars are stored as Python scalars (``np.float32`` widens exactly to float).
Results come back in this canonical form: tuples as lists, NamedTuples as dicts -- whether the point was
computed now or loaded from disk.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .spec import Spec

__all__ = [
    "FORMAT",
    "CorruptResultError",
    "StaleResultsError",
    "EncodedPoint",
    "StoredPoint",
    "encode_point",
    "decode_point",
    "write_point",
    "read_point",
    "atomic_write_bytes",
    "record_path",
    "arrays_path",
]

#: Format tag written into every record.
FORMAT = "rglib.runs/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class CorruptResultError(RuntimeError):
    """A stored result file cannot be read back faithfully (truncated, edited, foreign or mismatched)."""


class StaleResultsError(RuntimeError):
    """Stored results were computed with another version of the rglib code."""


class EncodedPoint(NamedTuple):
    """A finished point as the bytes of its files."""

    #: Key of the point's spec (file stem).
    key: str
    #: Bytes of the JSON record ``key.json``.
    record: bytes
    #: Bytes of ``key.npz``, or ``None`` when the result holds no arrays.
    arrays: bytes | None


class StoredPoint(NamedTuple):
    """A point read back from its files."""

    #: The result in canonical form.
    result: Any
    #: Code fingerprint recorded with the result.
    fingerprint: str


def record_path(folder: Path, key: str) -> Path:
    """Path of the JSON record of the point with key ``key``."""
    return folder / f"{key}.json"


def arrays_path(folder: Path, key: str) -> Path:
    """Path of the ``.npz`` file of the point with key ``key``."""
    return folder / f"{key}.npz"


# ----------------------------------------------------------------------------------------------
# encoding
# ----------------------------------------------------------------------------------------------
def _encode(value: Any, where: str, arrays: list[np.ndarray]) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {"$float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, (str, int, type(None))):
        return value
    if isinstance(value, np.ndarray):
        if isinstance(value, np.ma.MaskedArray):
            raise TypeError(f"{where} is a masked array; store its data and mask as two plain arrays")
        if value.dtype.hasobject:
            raise TypeError(f"{where} is an array of dtype {value.dtype}; arrays with Python objects cannot be "
                            "stored without pickle")
        arrays.append(np.array(value, copy=True, subok=False))
        return {"$array": f"a{len(arrays) - 1}"}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        value = value._asdict()
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where} keys must be str; got {type(k).__name__} {k!r}")
            if k.startswith("$"):
                raise ValueError(f"{where} keys must not start with '$' (reserved); got {k!r}")
            out[k] = _encode(v, f"{where}[{k!r}]", arrays)
        return out
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{where}[{i}]", arrays) for i, v in enumerate(value)]
    hint = ""
    if type(value).__module__.split(".")[0] == "torch":
        hint = "; convert tensors with .detach().cpu().numpy()"
    elif isinstance(value, complex) or isinstance(value, np.complexfloating):
        hint = "; store complex numbers as a numpy array"
    raise TypeError(
        f"{where} has type {type(value).__name__}, which cannot be stored safely (allowed: None, bool, int, "
        f"float, str, list, tuple, dict with str keys, NamedTuple, numpy array){hint}"
    )


def _npz_bytes(arrays: list[np.ndarray]) -> bytes:
    """Uncompressed npz with fixed time stamps: equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for i, array in enumerate(arrays):
            info = zipfile.ZipInfo(f"a{i}.npy", date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
    return buffer.getvalue()


def encode_point(spec: Spec, result: Any, fingerprint: str) -> EncodedPoint:
    """The files of a finished point; ``TypeError``/``ValueError`` names the part of ``result`` that cannot
    be stored."""
    arrays: list[np.ndarray] = []
    encoded = _encode(result, "result", arrays)
    npz = _npz_bytes(arrays) if arrays else None
    record = {
        "format": FORMAT,
        "key": spec.key,
        "spec": json.loads(spec.canonical),
        "fingerprint": fingerprint,
        "result": encoded,
        "arrays": None if npz is None else {
            "file": arrays_path(Path(), spec.key).name,
            "sha256": hashlib.sha256(npz).hexdigest(),
            "names": [f"a{i}" for i in range(len(arrays))],
        },
    }
    text = json.dumps(record, sort_keys=True, indent=1, ensure_ascii=True, allow_nan=False) + "\n"
    return EncodedPoint(spec.key, text.encode("ascii"), npz)


# ----------------------------------------------------------------------------------------------
# decoding
# ----------------------------------------------------------------------------------------------
def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


def _decode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if isinstance(value, dict):
        if any(k.startswith("$") for k in value):
            if len(value) != 1:
                raise ValueError(f"malformed tagged value {value!r}")
            (tag, payload), = value.items()
            if tag == "$array" and payload in arrays:
                return arrays[payload]
            if tag == "$float" and payload in _NONFINITE:
                return _NONFINITE[payload]
            raise ValueError(f"unknown tagged value {value!r}")
        return {k: _decode(v, arrays) for k, v in value.items()}
    return value


def decode_point(record: bytes, npz: bytes | None, spec: Spec, where: str) -> StoredPoint:
    """Result and fingerprint from the bytes of a point's files; :class:`CorruptResultError` (naming
    ``where``) for anything that is not a faithful record of ``spec``."""
    def corrupt(reason: str) -> CorruptResultError:
        return CorruptResultError(f"{where}: {reason}")

    try:
        data = json.loads(record.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise corrupt(f"not a valid JSON record ({exc})") from None
    expected_fields = {"format", "key", "spec", "fingerprint", "result", "arrays"}
    if not isinstance(data, dict) or set(data) != expected_fields:
        raise corrupt(f"record must be a JSON object with the fields {sorted(expected_fields)}")
    if data["format"] != FORMAT:
        raise corrupt(f"unknown format {data['format']!r} (this rglib reads {FORMAT!r})")
    if data["key"] != spec.key or data["spec"] != json.loads(spec.canonical):
        raise corrupt(f"record holds spec {data['spec']!r} with key {data['key']!r}, expected {spec!r}")
    fingerprint = data["fingerprint"]
    if not isinstance(fingerprint, str) or not _HEX64.fullmatch(fingerprint):
        raise corrupt(f"fingerprint must be 64 hex characters; got {fingerprint!r}")
    arrays: dict[str, np.ndarray] = {}
    meta = data["arrays"]
    if meta is not None:
        if not (isinstance(meta, dict) and set(meta) == {"file", "sha256", "names"}
                and isinstance(meta["names"], list)):
            raise corrupt("malformed 'arrays' entry")
        if npz is None:
            raise corrupt(f"its arrays file {meta['file']!r} is missing")
        if hashlib.sha256(npz).hexdigest() != meta["sha256"]:
            raise corrupt(f"its arrays file {meta['file']!r} does not match the SHA-256 in the record")
        try:
            with np.load(io.BytesIO(npz), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in meta["names"]}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise corrupt(f"its arrays file {meta['file']!r} cannot be read ({exc})") from None
    try:
        result = _decode(data["result"], arrays)
    except ValueError as exc:
        raise corrupt(str(exc)) from None
    return StoredPoint(result, fingerprint)


# ----------------------------------------------------------------------------------------------
# files
# ----------------------------------------------------------------------------------------------
def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):  # not supported on every platform
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temporary file in the same folder, fsync, ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


def write_point(folder: Path, point: EncodedPoint) -> None:
    """Write a finished point: its ``.npz`` first (if any), its JSON record last (the commit)."""
    if point.arrays is not None:
        atomic_write_bytes(arrays_path(folder, point.key), point.arrays)
    atomic_write_bytes(record_path(folder, point.key), point.record)


def read_point(folder: Path, spec: Spec) -> StoredPoint | None:
    """The stored point of ``spec`` in ``folder``; ``None`` when it has no record (not finished)."""
    path = record_path(folder, spec.key)
    try:
        record = path.read_bytes()
    except FileNotFoundError:
        return None
    npz = None
    try:
        npz = arrays_path(folder, spec.key).read_bytes()
    except FileNotFoundError:
        pass
    return decode_point(record, npz, spec, where=str(path))

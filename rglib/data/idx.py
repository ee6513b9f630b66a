r"""Reading and writing the IDX format of MNIST and Fashion-MNIST with numpy.

An IDX file is a header followed by a dense array in C order, every number big-endian:

=========  =====================================================================================
bytes 0-1  zero
byte 2     type code: ``0x08`` uint8, ``0x09`` int8, ``0x0B`` int16, ``0x0C`` int32, ``0x0D`` float32,
           ``0x0E`` float64
byte 3     number of dimensions :math:`d \ge 1`
next 4d    the sizes :math:`n_1, \dots, n_d` as big-endian uint32
rest       :math:`n_1 n_2 \cdots n_d` items of the given type, big-endian
=========  =====================================================================================

The MNIST image files have type ``0x08`` and three dimensions ``(n, 28, 28)`` (magic number 2051 = ``0x00000803``),
the label files type ``0x08`` and one dimension ``(n,)`` (magic number 2049).

The parser is written here, on purpose small, because torchvision cannot be used: the PyPI wheels of torchvision
do not import beside the pinned CPU build of torch, and the book needs nothing else from it.

References
----------
Y. LeCun, C. Cortes and C. J. C. Burges, *The MNIST database of handwritten digits*, section "File formats for the
MNIST database" (http://yann.lecun.com/exdb/mnist/).
"""
from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["IDX_TYPES", "parse_idx", "encode_idx"]

#: IDX type code -> numpy dtype (big-endian as stored in the file).
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("=").str: code for code, dt in IDX_TYPES.items()}


def parse_idx(data: bytes | bytearray | memoryview, name: str = "IDX data") -> NDArray:
    r"""The array stored in the bytes of an (uncompressed) IDX file.

    Parameters
    ----------
    data
        The whole file content: header and payload.
    name
        How error messages call the data (usually the file's path).

    Returns
    -------
    numpy.ndarray
        Array of shape :math:`(n_1, \dots, n_d)` in native byte order; for type code ``0x08`` a read-only
        ``uint8`` view of ``data`` (no copy).

    Raises
    ------
    ValueError
        If the magic number is wrong (first two bytes not zero, unknown type code, no dimensions), the header is
        cut off, or the payload is shorter or longer than the sizes in the header say.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([5, 0, 4], dtype=np.uint8)
    >>> raw = encode_idx(labels)
    >>> raw[:8].hex()   # magic 0x00000801, then n = 3
    '0000080100000003'
    >>> parse_idx(raw).tolist()
    [5, 0, 4]
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes; got {type(data).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str (how messages call the data); got {type(name).__name__}")
    buf = memoryview(data).cast("B")
    if len(buf) < 4:
        raise ValueError(f"{name}: only {len(buf)} bytes, too short for the 4-byte IDX magic number")
    zero0, zero1, code, ndim = buf[0], buf[1], buf[2], buf[3]
    magic = int.from_bytes(bytes(buf[:4]), "big")
    if zero0 != 0 or zero1 != 0 or code not in IDX_TYPES or ndim == 0:
        raise ValueError(f"{name}: wrong IDX magic number 0x{magic:08X}; expected 0x0000TTDD with type code TT in "
                         f"{{{', '.join(f'{c:02X}' for c in IDX_TYPES)}}} and DD >= 1 dimensions "
                         "(is this an IDX file, and was it decompressed?)")
    header = 4 + 4 * ndim
    if len(buf) < header:
        raise ValueError(f"{name}: header cut off: {ndim} dimensions need {header} header bytes, file has {len(buf)}")
    shape = tuple(int(n) for n in np.frombuffer(buf, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(buf) - header
    if found != expected:
        raise ValueError(f"{name}: size mismatch: the header announces shape {shape} of {dtype.name} "
                         f"({expected} bytes after the {header}-byte header) but {found} bytes follow; "
                         "the file is truncated or corrupt")
    arr = np.frombuffer(buf, dtype=dtype, offset=header).reshape(shape)
    return arr if dtype.itemsize == 1 else arr.astype(dtype.newbyteorder("="))


def encode_idx(array) -> bytes:
    r"""The bytes of an IDX file holding ``array`` (the inverse of :func:`parse_idx`).

    Parameters
    ----------
    array
        Array of one of the IDX types (uint8, int8, int16, int32, float32, float64) with at least one dimension.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(6, dtype=np.uint8).reshape(1, 2, 3)
    >>> np.array_equal(parse_idx(encode_idx(x)), x)
    True
    """
    arr = np.asarray(array)
    code = _CODES.get(arr.dtype.newbyteorder("=").str)
    if code is None:
        raise TypeError(f"array must have an IDX dtype (uint8, int8, int16, int32, float32, float64); "
                        f"got {arr.dtype}")
    if arr.ndim == 0 or arr.ndim > 255:
        raise ValueError(f"array must have 1 to 255 dimensions; got {arr.ndim}")
    if any(n >= 2**32 for n in arr.shape):
        raise ValueError(f"array dimensions must be < 2**32; got shape {arr.shape}")
    head = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
    return head + np.ascontiguousarray(arr, dtype=IDX_TYPES[code]).tobytes()

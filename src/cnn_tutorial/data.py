"""MNIST loading (local IDX files, a cache, or a verified download) and the ``tf.data`` pipeline.

The lecture trained on MNIST: 28 x 28 gray digits, 60,000 for training and
10,000 for testing. [`load_mnist`][cnn_tutorial.data.load_mnist] returns them as uint8 arrays shaped like
Keras' ``keras.datasets.mnist.load_data()``; [`make_dataset`][cnn_tutorial.data.make_dataset] turns them
into a shuffled, batched ``tf.data.Dataset`` of float images in [0, 1]. See the
chapter "A convnet on MNIST" (convnet-mnist.md).

Where the data comes from, in this order:

1. the ``data_dir`` argument (``cnn-tutorial train --data-dir``);
2. the ``CNN_TUTORIAL_DATA_DIR`` environment variable;
3. the cache folder ([`default_cache_dir`][cnn_tutorial.data.default_cache_dir]: ``$CNN_TUTORIAL_CACHE_DIR``, else
   ``$XDG_CACHE_HOME/cnn_tutorial/mnist``, else ``~/.cache/cnn_tutorial/mnist``);
4. a download from the standard mirrors ([`MIRRORS`][cnn_tutorial.data.MIRRORS]) into that cache, each
   file checked against the MD5 of exactly the bytes stored
   ([`MNIST_GZ_MD5`][cnn_tutorial.data.MNIST_GZ_MD5]), capped in size and time, and moved into place only
   when complete; a cached download that no longer loads is fetched again.

A data folder holds the four standard IDX files, gzip-compressed or not
(``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
``t10k-images-idx3-ubyte[.gz]``, ``t10k-labels-idx1-ubyte[.gz]``), so
Fashion-MNIST, which uses the same names and format, loads too. Local folders
are not checked against MNIST's checksums (they need not be MNIST), but every
file's IDX header, shape and length are.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
import time
import zlib
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cnn_tutorial._validation import (
    check_images_and_labels,
    check_int,
    check_labels,
    describe_array,
)

__all__ = [
    "DATA_DIR_ENV",
    "CACHE_DIR_ENV",
    "IDX_FILES",
    "MAX_DOWNLOAD_BYTES",
    "MIRRORS",
    "MNIST_GZ_MD5",
    "MNIST_MD5",
    "default_cache_dir",
    "download_mnist",
    "find_idx_files",
    "load_idx_folder",
    "load_mnist",
    "make_dataset",
    "normalize_images",
    "read_idx",
]

_log = logging.getLogger(__name__)

#: Environment variable naming a folder with the four IDX files.
DATA_DIR_ENV = "CNN_TUTORIAL_DATA_DIR"
#: Environment variable overriding the cache folder used for downloads.
CACHE_DIR_ENV = "CNN_TUTORIAL_CACHE_DIR"

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
"""The four standard IDX files: role -> file name without ``.gz``."""

#: MD5 of the *uncompressed* MNIST files (as published by Yann LeCun), to check a
#: local copy that was compressed again (``md5sum`` after ``gunzip``).
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

MNIST_GZ_MD5 = {
    "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
}
"""MD5 of the *compressed* ``.gz`` files the mirrors serve: a download is checked on
exactly the bytes stored in the cache (bytes appended after the gzip stream fail too)."""

MAX_DOWNLOAD_BYTES = 32 * 2**20
"""Largest download accepted per file (the biggest, train-images, is 9.9 MB)."""

MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
"""Mirrors that serve ``<name>.gz`` for each of
[`IDX_FILES`][cnn_tutorial.data.IDX_FILES], tried in order."""

# IDX type codes (third byte of the magic number) -> NumPy dtype, big-endian.
_IDX_DTYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def _hint() -> str:
    return (f"point at a local copy with load_mnist(data_dir=...), the environment variable "
            f"{DATA_DIR_ENV}=/path/to/mnist or `cnn-tutorial train --data-dir /path/to/mnist`: "
            f"a folder holding {', '.join(n + '[.gz]' for n in IDX_FILES.values())}")


# Deflate cannot expand data by more than about 1032 times: a header that
# declares more than that from a small .gz is refused before allocating.
_MAX_DEFLATE_RATIO = 1032


class _GzipChunks:
    """A gzip file decompressed in bounded pieces straight into the caller's buffer.

    ``gzip.GzipFile.readinto`` builds a ``bytes`` object as large as the
    request before copying it, doubling the peak memory of a big read; here
    no piece larger than ``_CHUNK`` exists besides the caller's array.
    Several gzip members (concatenated streams) are read as one.
    """

    def __init__(self, raw) -> None:
        self._raw = raw
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._input = b""

    def _next_input(self) -> bytes:
        data, self._input = self._input, b""
        return data or self._raw.read(_CHUNK)

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view):
            if self._inflate is None:  # between gzip members
                data = self._next_input()
                if not data.strip(b"\0"):
                    if not data:
                        break
                    continue  # zero padding after the last member, as gzip allows
                if not data.startswith(_GZIP_MAGIC[:len(data)]):
                    raise ValueError("bytes that are not gzip data follow the gzip stream")
                self._inflate, self._input = zlib.decompressobj(16 + zlib.MAX_WBITS), data
                continue
            data = self._next_input()
            out = self._inflate.decompress(data, min(len(view) - filled, _CHUNK))
            if not data and not out and not self._inflate.eof:
                raise EOFError("the compressed data ends before the end of the gzip stream")
            view[filled:filled + len(out)] = out
            filled += len(out)
            if self._inflate.eof:
                self._input, self._inflate = self._inflate.unused_data, None
            else:
                self._input = self._inflate.unconsumed_tail
        return filled

    def read(self, size: int) -> bytes:
        buffer = bytearray(size)
        return bytes(buffer[:self.readinto(buffer)])


def _read_exactly(stream, buffer: memoryview) -> int:
    filled = 0
    while filled < len(buffer):
        count = stream.readinto(buffer[filled:filled + _CHUNK])
        if not count:
            break
        filled += count
    return filled


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (gzip-compressed or not) into a NumPy array.

    The IDX format (used by MNIST and Fashion-MNIST) starts with a magic number
    ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian 32-bit sizes, then the
    values. Compression is recognised by content, not by the file name.

    Hostile files stay bounded: the size the header declares is checked
    against what the file can hold *before* anything is allocated (an
    uncompressed file must be exactly that long; a compressed one cannot
    expand more than deflate allows), and compressed data is decompressed in
    bounded pieces straight into the result, so reading never takes more
    memory than the array itself.

    Args:
        path: The file.

    Returns:
        An array of the stored shape; uint8 for MNIST's files.

    Raises:
        FileNotFoundError: ``path`` does not exist or is not a file.
        ValueError: wrong magic number, broken or corrupt gzip data, a header
            declaring more than the file can hold, or a file shorter
            (truncated) or longer than its header says; the message names the path.

    Examples:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "labels").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
        >>> read_idx(folder / "labels").tolist()
        [7, 2, 1]
        >>> _ = (folder / "short").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7]))
        >>> read_idx(folder / "short")
        Traceback (most recent call last):
        ...
        ValueError: .../short is truncated: its header announces 3 values (shape (3,)), the file holds 1
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file {path} does not exist (expected a file such as "
                                f"train-images-idx3-ubyte[.gz])")
    try:
        with open(path, "rb") as raw:
            file_size = os.fstat(raw.fileno()).st_size
            compressed = raw.read(2) == _GZIP_MAGIC
            raw.seek(0)
            stream = _GzipChunks(raw) if compressed else raw
            magic = stream.read(4)
            if len(magic) < 4 or magic[:2] != b"\0\0" or magic[2] not in _IDX_DTYPES:
                raise ValueError(
                    f"{path} is not an IDX file: expected a magic number 0x0000 followed by a "
                    f"type code (0x08 for uint8) and the number of dimensions, got "
                    f"{magic.hex() or 'an empty file'}")
            dtype, ndim = _IDX_DTYPES[magic[2]], magic[3]
            if ndim == 0:
                raise ValueError(f"{path} is not a valid IDX file: it declares 0 dimensions")
            header = stream.read(4 * ndim)
            if len(header) < 4 * ndim:
                raise ValueError(f"{path} is truncated inside its header ({ndim} dimensions "
                                 f"announced)")
            shape = tuple(int.from_bytes(header[i:i + 4], "big") for i in range(0, 4 * ndim, 4))
            # Python integers: a NumPy product of the sizes could wrap around.
            count = math.prod(shape)
            size = count * dtype.itemsize
            if compressed:
                if size > _MAX_DEFLATE_RATIO * file_size:
                    raise ValueError(
                        f"{path} declares shape {shape} ({size:,} bytes), more than a "
                        f"compressed file of {file_size:,} bytes can hold")
            else:
                held = file_size - 4 - 4 * ndim
                if held < size:
                    raise ValueError(f"{path} is truncated: its header announces {count} values "
                                     f"(shape {shape}), the file holds {held // dtype.itemsize}")
                if held > size:
                    raise ValueError(f"{path} is longer than its header says: expected exactly "
                                     f"{count} values (shape {shape})")
            # Read straight into the result (no second copy of a 47 MB file).
            values = np.empty(count, dtype)
            got = _read_exactly(stream, memoryview(values).cast("B")) // dtype.itemsize
            if got < count:
                raise ValueError(f"{path} is truncated: its header announces {count} values "
                                 f"(shape {shape}), the file holds {got}")
            if stream.read(1):
                raise ValueError(f"{path} is longer than its header says: expected exactly "
                                 f"{count} values (shape {shape})")
    except ValueError as error:
        if str(error).startswith(str(path)):
            raise
        raise ValueError(f"{path} could not be read as a gzip-compressed IDX file: "
                         f"{error}") from None
    except (EOFError, zlib.error, OSError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"{path} could not be read as a (gzip-compressed) IDX file: "
                         f"{error}") from None
    return values.reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def find_idx_files(folder: str | os.PathLike) -> dict[str, Path]:
    """Locate the four standard IDX files in ``folder`` (``.gz`` or uncompressed).

    Both the usual names (``train-images-idx3-ubyte``) and the dotted variant
    some copies use (``train-images.idx3-ubyte``) are accepted; when both a
    compressed and an uncompressed copy exist, the uncompressed one is used.

    Args:
        folder: The data folder.

    Returns:
        A mapping from each role of [`IDX_FILES`][cnn_tutorial.data.IDX_FILES] to its file.

    Raises:
        FileNotFoundError: the folder does not exist or lacks some of the files
            (the message lists what is missing and what was expected).

    Examples:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> find_idx_files(folder)
        Traceback (most recent call last):
        ...
        FileNotFoundError: data folder ... has none of the four IDX files train-images-idx3-ubyte[.gz], ...
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder {folder} does not exist or is not a folder; "
                                f"expected a folder with the four IDX files "
                                f"({', '.join(n + '[.gz]' for n in IDX_FILES.values())})")
    found, missing = {}, []
    for role, name in IDX_FILES.items():
        dotted = name.replace("-idx", ".idx")
        candidates = [folder / n for n in (name, dotted, name + ".gz", dotted + ".gz")]
        existing = [c for c in candidates if c.is_file()]
        if existing:
            found[role] = existing[0]
        else:
            missing.append(name + "[.gz]")
    if len(missing) == len(IDX_FILES):
        raise FileNotFoundError(
            f"data folder {folder} has none of the four IDX files {', '.join(missing)} "
            f"(MNIST or Fashion-MNIST, gzip-compressed or not)")
    if missing:
        raise FileNotFoundError(
            f"data folder {folder} lacks {', '.join(missing)} (expected the four IDX files "
            f"{', '.join(n + '[.gz]' for n in IDX_FILES.values())})")
    return found


def load_idx_folder(folder: str | os.PathLike, n_classes: int | None = 10):
    """Load the four IDX files of ``folder`` and check that they fit together.

    Args:
        folder: A folder as described in [`find_idx_files`][cnn_tutorial.data.find_idx_files].
        n_classes: Labels must lie in ``0..n_classes - 1`` (MNIST and
            Fashion-MNIST: 10); ``None`` skips that check.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: images ``N x H x W`` and
        labels ``N``, both uint8.

    Raises:
        FileNotFoundError: see [`find_idx_files`][cnn_tutorial.data.find_idx_files].
        ValueError: a file is broken (see [`read_idx`][cnn_tutorial.data.read_idx]), images are not
            3-D uint8, labels not 1-D uint8 or out of range, counts differ
            between images and labels, or train and test images differ in size.

    Examples:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> def write(name, shape):  # header: 0 0 8 (uint8) ndim, the sizes (big-endian)
        ...     sizes = b"".join(n.to_bytes(4, "big") for n in shape)
        ...     data = bytes([0, 0, 8, len(shape)]) + sizes + bytes(math.prod(shape))
        ...     _ = (folder / name).write_bytes(data)
        >>> for split, count in (("train", 6), ("t10k", 4)):
        ...     write(f"{split}-images-idx3-ubyte", (count, 28, 28))
        ...     write(f"{split}-labels-idx1-ubyte", (count,))
        >>> (x_train, y_train), (x_test, y_test) = load_idx_folder(folder)
        >>> x_train.shape, y_train.shape, x_test.shape, x_train.dtype.name
        ((6, 28, 28), (6,), (4, 28, 28), 'uint8')
    """
    files = find_idx_files(folder)
    arrays = {role: read_idx(path) for role, path in files.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        image_path, label_path = files[f"{split}_images"], files[f"{split}_labels"]
        # The IDX files' own contract (uint8, no channel axis), then the shared checks.
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"{image_path} must hold uint8 images N x height x width, got "
                             f"{describe_array(images)}")
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise ValueError(f"{label_path} must hold N uint8 labels, got "
                             f"{describe_array(labels)}")
        if len(images) != len(labels):
            raise ValueError(f"{image_path} holds {len(images)} images but {label_path} holds "
                             f"{len(labels)} labels; they must match")
        check_labels(labels, len(images), prefix=f"{label_path}: ", n_classes=n_classes)
    if arrays["train_images"].shape[1:] != arrays["test_images"].shape[1:]:
        raise ValueError(f"training images are {arrays['train_images'].shape[1:]} but test "
                         f"images are {arrays['test_images'].shape[1:]} in {Path(folder)}")
    return ((arrays["train_images"], arrays["train_labels"]),
            (arrays["test_images"], arrays["test_labels"]))


def default_cache_dir() -> Path:
    """The folder that downloads go to and that is looked in before downloading.

    ``$CNN_TUTORIAL_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/cnn_tutorial/mnist``,
    else ``~/.cache/cnn_tutorial/mnist``.

    Examples:
        >>> import os
        >>> os.environ["CNN_TUTORIAL_CACHE_DIR"] = "/tmp/mnist-cache"
        >>> str(default_cache_dir())
        '/tmp/mnist-cache'
        >>> del os.environ["CNN_TUTORIAL_CACHE_DIR"]
    """
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "cnn_tutorial" / "mnist"


def _cache_origin(cache_dir: str | os.PathLike | None) -> str:
    if cache_dir is not None:
        return "the cache_dir argument"
    if os.environ.get(CACHE_DIR_ENV):
        return f"set by {CACHE_DIR_ENV}"
    return "the default cache folder"


def _usable_cache_dir(cache_dir: str | os.PathLike | None) -> Path:
    """The cache folder, refused early (naming where it came from) when it is a file."""
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"the MNIST cache folder {folder} ({_cache_origin(cache_dir)}) "
                                 f"is a file; expected a folder (or nothing there yet)")
    return folder


def _md5_of_file(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch_verified(url: str, name: str, target: Path, timeout: float, deadline: float,
                    deadline_seconds: float = 0.0) -> None:
    """Download ``url`` to ``target`` atomically if exactly its bytes have the right MD5.

    ``deadline`` is a ``time.monotonic()`` value; ``deadline_seconds`` only words the message.
    """
    digest = hashlib.md5()
    size = 0
    handle, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > MAX_DOWNLOAD_BYTES:
                raise ValueError(f"{url} announces {int(declared):,} bytes, more than the "
                                 f"{MAX_DOWNLOAD_BYTES:,} accepted")
            # read1: whatever has arrived (a slow server cannot hold a call for long).
            read = getattr(response, "read1", response.read)
            while chunk := read(_CHUNK):
                size += len(chunk)
                if size > MAX_DOWNLOAD_BYTES:
                    raise ValueError(f"{url} sent more than the {MAX_DOWNLOAD_BYTES:,} bytes "
                                     f"accepted")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} took longer than the download's time limit "
                                       f"({deadline_seconds:g} s)")
                out.write(chunk)
                digest.update(chunk)
        expected = MNIST_GZ_MD5[name]
        if digest.hexdigest() != expected:
            raise ValueError(f"{url} has MD5 {digest.hexdigest()}, expected {expected}")
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def download_mnist(cache_dir: str | os.PathLike | None = None,
                   mirrors: Sequence[str] | None = None, timeout: float = 60.0,
                   time_limit: float = 600.0) -> Path:
    """Download the four MNIST files into ``cache_dir``, verifying each one.

    Files already in the cache are kept. Each missing file is fetched as
    ``<mirror><name>.gz`` from the first mirror that works; it is written to a
    temporary file in the cache, checked against [`MNIST_GZ_MD5`][cnn_tutorial.data.MNIST_GZ_MD5] (the MD5
    of exactly the bytes stored) and only then renamed into place, so an
    interrupted or corrupted download never leaves a broken file behind. A
    response larger than [`MAX_DOWNLOAD_BYTES`][cnn_tutorial.data.MAX_DOWNLOAD_BYTES] is cut off, and the whole
    download stops after ``time_limit`` seconds, however slowly a server
    answers.

    Args:
        cache_dir: Where to store the files (default [`default_cache_dir`][cnn_tutorial.data.default_cache_dir]).
        mirrors: Base URLs ending in ``/`` (default [`MIRRORS`][cnn_tutorial.data.MIRRORS]).
        timeout: Seconds to wait for a server before trying the next mirror.
        time_limit: Seconds the whole download may take.

    Returns:
        The cache folder, now holding the four ``.gz`` files.

    Raises:
        FileNotFoundError: no mirror delivered a file with the right checksum
            in time; the message lists each attempt and how to use a local
            copy instead.

    Examples:
        >>> download_mnist("/tmp/unused-cache", mirrors=[])
        Traceback (most recent call last):
        ...
        FileNotFoundError: could not download MNIST (no mirrors given); point at a local copy ...
    """
    folder = _usable_cache_dir(cache_dir)
    mirrors = MIRRORS if mirrors is None else tuple(mirrors)
    if not mirrors:
        raise FileNotFoundError(f"could not download MNIST (no mirrors given); {_hint()}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise type(error)(f"cannot create the MNIST cache folder {folder} "
                          f"({_cache_origin(cache_dir)}): {error.strerror or error}") from None
    deadline = time.monotonic() + time_limit
    for name in IDX_FILES.values():
        target = folder / f"{name}.gz"
        if target.is_file():
            continue
        failures = []
        for mirror in mirrors:
            url = mirror.rstrip("/") + f"/{name}.gz"
            if time.monotonic() > deadline:
                failures.append(f"{url}: not tried, the download's time limit "
                                f"({time_limit:g} s) is over")
                continue
            _log.info("downloading %s", url)
            try:
                _fetch_verified(url, name, target, timeout, deadline, time_limit)
                break
            except (OSError, ValueError, urllib.error.URLError) as error:
                failures.append(f"{url}: {error}")
        else:
            raise FileNotFoundError(
                f"could not download MNIST file {name} into {folder} "
                f"({'; '.join(failures)}); {_hint()}")
    return folder


def _drop_unverified_downloads(folder: Path) -> list[Path]:
    """Delete the ``.gz`` files of ``folder`` that are not the verified downloads."""
    dropped = []
    for name, expected in MNIST_GZ_MD5.items():
        path = folder / f"{name}.gz"
        if path.is_file() and _md5_of_file(path) != expected:
            path.unlink()
            dropped.append(path)
    return dropped


def load_mnist(data_dir: str | os.PathLike | None = None, *,
               cache_dir: str | os.PathLike | None = None, download: bool = True):
    """Load MNIST (or any data set in the same IDX files) as uint8 arrays.

    Sources are tried in this order: ``data_dir``, the ``CNN_TUTORIAL_DATA_DIR``
    environment variable, the cache folder, then a download into the cache
    (see the module's description). A folder that is named explicitly (by the
    argument or the variable) must hold the four files: it is never silently
    skipped. See the chapter "A convnet on MNIST" (convnet-mnist.md).

    Args:
        data_dir: A folder with the four IDX files, ``.gz`` or not.
        cache_dir: The cache folder (default [`default_cache_dir`][cnn_tutorial.data.default_cache_dir]).
        download: Whether to download when no local copy is found.

    Returns:
        ``((x_train, y_train), (x_test, y_test))`` as Keras'
        ``mnist.load_data()``: uint8 images ``(60000, 28, 28)`` and
        ``(10000, 28, 28)``, uint8 labels ``(60000,)`` and ``(10000,)``.

    Raises:
        FileNotFoundError: the named folder lacks files, or nothing could be
            found or downloaded (the message says how to point at a local copy).
        ValueError: a file is not a valid IDX file or the files do not fit together.

    Examples:
        >>> import os
        >>> if os.environ.get("CNN_TUTORIAL_DATA_DIR"):
        ...     (x_train, y_train), (x_test, y_test) = load_mnist()
        ... else:  # the first call downloads about 11 MB into the cache
        ...     (x_train, y_train), (x_test, y_test) = (
        ...         (np.zeros((60000, 28, 28), np.uint8), np.zeros(60000, np.uint8)),
        ...         (np.zeros((10000, 28, 28), np.uint8), np.zeros(10000, np.uint8)))
        >>> x_train.shape, y_train.shape, x_test.shape, y_test.shape, x_train.dtype.name
        ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,), 'uint8')
    """
    if data_dir is not None:
        if not str(data_dir).strip() or (isinstance(data_dir, (str, bytes)) and not data_dir):
            # Path("") is the current folder: never what an empty setting means.
            raise ValueError(f"data_dir must name a folder, got {data_dir!r}")
        return load_idx_folder(data_dir)
    if os.environ.get(DATA_DIR_ENV):
        folder = Path(os.environ[DATA_DIR_ENV]).expanduser()
        try:
            return load_idx_folder(folder)
        except FileNotFoundError as error:
            raise FileNotFoundError(f"{DATA_DIR_ENV}={folder}: {error}") from None
    cache = _usable_cache_dir(cache_dir)
    try:
        return load_idx_folder(cache)
    except FileNotFoundError:
        if not download:
            raise FileNotFoundError(f"no MNIST found in the cache {cache} and download=False; "
                                    f"{_hint()}") from None
    except ValueError as error:
        # A cached download that no longer loads (a disk error, a file changed by
        # hand): fetch it again, when it is one of ours and downloads are allowed.
        dropped = _drop_unverified_downloads(cache) if download else []
        if not dropped:
            raise
        _log.warning("%s; downloading %s again", error, ", ".join(p.name for p in dropped))
    return load_idx_folder(download_mnist(cache))


def normalize_images(images: Any) -> Any:
    """Scale uint8 pixels to float32 in [0, 1] and add the channel axis (NHWC).

    Works on NumPy arrays and tensors (inside ``tf.data`` maps and
    ``tf.function``). Float input is taken to be in [0, 1] already.

    Args:
        images: ``N x H x W`` or ``N x H x W x 1``, uint8 or float.

    Returns:
        A float32 tensor ``N x H x W x 1``.

    Raises:
        ValueError: ``images`` is not 3-D or 4-D with one channel.

    Examples:
        >>> x = normalize_images(np.full((2, 28, 28), 255, np.uint8))
        >>> x.shape.as_list(), x.dtype.name, float(x[0, 0, 0, 0])
        ([2, 28, 28, 1], 'float32', 1.0)
    """
    import tensorflow as tf

    shape = getattr(images, "shape", None)
    rank = len(shape) if shape is not None else None
    if rank not in (3, 4) or (rank == 4 and shape[-1] not in (1, None)):
        raise ValueError(f"images must be N x height x width (or N x height x width x 1), got "
                         f"{describe_array(images)}")
    images = tf.convert_to_tensor(images)
    if rank == 3:
        images = images[..., tf.newaxis]
    if images.dtype == tf.uint8:
        return tf.cast(images, tf.float32) * (1.0 / 255.0)
    if not images.dtype.is_floating:
        raise ValueError(f"images must be uint8 or float, got dtype {images.dtype.name}")
    return tf.cast(images, tf.float32)


def make_dataset(images: Any, labels: Any, batch_size: int = 128, shuffle: bool = True, *,
                 seed: int | None = 0, shuffle_buffer: int = 10_000,
                 drop_remainder: bool = False, prefetch: bool = True,
                 skip_examples: int = 0, reshuffle_each_iteration: bool = True):
    """A ``tf.data`` pipeline of ``(images, labels)`` batches for training or testing.

    Images become float32 ``N x 28 x 28 x 1`` in [0, 1] (NHWC), labels int32.
    Shuffling uses a buffer of 10,000 as the lecture did. The pipeline keeps
    the uint8 images once (a quarter of the float32 size) and shuffles *indices*,
    gathering and normalising a whole batch at a time: that is faster than
    shuffling and converting images one by one, and it holds no float copy of
    the training set.

    Args:
        images: uint8 ``N x H x W`` (or ``N x H x W x 1``) images, e.g. from
            [`load_mnist`][cnn_tutorial.data.load_mnist]; float images in [0, 1] are accepted too.
        labels: ``N`` integer class indices.
        batch_size: Images per batch (>= 1).
        shuffle: Whether to shuffle (training) or keep the order (testing).
        seed: Shuffle seed; the same seed gives the same order. ``None`` for
            a random order.
        shuffle_buffer: Size of the shuffle buffer (the lecture: 10,000).
        drop_remainder: Drop the last, smaller batch.
        prefetch: Prepare the next batch while the current one trains.
        skip_examples: Leave out the first examples of the (shuffled) order;
            the training loop uses it to resume in the middle of an epoch.
        reshuffle_each_iteration: Whether each pass over the dataset gets a
            new order (``False``: every pass repeats the seed's order).

    Returns:
        A ``tf.data.Dataset`` of ``(float32 images, int32 labels)`` batches;
        one pass over it is one epoch.

    Raises:
        ValueError: shapes that do not match, or sizes below 1.

    Examples:
        >>> x = np.zeros((300, 28, 28), np.uint8)
        >>> y = np.arange(300) % 10
        >>> dataset = make_dataset(x, y, batch_size=128)
        >>> [int(images.shape[0]) for images, labels in dataset]
        [128, 128, 44]
        >>> images, labels = next(iter(dataset))
        >>> images.shape.as_list(), images.dtype.name, labels.dtype.name
        ([128, 28, 28, 1], 'float32', 'int32')
    """
    import tensorflow as tf

    check_images_and_labels(images, labels, image_size=None)
    batch_size = check_int("batch_size", batch_size)
    shuffle_buffer = check_int("shuffle_buffer", shuffle_buffer)
    skip_examples = check_int("skip_examples", skip_examples, minimum=0)
    count = len(images)
    # One copy in the pipeline: uint8 stays uint8 until a batch is gathered.
    image_table = tf.convert_to_tensor(images)
    label_table = tf.cast(tf.convert_to_tensor(labels), tf.int32)
    indices = tf.data.Dataset.range(count)
    if shuffle:
        indices = indices.shuffle(min(shuffle_buffer, count), seed=seed,
                                  reshuffle_each_iteration=reshuffle_each_iteration)
    if skip_examples:
        indices = indices.skip(skip_examples)
    batches = indices.batch(batch_size, drop_remainder=drop_remainder)

    def gather(index):
        return normalize_images(tf.gather(image_table, index)), tf.gather(label_table, index)

    dataset = batches.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE) if prefetch else dataset


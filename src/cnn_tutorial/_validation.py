"""Argument checks shared by the package (private).

Every public function checks its arguments here *before* calling into
TensorFlow, so that bad input raises a ``ValueError``/``TypeError`` whose
message names the argument and what was expected, instead of a TensorFlow
traceback. Other modules of the package may import these helpers.
"""

from __future__ import annotations

import math
import numbers
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

PADDING_STRINGS = ("SAME", "VALID")

#: The largest integer TensorFlow takes for a stride, a size or a seed (its
#: attributes are 32-bit); larger Python ints would overflow inside TensorFlow
#: with a message that does not name the argument.
MAX_INT32 = 2**31 - 1


def _is_integer(value: Any) -> bool:
    # bool is an int subclass, but ``stride=True`` is always a mistake.
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value: Any, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= minimum`` (and ``<= maximum``).

    Raises:
        TypeError: ``value`` is not an integer (bools and floats are refused).
        ValueError: ``value`` is below ``minimum`` or above ``maximum``.

    Examples:
        >>> check_int("stride", 2)
        2
        >>> check_int("stride", 0)
        Traceback (most recent call last):
        ...
        ValueError: stride must be an integer >= 1, got 0
        >>> check_int("stride", 10**20, maximum=MAX_INT32)
        Traceback (most recent call last):
        ...
        ValueError: stride must be an integer >= 1 and <= 2147483647, got 100000000000000000000
    """
    expected = f"an integer >= {minimum}" + ("" if maximum is None else f" and <= {maximum}")
    if not _is_integer(value):
        raise TypeError(f"{name} must be {expected}, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def check_pair(name: str, value: Any, minimum: int = 1,
               maximum: int | None = None) -> tuple[int, int]:
    """Return ``(a, b)`` from an integer or a pair of integers, each ``>= minimum``.

    Examples:
        >>> check_pair("strides", 3)
        (3, 3)
        >>> check_pair("strides", (1, 2))
        (1, 2)
        >>> check_pair("strides", (1, 2, 3))
        Traceback (most recent call last):
        ...
        ValueError: strides must be an integer >= 1 or a pair of them, got (1, 2, 3)
    """
    expected = f"an integer >= {minimum}" + ("" if maximum is None else f" and <= {maximum}")
    if _is_integer(value):
        return (check_int(name, value, minimum, maximum),) * 2
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(map(_is_integer, value)):
        if min(value) < minimum or (maximum is not None and max(value) > maximum):
            raise ValueError(f"{name} must be {expected} or a pair of them, got {value!r}")
        return int(value[0]), int(value[1])
    if isinstance(value, (tuple, list)):
        raise ValueError(f"{name} must be {expected} or a pair of them, got {value!r}")
    raise TypeError(f"{name} must be {expected} or a pair of them, got {value!r}")


def check_padding(name: str, value: Any, allow_int: bool = False) -> str | int:
    """Return ``"SAME"``/``"VALID"`` (any letter case accepted), or an int when allowed.

    Args:
        name: The argument's name, for the error message.
        value: What the caller passed.
        allow_int: Whether a non-negative number of cells per side is accepted.

    Examples:
        >>> check_padding("padding", "same")
        'SAME'
        >>> check_padding("padding", 2, allow_int=True)
        2
        >>> check_padding("padding", "same!", allow_int=True)
        Traceback (most recent call last):
        ...
        ValueError: padding must be 'SAME', 'VALID' or a non-negative int, got 'same!'
    """
    expected = "'SAME', 'VALID' or a non-negative int" if allow_int else "'SAME' or 'VALID'"
    if isinstance(value, str):
        upper = value.upper()
        if upper in PADDING_STRINGS:
            return upper
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    if allow_int and _is_integer(value):
        if value < 0:
            raise ValueError(f"{name} must be {expected}, got {value!r}")
        return int(value)
    raise (ValueError if allow_int and isinstance(value, numbers.Real) else TypeError)(
        f"{name} must be {expected}, got {value!r}")


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``.

    Examples:
        >>> check_choice("initializer", "he", ("he", "glorot"))
        'he'
        >>> check_choice("initializer", "xavier", ("he", "glorot"))
        Traceback (most recent call last):
        ...
        ValueError: initializer must be one of 'he', 'glorot', got 'xavier'
    """
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def check_rate(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a number in ``[0, 1)``.

    Examples:
        >>> check_rate("dropout_rate", 0.25)
        0.25
        >>> check_rate("dropout_rate", 1)
        Traceback (most recent call last):
        ...
        ValueError: dropout_rate must be a number in [0, 1), got 1
    """
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}")
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` if it is a positive, finite number (bools refused).

    Examples:
        >>> check_positive("learning_rate", 0.01)
        0.01
        >>> check_positive("learning_rate", float("nan"))
        Traceback (most recent call last):
        ...
        ValueError: learning_rate must be a positive number, got nan
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or \
            not 0 < value < math.inf:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value


# ------------------------------------------------------------------ folders

class NotAFolderError(NotADirectoryError, ValueError):
    """A path that must be a folder names a file, or lies under one (bad input, not the system)."""


def check_folder(name: str, value: Any, *, optional: bool = False,
                 create: bool = False) -> Path | None:
    """Return ``value`` as a folder path (``~`` expanded) that is, or can become, a folder.

    The one check of the folders the package writes in (``log_dir``,
    ``checkpoint_dir``, the command's ``--output`` folder). Without
    ``create`` nothing is touched (it runs before any data loads). With
    ``create`` the folder is made (with its parents), its name must be UTF-8
    (TensorFlow writes only under UTF-8 names, and would fail only at its
    first write, maybe an hour into training), and a file is written and
    removed in it: a read-only folder fails now, not at the first checkpoint.

    Args:
        name: The argument (or option) named by the messages.
        value: A path (``str`` or ``os.PathLike``); ``None`` only if ``optional``.
        optional: Whether ``None`` is accepted (and returned).
        create: Make the folder and check that files can be written in it.

    Raises:
        TypeError: ``value`` is not a path.
        ValueError: an empty path, or (with ``create``) a name that is not UTF-8.
        NotAFolderError: the path, or a folder above it, is a file.
        PermissionError: (with ``create``) the system refuses to create or
            write the folder (read-only, no permission, full); the message
            names ``name``, the folder and the system's reason, and ``errno``
            is the system's.

    Examples:
        >>> import tempfile
        >>> base = Path(tempfile.mkdtemp())
        >>> check_folder("log_dir", base / "logs", create=True) == base / "logs"
        True
        >>> (base / "notes.txt").write_text("")
        0
        >>> check_folder("log_dir", base / "notes.txt" / "logs")
        Traceback (most recent call last):
        ...
        cnn_tutorial._validation.NotAFolderError: log_dir .../notes.txt/logs cannot be created because .../notes.txt is a file, not a folder
    """
    if value is None and optional:
        return None
    if not isinstance(value, (str, os.PathLike)):
        expected = "a folder path or None" if optional else "a folder path"
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__}")
    if not os.fspath(value):
        raise ValueError(f"{name} must be a folder path, got an empty string")
    folder = Path(value).expanduser()
    try:
        if folder.exists() and not folder.is_dir():
            raise NotAFolderError(f"{name} {folder} exists and is not a folder")
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if existing.exists() and not existing.is_dir():
            raise NotAFolderError(f"{name} {folder} cannot be created because {existing} is a "
                                  f"file, not a folder")
    except NotAFolderError:
        raise
    except OSError as error:  # e.g. a parent without search permission
        raise _reworded(error, f"{name} {folder} cannot be used") from None
    if create:
        _check_utf8_name(name, folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _reworded(error, f"{name} {folder} cannot be created") from None
        try:
            handle, probe = tempfile.mkstemp(dir=folder, prefix=".cnn-tutorial-write-test-")
            os.close(handle)
            os.unlink(probe)
        except OSError as error:
            raise _reworded(error, f"{name} {folder} cannot be written") from None
    return folder


def _check_utf8_name(name: str, folder: Path) -> None:
    try:
        str(folder.absolute()).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} {os.fsencode(folder)!r} is not a valid UTF-8 name, and "
                         f"TensorFlow writes only under UTF-8 names; choose another "
                         f"folder") from None


def _reworded(error: OSError, what: str) -> PermissionError:
    """A ``PermissionError`` saying ``what: reason`` (no errno prefix, no file name)."""
    reworded = PermissionError(f"{what}: {error.strerror or error}")
    reworded.errno = error.errno  # callers tell a full disk from a read-only one by it
    return reworded


def describe_array(value: Any) -> str:
    """A short description of an array-like for error messages (shape and dtype).

    Examples:
        >>> describe_array(np.zeros((2, 3), np.uint8))
        'an array of shape (2, 3) and dtype uint8'
    """
    if getattr(value, "shape", None) is None:
        return f"a {type(value).__name__}"
    shape = _shape_of(value)  # None: a tensor of unknown rank
    return (f"an array of shape {'unknown' if shape is None else shape} "
            f"and dtype {_dtype_name(value)}")


# ------------------------------------------------------------------ MNIST arrays
# The one check of image batches and labels: used by data (files and
# make_dataset), model (ConvNet's input), compat_v1 and train. Works on NumPy
# arrays and on TensorFlow tensors (unknown sizes, None, are accepted) without
# importing TensorFlow.

def _shape_of(value: Any) -> tuple | None:
    shape = getattr(value, "shape", None)
    if shape is None:
        return None
    if hasattr(shape, "as_list"):  # tf.TensorShape
        if shape.rank is None:
            return None
        return tuple(shape.as_list())
    return tuple(shape)


def _dtype_name(value: Any) -> str:
    dtype = getattr(value, "dtype", None)
    return str(getattr(dtype, "name", dtype))


def check_images(images: Any, *, prefix: str = "", image_size: tuple[int, int] | None = (28, 28),
                 allow_empty: bool = False) -> None:
    """Check a batch of gray images: ``N x H x W`` or ``N x H x W x 1``, uint8 or float.

    The one check of image batches in the package (MNIST's files, the
    ``tf.data`` pipeline, [`ConvNet`][cnn_tutorial.model.ConvNet], the TF 1 code,
    training). Accepts NumPy arrays and tensors; sizes that a graph leaves
    unknown (``None``) pass.

    Args:
        images: The batch.
        prefix: Put before the message, e.g. ``"train_data "``.
        image_size: ``(height, width)`` required, or ``None`` for any size.
        allow_empty: Whether ``N == 0`` is accepted.

    Raises:
        TypeError: the dtype is neither uint8 nor floating point.
        ValueError: the rank, the image size or the channel count is wrong, or
            the batch is empty.

    Examples:
        >>> check_images(np.zeros((2, 28, 28), np.uint8))
        >>> check_images(np.zeros((2, 32, 32, 1), np.float32))
        Traceback (most recent call last):
        ...
        ValueError: images must be N x 28 x 28 x 1 (or N x 28 x 28), got an array of shape (2, 32, 32, 1) and dtype float32
        >>> check_images(np.zeros((2, 28, 28), np.int32), prefix="x_train: ")
        Traceback (most recent call last):
        ...
        TypeError: x_train: images must be float (values in [0, 1]) or uint8, got an array of shape (2, 28, 28) and dtype int32
    """
    dtype = _dtype_name(images)
    if not (dtype == "uint8" or dtype.startswith("float") or dtype in ("bfloat16", "half")):
        raise TypeError(f"{prefix}images must be float (values in [0, 1]) or uint8, "
                        f"got {describe_array(images)}")
    if image_size is None:
        expected = "a non-empty array N x height x width (or N x height x width x 1)"
    else:
        height, width = image_size
        expected = f"N x {height} x {width} x 1 (or N x {height} x {width})"
    shape = _shape_of(images)
    fits = (shape is not None and len(shape) in (3, 4)
            and (len(shape) == 3 or shape[3] in (1, None))
            and (allow_empty or shape[0] != 0)
            and (image_size is None
                 or all(s is None or s == e for s, e in zip(shape[1:3], image_size))))
    if not fits:
        raise ValueError(f"{prefix}images must be {expected}, got {describe_array(images)}")


def check_pixel_values(images: Any, *, prefix: str = "") -> None:
    """Check that float images are finite and in [0, 1] (uint8 images always are).

    Bad pixels are the data's fault, and they show up much later under
    another name: a NaN pixel makes the loss NaN (blamed on the learning
    rate), 0..255 floats train with a loss in the thousands, and NaN logits
    make every prediction class 0. So they are caught where the images enter,
    with two reductions (min and max, which NaN propagates through; no copy).
    A tensor of a graph being traced has no values yet and passes.

    Raises:
        ValueError: NaN or infinite pixels, or values outside [0, 1].

    Examples:
        >>> check_pixel_values(np.zeros((2, 28, 28), np.float32))
        >>> check_pixel_values(np.full((2, 28, 28), 255.0), prefix="train_data ")
        Traceback (most recent call last):
        ...
        ValueError: train_data images must be float values in [0, 1] (or uint8 0..255), got values from 255 to 255: 0..255 pixels stored as floats? divide by 255 or pass uint8
        >>> check_pixel_values(np.array([[[0.5, np.nan]]]))
        Traceback (most recent call last):
        ...
        ValueError: images hold 1 NaN pixel value(s) of 2: the data is broken (fix or drop those images); no learning rate trains on NaN pixels
    """
    if _dtype_name(images) == "uint8":
        return
    if not isinstance(images, np.ndarray):
        try:
            images = images.numpy()  # an eager tensor (no copy on the CPU)
        except Exception:  # a symbolic tensor: checked when it has values, if ever
            if hasattr(images, "numpy") or hasattr(images, "graph"):
                return
        images = np.asarray(images)
    if images.size == 0 or not np.issubdtype(images.dtype, np.floating) and \
            images.dtype.name not in ("bfloat16",):
        return
    low, high = float(images.min()), float(images.max())
    if np.isnan(low) or np.isnan(high):
        count = int(np.isnan(images).sum())
        raise ValueError(f"{prefix}images hold {count:,} NaN pixel value(s) of {images.size:,}: "
                         "the data is broken (fix or drop those images); no learning rate "
                         "trains on NaN pixels")
    if np.isinf(low) or np.isinf(high):
        count = int(np.isinf(images).sum())
        raise ValueError(f"{prefix}images hold {count:,} infinite pixel value(s) of "
                         f"{images.size:,}: the data is broken (fix or drop those images)")
    if low < 0 or high > 1:
        hint = ("0..255 pixels stored as floats? divide by 255 or pass uint8"
                if low >= 0 and high <= 255 else "scale them into [0, 1]")
        raise ValueError(f"{prefix}images must be float values in [0, 1] (or uint8 0..255), got "
                         f"values from {low:.4g} to {high:.4g}: {hint}")


def check_labels(labels: Any, count: int | None, *, prefix: str = "",
                 n_classes: int | None = None) -> None:
    """Check class labels: 1-D integers, one per image, each in ``0..n_classes - 1``.

    The range is checked on NumPy arrays and eager tensors (a label of 12
    would otherwise reach TensorFlow as an ``InvalidArgumentError``, or as a
    silent NaN on a GPU); symbolic tensors are checked for shape and dtype only.

    Args:
        labels: The labels.
        count: The number of images (``None``: any).
        prefix: Put before the message, e.g. ``"train_data "``.
        n_classes: The number of classes (``None``: no range check).

    Raises:
        ValueError: wrong rank or count, not integers, or out of range.

    Examples:
        >>> check_labels(np.array([7, 2, 1]), 3, n_classes=10)
        >>> check_labels(np.array([7, 12, 1]), 3, n_classes=10)
        Traceback (most recent call last):
        ...
        ValueError: labels must be in 0..9, got values from 1 to 12
    """
    shape = _shape_of(labels)
    if shape is None or len(shape) != 1 or (
            count is not None and shape[0] is not None and shape[0] != count):
        per_image = f"one label per image ({count})" if count is not None else "one per image"
        raise ValueError(f"{prefix}labels must be a 1-D array with {per_image}, "
                         f"got {describe_array(labels)}")
    dtype = _dtype_name(labels)
    if not dtype.startswith(("int", "uint")):
        raise ValueError(f"{prefix}labels must be integers (class indices), "
                         f"got {describe_array(labels)}")
    if n_classes is None or shape[0] == 0:
        return
    if isinstance(labels, np.ndarray):
        values = labels
    elif hasattr(labels, "numpy"):  # an eager tensor; a symbolic one has no values yet
        try:
            values = labels.numpy()
        except (AttributeError, NotImplementedError, TypeError, ValueError):
            return
    else:
        return
    low, high = int(values.min()), int(values.max())
    if low < 0 or high >= n_classes:
        raise ValueError(f"{prefix}labels must be in 0..{n_classes - 1}, "
                         f"got values from {low} to {high}")


def check_images_and_labels(images: Any, labels: Any, *, prefix: str = "",
                            image_size: tuple[int, int] | None = (28, 28),
                            n_classes: int | None = None) -> None:
    """`check_images`, `check_labels` (one label per image), then `check_pixel_values`.

    Examples:
        >>> check_images_and_labels(np.zeros((4, 28, 28), np.uint8), np.zeros(3, np.int64),
        ...                         prefix="test_data ")
        Traceback (most recent call last):
        ...
        ValueError: test_data labels must be a 1-D array with one label per image (4), got an array of shape (3,) and dtype int64
    """
    check_images(images, prefix=prefix, image_size=image_size)
    check_labels(labels, _shape_of(images)[0], prefix=prefix, n_classes=n_classes)
    check_pixel_values(images, prefix=prefix)

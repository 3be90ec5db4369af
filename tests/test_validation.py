"""cnn_tutorial._validation: each check accepts good values and refuses bad ones with one clear
line naming the argument, of the type (TypeError or ValueError) that says what was wrong."""

from __future__ import annotations

import errno
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from cnn_tutorial import _validation as v
from cnn_tutorial._validation import (
    MAX_INT32,
    check_choice,
    check_images,
    check_images_and_labels,
    check_int,
    check_labels,
    check_padding,
    check_pair,
    check_pixel_values,
    check_rate,
    describe_array,
)


def _one_line(error: pytest.ExceptionInfo) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize("call, error, message", [
    (lambda: v.check_int("stride", 0), ValueError, "stride must be an integer >= 1, got 0"),
    (lambda: v.check_int("stride", True), TypeError, "stride must be an integer >= 1, got True"),
    (lambda: v.check_int("stride", 1.0), TypeError, "stride must be an integer >= 1, got 1.0"),
    (lambda: v.check_int("seed", -1, minimum=0), ValueError,
     "seed must be an integer >= 0, got -1"),
    (lambda: v.check_int("n", 2**31, maximum=v.MAX_INT32), ValueError,
     "n must be an integer >= 1 and <= 2147483647, got 2147483648"),
    (lambda: v.check_pair("strides", (1, 0)), ValueError,
     "strides must be an integer >= 1 or a pair of them, got (1, 0)"),
    (lambda: v.check_pair("strides", "2"), TypeError,
     "strides must be an integer >= 1 or a pair of them, got '2'"),
    (lambda: v.check_padding("padding", "full"), ValueError,
     "padding must be 'SAME' or 'VALID', got 'full'"),
    (lambda: v.check_padding("padding", -1, allow_int=True), ValueError,
     "padding must be 'SAME', 'VALID' or a non-negative int, got -1"),
    (lambda: v.check_padding("padding", 1), TypeError, "padding must be 'SAME' or 'VALID', got 1"),
    (lambda: v.check_choice("model", "cnn", ("lowlevel", "keras")), ValueError,
     "model must be one of 'lowlevel', 'keras', got 'cnn'"),
    (lambda: v.check_choice("model", 3, ("lowlevel",)), ValueError,
     "model must be one of 'lowlevel', got 3"),
    (lambda: v.check_rate("dropout_rate", 1.0), ValueError,
     "dropout_rate must be a number in [0, 1), got 1.0"),
    (lambda: v.check_rate("dropout_rate", "0.5"), TypeError,
     "dropout_rate must be a number in [0, 1), got '0.5'"),
    (lambda: v.check_positive("learning_rate", 0), ValueError,
     "learning_rate must be a positive number, got 0"),
    (lambda: v.check_positive("learning_rate", float("inf")), ValueError,
     "learning_rate must be a positive number, got inf"),
    (lambda: v.check_positive("learning_rate", True), ValueError,
     "learning_rate must be a positive number, got True"),
])
def test_each_scalar_check_names_the_argument(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert type(raised.value) is error and _one_line(raised) == message


def test_good_scalars_come_back_normalised():
    assert v.check_int("n", np.int64(3)) == 3 and type(v.check_int("n", np.int64(3))) is int
    assert v.check_pair("k", 3) == (3, 3) and v.check_pair("k", [2, 5]) == (2, 5)
    assert v.check_padding("p", "valid") == "VALID"
    assert v.check_padding("p", 0, allow_int=True) == 0
    assert v.check_rate("r", 0) == 0.0
    assert v.check_positive("lr", 1e-3) == 1e-3


@pytest.mark.parametrize("images, error, message", [
    (np.zeros((2, 28, 28), np.int32), TypeError,
     ("images must be float (values in [0, 1]) or uint8, got an array of shape (2, 28, 28) and "
      "dtype int32")),
    (np.zeros((2, 28, 28, 3), np.uint8), ValueError,
     ("images must be N x 28 x 28 x 1 (or N x 28 x 28), got an array of shape (2, 28, 28, 3) "
      "and dtype uint8")),
    (np.zeros((0, 28, 28), np.uint8), ValueError, "images must be N x 28 x 28 x 1"),
    (np.zeros((28, 28), np.uint8), ValueError, "images must be N x 28 x 28 x 1"),
])
def test_bad_image_batches(images, error, message):
    with pytest.raises(error) as raised:
        v.check_images(images, prefix="x: ")
    assert _one_line(raised).startswith("x: " + message)


def test_image_size_none_takes_any_size_but_not_an_empty_batch():
    v.check_images(np.zeros((1, 5, 7), np.float32), image_size=None)
    v.check_images(np.zeros((0, 28, 28), np.uint8), allow_empty=True)
    with pytest.raises(ValueError, match="a non-empty array N x height x width"):
        v.check_images(np.zeros((0, 5, 7), np.float32), image_size=None)


@pytest.mark.parametrize("images, message", [
    (np.full((1, 2, 2), np.nan), "images hold 4 NaN pixel value(s) of 4"),
    (np.array([[[0.0, np.inf]]]), "images hold 1 infinite pixel value(s) of 2"),
    (np.full((1, 2, 2), 255.0), "0..255 pixels stored as floats? divide by 255 or pass uint8"),
    (np.full((1, 2, 2), -1.0), "got values from -1 to -1: scale them into [0, 1]"),
])
def test_bad_pixel_values(images, message):
    with pytest.raises(ValueError) as raised:
        v.check_pixel_values(images)
    assert message in _one_line(raised)


def test_good_pixels_pass():
    v.check_pixel_values(np.full((1, 2, 2), 1.0))
    v.check_pixel_values(np.full((1, 2, 2), 255, np.uint8))


@pytest.mark.parametrize("labels, count, message", [
    (np.zeros((3, 1), np.int64), 3, "labels must be a 1-D array with one label per image (3)"),
    (np.zeros(2, np.int64), 3, "labels must be a 1-D array with one label per image (3)"),
    (np.zeros(3, np.float32), 3, "labels must be integers (class indices)"),
    (np.array([0, 10, 1]), 3, "labels must be in 0..9, got values from 0 to 10"),
    (np.array([-1, 0, 1]), 3, "labels must be in 0..9, got values from -1 to 1"),
])
def test_bad_labels(labels, count, message):
    with pytest.raises(ValueError) as raised:
        v.check_labels(labels, count, n_classes=10)
    assert _one_line(raised).startswith(message)


def test_images_and_labels_together_use_the_prefix():
    with pytest.raises(ValueError, match=r"^train_data labels must be a 1-D array with one label "
                                         r"per image \(4\)"):
        v.check_images_and_labels(np.zeros((4, 28, 28), np.uint8), np.zeros(3, np.int64),
                                  prefix="train_data ")
    v.check_images_and_labels(np.zeros((4, 28, 28), np.uint8), np.arange(4), n_classes=10)


def test_describe_array():
    assert v.describe_array(np.zeros((2, 3), np.uint8)) == "an array of shape (2, 3) and dtype uint8"
    assert v.describe_array([1, 2]) == "a list"


# -- check_folder: the one "this folder can be written" check ------------------------------

def test_check_folder_returns_the_expanded_path_and_touches_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert v.check_folder("log_dir", "~/logs") == tmp_path / "logs"
    assert not (tmp_path / "logs").exists()
    assert v.check_folder("log_dir", None, optional=True) is None


@pytest.mark.parametrize("value, optional, error, message", [
    (None, False, TypeError, "log_dir must be a folder path, got NoneType"),
    (5, True, TypeError, "log_dir must be a folder path or None, got int"),
    ("", False, ValueError, "log_dir must be a folder path, got an empty string"),
])
def test_check_folder_refuses_what_is_not_a_path(value, optional, error, message):
    with pytest.raises(error) as raised:
        v.check_folder("log_dir", value, optional=optional)
    assert _one_line(raised) == message


@pytest.mark.parametrize("create", [False, True])
def test_a_file_where_the_folder_goes_is_bad_input(tmp_path, create):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    with pytest.raises(v.NotAFolderError) as raised:
        v.check_folder("--log-dir", notes, create=create)
    assert _one_line(raised) == f"--log-dir {notes} exists and is not a folder"
    with pytest.raises(v.NotAFolderError) as raised:
        v.check_folder("--log-dir", notes / "a" / "b", create=create)
    assert _one_line(raised) == (f"--log-dir {notes / 'a' / 'b'} cannot be created because "
                                 f"{notes} is a file, not a folder")
    # Both an OSError (the command's exit status 2 for paths) and a ValueError.
    assert isinstance(raised.value, NotADirectoryError) and isinstance(raised.value, ValueError)
    assert notes.read_text() == "mine"


def test_create_makes_the_folder_and_leaves_no_probe(tmp_path):
    folder = v.check_folder("checkpoint_dir", tmp_path / "a" / "b", create=True)
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_a_name_that_is_not_utf8_is_refused_before_creating(tmp_path):
    folder = tmp_path / os.fsdecode(b"runs-\xff")
    with pytest.raises(ValueError) as raised:
        v.check_folder("checkpoint_dir", folder, create=True)
    assert _one_line(raised) == (f"checkpoint_dir {os.fsencode(folder)!r} is not a valid UTF-8 "
                                 f"name, and TensorFlow writes only under UTF-8 names; choose "
                                 f"another folder")
    assert not folder.exists()
    assert v.check_folder("checkpoint_dir", folder) == folder  # without create: not checked


def test_a_folder_that_cannot_be_written(tmp_path, monkeypatch):
    folder = tmp_path / "read-only"
    folder.mkdir()
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):  # root writes through chmod: simulate instead
        if dir is not None and Path(dir) == folder:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(folder))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    with pytest.raises(PermissionError) as raised:  # the package's word for it, errno kept
        v.check_folder("log_dir", folder, create=True)
    assert _one_line(raised) == f"log_dir {folder} cannot be written: Read-only file system"
    assert raised.value.errno == errno.EROFS and raised.value.filename is None
    v.check_folder("log_dir", folder)  # without create: nothing written, nothing refused


def test_a_folder_that_cannot_be_created(tmp_path, monkeypatch):
    def refused(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "mkdir", refused)
    with pytest.raises(PermissionError) as raised:
        v.check_folder("--checkpoint-dir", tmp_path / "new", create=True)
    assert _one_line(raised) == (f"--checkpoint-dir {tmp_path / 'new'} cannot be created: "
                                 f"No space left on device")
    assert raised.value.errno == errno.ENOSPC


class _Symbolic:
    """A tensor of a graph being traced: a shape with unknown sizes, a dtype, no values."""

    def __init__(self, shape, dtype):
        self.shape = _Shape(shape)
        self.dtype = np.dtype(dtype)

    def numpy(self):
        raise NotImplementedError("a symbolic tensor has no values")


class _Shape:
    def __init__(self, sizes):
        self.sizes = sizes
        self.rank = None if sizes is None else len(sizes)

    def as_list(self):
        if self.sizes is None:  # as tf.TensorShape(None) does
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self.sizes)


@pytest.mark.parametrize("value", [1, np.int64(7), MAX_INT32])
def test_check_int_accepts_integers_and_returns_int(value):
    assert check_int("n", value, maximum=MAX_INT32) == value
    assert type(check_int("n", value, maximum=MAX_INT32)) is int


@pytest.mark.parametrize(("value", "error"), [
    (True, TypeError), (np.bool_(True), TypeError), (2.0, TypeError), ("2", TypeError),
    (None, TypeError), (0, ValueError), (-3, ValueError), (MAX_INT32 + 1, ValueError)])
def test_check_int_refuses_with_the_name_and_the_value(value, error):
    with pytest.raises(error, match=rf"^batch_size must be an integer >= 1 and <= {MAX_INT32}, "
                                    rf"got {value!r}$"):
        check_int("batch_size", value, maximum=MAX_INT32)


def test_check_int_minimum_zero():
    assert check_int("skip", 0, minimum=0) == 0
    with pytest.raises(ValueError, match="skip must be an integer >= 0, got -1"):
        check_int("skip", -1, minimum=0)


@pytest.mark.parametrize(("value", "expected"), [(2, (2, 2)), ((1, 3), (1, 3)),
                                                 ([4, np.int32(5)], (4, 5))])
def test_check_pair_accepts_an_int_or_two(value, expected):
    assert check_pair("strides", value) == expected


@pytest.mark.parametrize(("value", "error"), [
    ((1, 2, 3), ValueError), ((0, 1), ValueError), ((1.0, 2), ValueError), ([], ValueError),
    ("2", TypeError), (2.5, TypeError), (True, TypeError), (0, ValueError)])
def test_check_pair_refuses(value, error):
    with pytest.raises(error, match="^strides must be an integer >= 1"):
        check_pair("strides", value)


def test_check_pair_maximum_applies_to_both():
    with pytest.raises(ValueError, match="<= 4 or a pair of them, got \\(1, 5\\)"):
        check_pair("ksize", (1, 5), maximum=4)


@pytest.mark.parametrize(("value", "allow_int", "expected"), [
    ("same", False, "SAME"), ("Valid", False, "VALID"), (0, True, 0), (np.int64(3), True, 3)])
def test_check_padding_accepts(value, allow_int, expected):
    assert check_padding("padding", value, allow_int=allow_int) == expected


@pytest.mark.parametrize(("value", "allow_int", "error"), [
    ("full", False, ValueError), (1, False, TypeError), (None, True, TypeError),
    (-1, True, ValueError), (1.5, True, ValueError), (True, True, ValueError)])
def test_check_padding_refuses(value, allow_int, error):
    with pytest.raises(error, match=f"^padding must be 'SAME'.*got {value!r}$"):
        check_padding("padding", value, allow_int=allow_int)


def test_check_choice_is_exact():
    assert check_choice("model", "keras", ("keras", "lowlevel")) == "keras"
    for value in ("Keras", None, 1):
        with pytest.raises(ValueError, match="model must be one of 'keras', 'lowlevel', got"):
            check_choice("model", value, ("keras", "lowlevel"))


@pytest.mark.parametrize(("value", "error"), [(1.0, ValueError), (-0.1, ValueError),
                                              (math.nan, ValueError), (True, TypeError),
                                              ("0.5", TypeError)])
def test_check_rate_refuses(value, error):
    with pytest.raises(error, match=r"dropout_rate must be a number in \[0, 1\)"):
        check_rate("dropout_rate", value)
    assert check_rate("dropout_rate", 0) == 0.0


def test_describe_array_names_shape_and_dtype_or_the_type():
    assert describe_array([1, 2]) == "a list"
    assert describe_array(_Symbolic((None, 28), "float32")) == \
        "an array of shape (None, 28) and dtype float32"


@pytest.mark.parametrize("images", [np.zeros((1, 28, 28), np.uint8),
                                    np.zeros((3, 28, 28, 1), np.float16),
                                    _Symbolic((None, 28, 28, 1), "float32"),
                                    _Symbolic((None, None, None), "float32")])
def test_check_images_accepts_gray_batches_and_unknown_sizes(images):
    check_images(images)


@pytest.mark.parametrize(("images", "message"), [
    (np.zeros((0, 28, 28), np.uint8), "images must be N x 28 x 28 x 1"),
    (np.zeros((2, 28, 28, 3), np.uint8), "images must be N x 28 x 28 x 1"),
    (np.zeros((28, 28), np.uint8), "images must be N x 28 x 28 x 1"),
    (_Symbolic(None, "float32"), r"images must be .*, got an array of shape unknown and dtype")])
def test_check_images_refuses_shapes(images, message):
    with pytest.raises(ValueError, match=message):
        check_images(images)


def test_check_images_options():
    check_images(np.zeros((0, 28, 28), np.uint8), allow_empty=True)
    check_images(np.zeros((2, 5, 7), np.uint8), image_size=None)
    with pytest.raises(TypeError, match="^x: images must be float .* or uint8"):
        check_images(np.zeros((2, 28, 28), bool), prefix="x: ")


@pytest.mark.parametrize(("values", "message"), [
    (np.array([[[0.5, -0.5]]]), "values from -0.5 to 0.5: scale them into"),
    (np.array([[[0.5, math.inf]]]), "1 infinite pixel value"),
    (np.array([[[math.nan, math.nan]]]), "2 NaN pixel value")])
def test_check_pixel_values_refuses(values, message):
    with pytest.raises(ValueError, match=message):
        check_pixel_values(values)


def test_check_pixel_values_passes_uint8_empty_and_symbolic():
    check_pixel_values(np.full((1, 28, 28), 255, np.uint8))
    check_pixel_values(np.zeros((0, 28, 28), np.float32))
    check_pixel_values(_Symbolic((None, 28, 28), "float32"))
    check_pixel_values(np.ones((1, 2, 2), np.float64))  # 1 is in [0, 1]


@pytest.mark.parametrize(("labels", "message"), [
    (np.zeros((3, 1), np.int64), "1-D array with one label per image \\(3\\)"),
    (np.zeros(2, np.int64), "1-D array with one label per image \\(3\\)"),
    (np.zeros(3, np.float32), "must be integers"),
    (np.array([0, -1, 2]), "must be in 0..9, got values from -1 to 2"),
    (np.array([0, 10, 2], np.uint8), "must be in 0..9, got values from 0 to 10")])
def test_check_labels_refuses(labels, message):
    with pytest.raises(ValueError, match=message):
        check_labels(labels, 3, n_classes=10)


def test_check_labels_passes_what_it_cannot_see():
    check_labels(np.array([99]), None)  # no n_classes: no range check
    check_labels(_Symbolic((None,), "int64"), 3, n_classes=10)  # no values yet


def test_check_images_and_labels_checks_all_three():
    images = np.zeros((2, 28, 28), np.float32)
    check_images_and_labels(images, np.array([1, 2]), n_classes=10)
    with pytest.raises(ValueError, match="^train_data labels must be in 0..9"):
        check_images_and_labels(images, np.array([1, 12]), prefix="train_data ", n_classes=10)
    with pytest.raises(ValueError, match="^train_data images must be float values in"):
        check_images_and_labels(images + 2, np.array([1, 2]), prefix="train_data ")

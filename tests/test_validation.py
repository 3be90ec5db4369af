"""cnn_tutorial._validation: each check accepts good values and refuses bad ones with one clear line."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from cnn_tutorial import _validation as v


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

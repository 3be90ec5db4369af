"""cnn_tutorial._validation: which values pass, and which error (type or value) names what."""

from __future__ import annotations

import math

import numpy as np
import pytest

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

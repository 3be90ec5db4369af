"""cnn_tutorial.arithmetic against the shapes and values TensorFlow really produces."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import tensorflow as tf

from cnn_tutorial.arithmetic import (
    LECTURE_NETWORK,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Pool,
    conv_output_size,
    describe_stack,
    effective_kernel_size,
    format_stack,
    parse_stack,
    pool_output_size,
    same_padding,
)

SIZES = range(1, 33)
KERNELS = range(1, 8)
STRIDES = range(1, 5)
DILATIONS = range(1, 4)
PADDINGS = ("SAME", "VALID")


def _conv_cases():
    """Every (kernel, stride, dilation, padding) TF's conv2d accepts: stride 1 when dilated."""
    for kernel, stride, dilation, padding in itertools.product(
            KERNELS, STRIDES, DILATIONS, PADDINGS):
        if dilation > 1 and stride > 1:
            continue
        yield kernel, stride, dilation, padding


@pytest.fixture(scope="module")
def inputs():
    """One 1 x size x size x 1 tensor per size (random values, fixed seed)."""
    rng = np.random.default_rng(7)
    return {size: tf.constant(rng.standard_normal((1, size, size, 1)), tf.float32)
            for size in SIZES}


def _window_fits(size, window, padding):
    # oneDNN returns nonsense shapes (no error) when the window is larger than
    # the input under VALID; there is no valid output to compare with.
    return padding == "SAME" or window <= size


@pytest.mark.slow
def test_conv_output_size_matches_tf_conv2d_on_the_whole_grid(inputs):
    checked = 0
    for kernel, stride, dilation, padding in _conv_cases():
        filters = tf.ones([kernel, kernel, 1, 1])
        window = effective_kernel_size(kernel, dilation)
        for size in SIZES:
            if not _window_fits(size, window, padding):
                with pytest.raises(ValueError, match="must fit"):
                    conv_output_size(size, kernel, stride, padding, dilation)
                continue
            out = tf.nn.conv2d(inputs[size], filters, strides=stride, padding=padding,
                               dilations=dilation)
            expected = conv_output_size(size, kernel, stride, padding, dilation)
            assert out.shape[1:3] == (expected, expected), (size, kernel, stride, dilation,
                                                           padding)
            checked += 1
    assert checked > 2000  # the grid really ran


@pytest.mark.slow
def test_pool_output_size_matches_tf_max_pool2d_on_the_whole_grid(inputs):
    checked = 0
    for pool, stride, padding in itertools.product(KERNELS, STRIDES, PADDINGS):
        for size in SIZES:
            if not _window_fits(size, pool, padding):
                with pytest.raises(ValueError, match="must fit"):
                    pool_output_size(size, pool, stride, padding)
                continue
            out = tf.nn.max_pool2d(inputs[size], ksize=pool, strides=stride, padding=padding)
            expected = pool_output_size(size, pool, stride, padding)
            assert out.shape[1:3] == (expected, expected), (size, pool, stride, padding)
            checked += 1
    assert checked > 1500


@pytest.mark.slow
def test_same_padding_reproduces_tf_same_with_tf_pad_and_valid(inputs):
    for kernel, stride, dilation, padding in _conv_cases():
        if padding != "SAME":
            continue
        rng = np.random.default_rng(kernel * 100 + stride * 10 + dilation)
        filters = tf.constant(rng.standard_normal((kernel, kernel, 1, 1)), tf.float32)
        for size in SIZES:
            before, after = same_padding(size, kernel, stride, dilation)
            assert before <= after <= before + 1  # TF puts the odd cell at the end
            padded = tf.pad(inputs[size], [[0, 0], [before, after], [before, after], [0, 0]])
            by_hand = tf.nn.conv2d(padded, filters, strides=stride, padding="VALID",
                                   dilations=dilation)
            same = tf.nn.conv2d(inputs[size], filters, strides=stride, padding="SAME",
                                dilations=dilation)
            np.testing.assert_allclose(by_hand.numpy(), same.numpy(), rtol=1e-5, atol=1e-5,
                                       err_msg=str((size, kernel, stride, dilation)))


def test_explicit_padding_matches_tf_conv2d_explicit_padding(inputs):
    for size, kernel, stride, pad in itertools.product((1, 5, 12, 28), (1, 3, 5), (1, 2, 3),
                                                       (0, 1, 2)):
        if size + 2 * pad < kernel:
            with pytest.raises(ValueError):
                conv_output_size(size, kernel, stride, pad)
            continue
        out = tf.nn.conv2d(inputs[size], tf.ones([kernel, kernel, 1, 1]), strides=stride,
                           padding=[[0, 0], [pad, pad], [pad, pad], [0, 0]])
        assert out.shape[1] == conv_output_size(size, kernel, stride, pad)


def test_the_lecture_numbers():
    assert conv_output_size(7, 3, 1, 0) == 5
    assert conv_output_size(7, 3, 2, 0) == 3
    assert conv_output_size(28, 5, 1, 2) == 28
    assert pool_output_size(28, 2, 2) == 14
    # 13 wide, 6 wide filter, stride 5: VALID drops the last cells, SAME pads 1 + 2.
    assert conv_output_size(13, 6, 5, "VALID") == 2
    assert conv_output_size(13, 6, 5, "SAME") == 3
    assert same_padding(13, 6, 5) == (1, 2)


def test_pool_stride_defaults_to_pool_size_and_lowercase_padding_is_accepted():
    assert pool_output_size(9, 3) == pool_output_size(9, 3, stride=3) == 3
    assert conv_output_size(9, 3, padding="same") == 9


def test_same_padding_is_zero_when_the_stride_skips_past_the_kernel():
    assert same_padding(4, 2, stride=2) == (0, 0)
    assert same_padding(10, 1, stride=4) == (0, 0)


@pytest.mark.parametrize("call, argument", [
    (lambda: conv_output_size(0, 3), "size"),
    (lambda: conv_output_size(5, 0), "kernel_size"),
    (lambda: conv_output_size(5, 3, stride=0), "stride"),
    (lambda: conv_output_size(5, 3, dilation=0), "dilation"),
    (lambda: conv_output_size(5, 3, padding="same!"), "padding"),
    (lambda: conv_output_size(5, 3, padding=-1), "padding"),
    (lambda: conv_output_size(5, 3, padding=1.5), "padding"),
    (lambda: pool_output_size(0, 2), "size"),
    (lambda: pool_output_size(5, 0), "pool_size"),
    (lambda: pool_output_size(5, 2, stride=0), "stride"),
    (lambda: pool_output_size(5, 2, padding="FULL"), "padding"),
    (lambda: same_padding(0, 3), "size"),
    (lambda: same_padding(5, 3, stride=-2), "stride"),
    (lambda: same_padding(5, 3, dilation=0), "dilation"),
])
def test_bad_arguments_raise_value_error_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=rf"^{argument} must be"):
        call()


@pytest.mark.parametrize("value", [2.0, "3", True, None])
def test_non_integer_sizes_raise_type_error(value):
    with pytest.raises(TypeError, match="size must be an integer"):
        conv_output_size(value, 3)


def test_a_window_that_does_not_fit_says_so():
    with pytest.raises(ValueError, match=r"covers 5 cells but the input has only 3"):
        conv_output_size(3, 3, dilation=2)
    with pytest.raises(ValueError, match=r"padded by 1 on each side has only 4"):
        conv_output_size(2, 5, padding=1)
    with pytest.raises(ValueError, match="pool_size covers 4 cells"):
        pool_output_size(3, 4)


def test_describe_stack_gives_the_lecture_shapes_and_parameters():
    rows = describe_stack(LECTURE_NETWORK, (28, 28, 1))
    assert [(r.name, r.output_shape, r.params) for r in rows] == [
        ("conv1", (28, 28, 32), 832),
        ("pool1", (14, 14, 32), 0),
        ("conv2", (14, 14, 64), 51264),
        ("pool2", (7, 7, 64), 0),
        ("flatten", (3136,), 0),
        ("fc", (1024,), 3212288),
        ("dropout", (1024,), 0),
        ("logits", (10,), 10250),
    ]
    assert sum(r.params for r in rows) == 3274634


def test_describe_stack_agrees_with_keras_on_another_stack():
    import keras

    stack = (Conv(6, 3, stride=2, padding="VALID", name="a"), Pool(3, stride=1, padding="SAME"),
             Conv(4, 3, dilation=2, name="b"), Flatten(), Dense(7))
    rows = describe_stack(stack, (17, 15, 3))
    model = keras.Sequential([
        keras.Input((17, 15, 3)),
        keras.layers.Conv2D(6, 3, strides=2, padding="valid"),
        keras.layers.MaxPooling2D(3, strides=1, padding="same"),
        keras.layers.Conv2D(4, 3, dilation_rate=2, padding="same"),
        keras.layers.Flatten(),
        keras.layers.Dense(7),
    ])
    assert [r.output_shape for r in rows] == [tuple(layer.output.shape[1:])
                                              for layer in model.layers]
    assert [r.params for r in rows] == [layer.count_params() for layer in model.layers]


def test_describe_stack_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"layer 1 \(dense\) needs a flat input"):
        describe_stack([Conv(2, 3), Dense(3)], (5, 5, 1))
    with pytest.raises(ValueError, match=r"layer 1 \(conv\) needs a height x width x channels"):
        describe_stack([Flatten(), Conv(2, 3)], (5, 5, 1))
    with pytest.raises(ValueError, match=r"layer 0 \(conv\): kernel_size .* must fit"):
        describe_stack([Conv(2, 7, padding="VALID")], (5, 5, 1))
    with pytest.raises(ValueError, match="input_shape must be"):
        describe_stack(LECTURE_NETWORK, (28, 28))
    with pytest.raises(TypeError, match="must be Conv, Pool, Flatten, Dense or Dropout"):
        describe_stack(["conv"], (5, 5, 1))


@pytest.mark.parametrize("make, argument", [
    (lambda: Conv(0, 3), "filters"),
    (lambda: Conv(2, 3, padding="full"), "padding"),
    (lambda: Pool(2, stride=0), "stride"),
    (lambda: Dense(0), "units"),
    (lambda: Dropout(1.0), "rate"),
])
def test_layer_specs_validate_their_arguments(make, argument):
    with pytest.raises(ValueError, match=rf"^{argument} must be"):
        make()


def test_format_stack_table_has_a_total():
    text = format_stack(describe_stack(LECTURE_NETWORK))
    lines = text.splitlines()
    assert lines[0].split() == ["layer", "kind", "output", "shape", "parameters"]
    assert lines[1].split() == ["input", "28", "x", "28", "x", "1", "0"]
    assert lines[-1].split() == ["total", "3274634"]
    assert len(lines) == len(LECTURE_NETWORK) + 3


def test_parse_stack_reads_every_form():
    stack = parse_stack("conv:32:5, pool:2, conv:64:5:1:same, pool:2:2:valid, flatten, "
                        "dense:1024, dropout:0.5, dense:10")
    assert stack[2] == Conv(64, 5, 1, "SAME", name="conv2")
    assert stack[3] == Pool(2, 2, "VALID", name="pool2")
    assert stack[6] == Dropout(0.5, name="dropout1")
    rows = describe_stack(stack)
    assert [r.output_shape for r in rows] == [r.output_shape
                                              for r in describe_stack(LECTURE_NETWORK)]
    assert parse_stack(" Lecture ") == LECTURE_NETWORK


@pytest.mark.parametrize("text, message", [
    ("", "layers must be a non-empty string"),
    ("conv:8", r"must be conv:FILTERS:KERNEL"),
    ("conv:8:x", r"must be conv:FILTERS:KERNEL"),
    ("pool:2:2:full", r"padding must be"),
    ("dense", r"must be dense:UNITS"),
    ("dense:0", r"units must be an integer >= 1"),
    ("relu", "must start with one of"),
])
def test_parse_stack_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_stack(text)


# --- receptive fields -----------------------------------------------------------------------

from cnn_tutorial.arithmetic import receptive_field, receptive_window  # noqa: E402


def measured_window(layers, size, index):
    """Rows of the input the output at (index, index) depends on, found by a gradient.

    Kernels of ones and average pooling (the same windows as max pooling) give
    every pixel of the field a positive gradient and every other pixel zero.
    """
    x = tf.Variable(tf.random.stateless_uniform([1, size, size, 1], seed=(3, 4)))
    with tf.GradientTape() as tape:
        y = x
        for layer in layers:
            if isinstance(layer, Conv):
                ones = tf.ones([layer.kernel_size, layer.kernel_size, y.shape[-1], 1])
                y = tf.nn.conv2d(y, ones, layer.stride, layer.padding, dilations=layer.dilation)
            else:
                y = tf.nn.avg_pool2d(y, layer.pool_size, layer.stride or layer.pool_size,
                                     layer.padding)
        value = y[0, index, index, 0]
    rows = np.flatnonzero(np.abs(tape.gradient(value, x)[0, :, :, 0].numpy()).sum(axis=1))
    return int(rows[0]), int(rows[-1])


STACKS = {
    "lecture": (LECTURE_NETWORK[:4], 28),
    "two 3x3": ((Conv(4, 3, name="a"), Conv(4, 3, name="b")), 16),
    "dilated": ((Conv(4, 3, name="a"), Conv(4, 3, dilation=2, name="b"),
                 Conv(4, 3, dilation=4, name="c")), 32),
    "strided valid": ((Conv(4, 3, stride=2, padding="VALID", name="a"), Pool(3, 2, name="b"),
                       Conv(4, 5, padding="VALID", name="c")), 40),
    "even same": ((Conv(4, 4, stride=2, name="a"), Pool(2, name="b"),
                   Conv(4, 2, stride=3, name="c")), 37),
}


@pytest.mark.parametrize("name", STACKS)
def test_receptive_field_and_window_match_the_gradient_of_tf_ops(name):
    layers, size = STACKS[name]
    rows = receptive_field(layers)
    out = describe_stack(layers, (size, size, 1))[-1].output_shape[0]
    for index in sorted({0, out // 2, out - 1}):
        first, last = receptive_window(layers, index, size)
        measured = measured_window(layers, size, index)
        # The gradient only reaches real pixels: clip the window to the input.
        assert measured == (max(first, 0), min(last, size - 1)), index
        if first >= 0 and last < size:
            assert last - first + 1 == rows[-1].size


def test_receptive_field_of_the_lecture_network():
    rows = receptive_field(LECTURE_NETWORK[:4])
    assert [(r.name, r.size, r.jump) for r in rows] == [
        ("conv1", 5, 1), ("pool1", 6, 2), ("conv2", 14, 2), ("pool2", 16, 4)]
    # Dropout changes nothing; a dense layer sees everything, so it is refused.
    assert receptive_field([Conv(1, 3), Dropout(0.5), Conv(1, 3)])[-1].size == 5
    with pytest.raises(TypeError, match=r"layer 1 \(fc\) is Dense"):
        receptive_field([Conv(1, 3), Dense(10, name="fc")])
    with pytest.raises(TypeError, match="must be Conv, Pool or Dropout"):
        receptive_field([(3, 1)])


def test_receptive_window_rejects_an_index_outside_the_output():
    with pytest.raises(ValueError, match="index must be below the output size 7, got 7"):
        receptive_window(LECTURE_NETWORK[:4], 7, 28)
    with pytest.raises(ValueError, match="index must be an integer >= 0"):
        receptive_window(LECTURE_NETWORK[:4], -1, 28)


def test_layer_costs_count_multiply_adds_per_output():
    from cnn_tutorial.arithmetic import Conv, Dense, Flatten, Pool, layer_costs

    rows = layer_costs([Conv(2, 3, name="c"), Pool(2, name="p"), Flatten(), Dense(5, name="d")],
                       (4, 4, 3))
    assert [(r.name, r.output_values, r.multiply_adds) for r in rows] == [
        ("c", 4 * 4 * 2, 4 * 4 * 2 * 3 * 3 * 3),   # every output: a 3 x 3 x 3 window
        ("p", 2 * 2 * 2, 0), ("flatten", 8, 0), ("d", 5, 8 * 5)]
    # A strided VALID convolution has fewer outputs, so fewer multiply-adds.
    (row,) = layer_costs([Conv(1, 3, stride=2, padding="VALID")], (7, 7, 1))
    assert (row.output_values, row.multiply_adds) == (9, 9 * 9)

"""The lecture's layer functions, ``conv_relu``, ``maxpool`` and ``fully_connected``, in TF 2.

In the lecture (TensorFlow 1) each function took the input tensor, opened a
``tf.variable_scope`` and created its variables with ``tf.get_variable``; the
scope made the names ``conv1/kernel``, ``conv1/biases``, ``fc/weights``, ...
TensorFlow 2 has no global graph to hold those variables, so here each layer is
a small ``tf.Module`` that *owns* its variables (``tf.Variable``), and the lecture's
function names build one:

| lecture (TF 1) | here (TF 2) |
| --- | --- |
| ``conv_relu(inputs, 32, 5, 1, 'SAME', 'conv1')`` | ``conv_relu(32, 5, 1, 'SAME', 'conv1')(inputs)`` |
| ``maxpool(inputs, 2, 2, 'VALID', 'pool1')`` | ``maxpool(2, 2, 'VALID', 'pool1')(inputs)`` |
| ``fully_connected(inputs, 1024, 'fc')`` | ``fully_connected(1024, 'fc')(inputs)`` |

Variables keep the lecture's names (``layer.kernel.name == "conv1/kernel:0"``).
They are created when the layer is built: at once when the number of input
channels (``in_channels``/``in_dim``) is given, otherwise on the first call,
from the input's last axis.

Initialisers (``initializer=``):

* ``"he"`` (default): truncated normal with standard deviation
  ``sqrt(2 / fan_in)``, biases zero: keeps the size of activations steady
  through ReLU layers.
* ``"glorot"``: uniform in ``±sqrt(6 / (fan_in + fan_out))``, biases zero
  (Keras' default).
* ``"lecture"``: what the lecture used: truncated normal with standard
  deviation 1 for kernels and weights, standard normal biases for
  convolutions, zero biases for dense layers. With 800 or 3136 inputs per unit
  that makes activations hundreds of times too large, which is why the
  lecture's accuracy started so low.

See the chapters "Fully connected layers" (fully-connected.md), "Pooling"
(pooling.md) and "A convnet on MNIST" (convnet-mnist.md).
"""

from __future__ import annotations

import math
from typing import Any

import tensorflow as tf

from cnn_tutorial import backprop
from cnn_tutorial._validation import check_choice, check_int, check_padding, describe_array
from cnn_tutorial.choices import INITIALIZERS  # one list, shared with the CLI

__all__ = [
    "INITIALIZERS", "AvgPool", "ConvReLU", "FullyConnected", "MaxPool",
    "avgpool", "conv_relu", "fully_connected", "initial_value", "layer_initializer",
    "layer_seed", "maxpool",
]


# Standard deviation of a unit normal truncated at ±2: He's truncated normal is
# divided by it so that the variance really is 2 / fan_in (as Keras does).
_TRUNCATED_STDDEV = 0.87962566103423978

_FLOAT_DTYPES = (tf.float16, tf.bfloat16, tf.float32, tf.float64)


def initial_value(initializer: str, shape: tuple[int, ...], fan_in: int, fan_out: int,
                  role: str, seed: tuple[int, int] | None = None) -> tf.Tensor:
    """Initial float32 values of one variable.

    Args:
        initializer: ``"he"``, ``"glorot"`` or ``"lecture"`` (see the module).
        shape: The variable's shape.
        fan_in: Inputs per output unit (``k * k * in_channels`` or ``in_dim``).
        fan_out: Outputs per input unit (``k * k * filters`` or ``out_dim``).
        role: ``"kernel"`` (kernels and weights), ``"conv_bias"`` or ``"dense_bias"``.
        seed: Two ints for a reproducible draw (stateless random ops), or ``None``.

    Returns:
        A float32 tensor of ``shape``.

    Examples:
        >>> w = initial_value("lecture", (3136, 1024), 3136, 1024, "kernel", seed=(1, 2))
        >>> round(float(tf.math.reduce_std(w)), 1)
        0.9
        >>> w = initial_value("he", (3136, 1024), 3136, 1024, "kernel", seed=(1, 2))
        >>> round(float(tf.math.reduce_std(w)) * math.sqrt(3136 / 2), 2)
        1.0
        >>> initial_value("glorot", (2,), 4, 2, "dense_bias").numpy().tolist()
        [0.0, 0.0]
    """
    check_choice("initializer", initializer, INITIALIZERS)
    check_choice("role", role, ("kernel", "conv_bias", "dense_bias"))

    def truncated(stddev: float) -> tf.Tensor:
        if seed is None:
            return tf.random.truncated_normal(shape, stddev=stddev)
        return tf.random.stateless_truncated_normal(shape, seed=seed, stddev=stddev)

    if role == "kernel":
        if initializer == "he":
            return truncated(math.sqrt(2.0 / fan_in) / _TRUNCATED_STDDEV)
        if initializer == "glorot":
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            if seed is None:
                return tf.random.uniform(shape, -limit, limit)
            return tf.random.stateless_uniform(shape, seed=seed, minval=-limit, maxval=limit)
        return truncated(1.0)
    if initializer == "lecture" and role == "conv_bias":
        # tf.random_normal_initializer(): mean 0, stddev 1.
        if seed is None:
            return tf.random.normal(shape)
        return tf.random.stateless_normal(shape, seed=seed)
    return tf.zeros(shape)


def layer_initializer(initializer: str, activation: str | None) -> str:
    """The initialiser one layer of a network uses when the network asks for ``initializer``.

    He's factor 2 makes up for the half of the values that ReLU zeroes, so a
    linear layer (``activation=None``, the logits) takes Glorot instead. Every
    model of the package ([`ConvNet`][cnn_tutorial.model.ConvNet],
    [`keras_convnet`][cnn_tutorial.model.keras_convnet], the TF 1
    [`inference`][cnn_tutorial.compat_v1.inference]) asks this function.

    Examples:
        >>> [layer_initializer("he", "relu"), layer_initializer("he", None)]
        ['he', 'glorot']
        >>> layer_initializer("lecture", None)
        'lecture'
    """
    check_choice("initializer", initializer, INITIALIZERS)
    if activation not in ("relu", None):
        raise ValueError(f"activation must be 'relu' or None, got {activation!r}")
    return "glorot" if initializer == "he" and activation is None else initializer


def layer_seed(seed: int | None, position: int) -> int | None:
    """The seed of the layer at ``position`` of a model seeded with ``seed``.

    ``seed * 8 + position``: position 1 is the first layer with weights, 2 the
    next, ..., and the lecture network's dropout is 5, so the layers of one
    model draw different values and no two seeds share a layer's seed.

    Examples:
        >>> [layer_seed(3, position) for position in (1, 2, 5)], layer_seed(None, 1)
        ([25, 26, 29], None)
    """
    position = check_int("position", position, minimum=1, maximum=7)
    return None if seed is None else check_int("seed", seed, minimum=0) * 8 + position


def _check_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    return check_int("seed", seed, minimum=0)


def _as_float_input(inputs: Any, rank: int, what: str) -> tf.Tensor:
    """Check the rank and dtype of a layer's input; float64 becomes float32."""
    if isinstance(inputs, (tf.Tensor, tf.Variable)) or hasattr(inputs, "shape"):
        tensor = inputs
    else:
        tensor = tf.convert_to_tensor(inputs)
    dtype = tf.as_dtype(tensor.dtype)
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"inputs must be a float tensor ({what}), got {describe_array(tensor)}")
    tensor = tf.convert_to_tensor(tensor)
    if tensor.shape.rank != rank:
        raise ValueError(f"inputs must have rank {rank} ({what}), got {describe_array(tensor)}")
    if tensor.dtype == tf.float64:
        tensor = tf.cast(tensor, tf.float32)
    return tensor


class _Layer(tf.Module):
    """Shared machinery: the lecture's scope name and lazy variable creation."""

    def __init__(self, scope_name: str) -> None:
        if not isinstance(scope_name, str) or not scope_name or "/" in scope_name:
            raise ValueError(f"scope_name must be a non-empty string without '/', "
                             f"got {scope_name!r}")
        # Creating the module outside any other module's name scope gives the
        # absolute scope "conv1/", hence variables "conv1/kernel:0".
        super().__init__(name=scope_name)
        self.scope_name = scope_name

    def _variable(self, name: str, *value_args: Any) -> tf.Variable:
        # init_scope: built eagerly (values too) even when first called inside
        # a tf.function, so the variables outlive the trace.
        with tf.init_scope(), tf.name_scope(self.scope_name + "/"):
            return tf.Variable(initial_value(self.initializer, *value_args), name=name,
                               trainable=True)


class ConvReLU(_Layer):
    """A 2-D convolution, a bias and a ReLU: the lecture's ``conv_relu``.

    Computes ``relu(tf.nn.conv2d(inputs, kernel) + biases)`` with a
    ``k_size x k_size x in_channels x filters`` kernel. How its gradient is
    computed is a switch (TensorFlow's, or convolutions too, whichever is
    faster here): see [`cnn_tutorial.backprop`][cnn_tutorial.backprop]. Prefer the lecture's
    name [`conv_relu`][cnn_tutorial.layers.conv_relu] to build one. See the chapter "A convnet on MNIST"
    (convnet-mnist.md).

    Args:
        filters: Number of output channels (>= 1).
        k_size: Side of the square kernel (>= 1).
        stride: Step of the window in rows and columns (>= 1).
        padding: ``"SAME"`` or ``"VALID"``.
        scope_name: Prefix of the variables' names (``conv1`` -> ``conv1/kernel``).
        in_channels: Input channels; when given the variables are created now,
            otherwise on the first call.
        initializer: ``"he"`` (default), ``"glorot"`` or ``"lecture"``.
        activation: ``True`` (ReLU, the default) or ``False`` for a linear layer.
        seed: A non-negative int for reproducible initial values, or ``None``.

    Attributes:
        kernel: The ``tf.Variable`` named ``<scope_name>/kernel`` (``None`` until built).
        biases: The ``tf.Variable`` named ``<scope_name>/biases`` (``None`` until built).

    Examples:
        >>> layer = ConvReLU(8, 5, scope_name="conv1", in_channels=1, seed=0)
        >>> layer.kernel.name, layer.kernel.shape.as_list(), layer.biases.name
        ('conv1/kernel:0', [5, 5, 1, 8], 'conv1/biases:0')
        >>> layer(tf.zeros([2, 28, 28, 1])).shape.as_list()
        [2, 28, 28, 8]
    """

    def __init__(self, filters: int, k_size: int, stride: int = 1, padding: str = "SAME",
                 scope_name: str = "conv", in_channels: int | None = None,
                 initializer: str = "he", activation: bool = True,
                 seed: int | None = None) -> None:
        super().__init__(scope_name)
        self.filters = check_int("filters", filters)
        self.k_size = check_int("k_size", k_size)
        self.stride = check_int("stride", stride)
        self.padding = check_padding("padding", padding)
        self.initializer = check_choice("initializer", initializer, INITIALIZERS)
        if not isinstance(activation, bool):
            raise TypeError(f"activation must be True (ReLU) or False, got {activation!r}")
        self.activation = activation
        self.seed = _check_seed(seed)
        self.kernel: tf.Variable | None = None
        self.biases: tf.Variable | None = None
        if in_channels is not None:
            self.build(check_int("in_channels", in_channels))

    @property
    def built(self) -> bool:
        """Whether the variables exist yet."""
        return self.kernel is not None

    def build(self, in_channels: int) -> None:
        """Create ``kernel`` and ``biases`` for ``in_channels`` input channels."""
        in_channels = check_int("in_channels", in_channels)
        if self.built:
            raise ValueError(f"layer {self.scope_name!r} is already built")
        area = self.k_size * self.k_size
        seeds = (None, None) if self.seed is None else ((self.seed, 0), (self.seed, 1))
        self.kernel = self._variable(
            "kernel", (self.k_size, self.k_size, in_channels, self.filters),
            area * in_channels, area * self.filters, "kernel", seeds[0])
        self.biases = self._variable(
            "biases", (self.filters,), area * in_channels, area * self.filters,
            "conv_bias", seeds[1])

    # Plain Python control flow on static shapes only: skip AutoGraph's rewrite.
    @tf.autograph.experimental.do_not_convert
    def __call__(self, inputs: Any) -> tf.Tensor:
        """Apply the layer to ``N x H x W x C`` float images.

        Variables are float32; with float16/bfloat16 inputs they are cast on
        use and the output has the input's dtype.
        """
        x = _as_float_input(inputs, 4, "N x H x W x C images")
        channels = x.shape[-1]
        if channels is None:
            raise ValueError("inputs must have a known number of channels (last axis)")
        if not self.built:
            self.build(channels)
        expected = self.kernel.shape[2]
        if channels != expected:
            raise ValueError(f"inputs must have {expected} channels for layer "
                             f"{self.scope_name!r}, got {describe_array(x)}")
        height, width = x.shape[1], x.shape[2]
        if self.padding == "VALID" and any(s is not None and s < self.k_size
                                           for s in (height, width)):
            raise ValueError(f"with padding='VALID' the {self.k_size} x {self.k_size} kernel "
                             f"of layer {self.scope_name!r} must fit inside the input, "
                             f"got {describe_array(x)}")
        kernel, biases = self.kernel, self.biases
        if x.dtype != kernel.dtype:
            kernel, biases = tf.cast(kernel, x.dtype), tf.cast(biases, x.dtype)
        # tf.nn.conv2d; its gradients as the switch in cnn_tutorial.backprop says.
        y = backprop.convolve(x, kernel, self.stride, self.padding)
        y = tf.nn.bias_add(y, biases)
        return tf.nn.relu(y) if self.activation else y


class _Pool(tf.Module):
    _op = staticmethod(tf.nn.max_pool2d)

    def __init__(self, ksize: int = 2, stride: int | None = None, padding: str = "VALID",
                 scope_name: str = "pool") -> None:
        if not isinstance(scope_name, str) or not scope_name or "/" in scope_name:
            raise ValueError(f"scope_name must be a non-empty string without '/', "
                             f"got {scope_name!r}")
        super().__init__(name=scope_name)
        self.scope_name = scope_name
        self.ksize = check_int("ksize", ksize)
        self.stride = self.ksize if stride is None else check_int("stride", stride)
        self.padding = check_padding("padding", padding)

    # Plain Python control flow on static shapes only: skip AutoGraph's rewrite.
    @tf.autograph.experimental.do_not_convert
    def __call__(self, inputs: Any) -> tf.Tensor:
        """Pool ``N x H x W x C`` float images."""
        x = _as_float_input(inputs, 4, "N x H x W x C images")
        if self.padding == "VALID" and any(s is not None and s < self.ksize
                                           for s in (x.shape[1], x.shape[2])):
            raise ValueError(f"with padding='VALID' the {self.ksize} x {self.ksize} window of "
                             f"{self.scope_name!r} must fit inside the input, "
                             f"got {describe_array(x)}")
        return self._op(x, ksize=self.ksize, strides=self.stride, padding=self.padding)


class MaxPool(_Pool):
    """Max pooling: the largest value of each ``ksize x ksize`` window (no variables).

    The lecture's ``maxpool``; prefer [`maxpool`][cnn_tutorial.layers.maxpool] to build one. See the
    chapter "Pooling" (pooling.md).

    Args:
        ksize: Side of the window (>= 1).
        stride: Step of the window (>= 1); ``None`` means ``ksize``.
        padding: ``"VALID"`` (default) or ``"SAME"``.
        scope_name: The layer's name.

    Examples:
        >>> x = tf.reshape(tf.range(16, dtype=tf.float32), [1, 4, 4, 1])
        >>> MaxPool(2)(x)[0, :, :, 0].numpy().tolist()
        [[5.0, 7.0], [13.0, 15.0]]
    """


class AvgPool(_Pool):
    """Average pooling: the mean of each ``ksize x ksize`` window (no variables).

    Arguments as [`MaxPool`][cnn_tutorial.layers.MaxPool]; prefer [`avgpool`][cnn_tutorial.layers.avgpool]. With ``"SAME"``
    padding the mean is over the cells inside the image only (the added zeros
    are not counted). See the chapter "Pooling" (pooling.md).

    Examples:
        >>> x = tf.reshape(tf.range(16, dtype=tf.float32), [1, 4, 4, 1])
        >>> AvgPool(2)(x)[0, :, :, 0].numpy().tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """

    _op = staticmethod(tf.nn.avg_pool2d)


class FullyConnected(_Layer):
    """A dense layer ``inputs @ weights + biases``: the lecture's ``fully_connected``.

    How the product's gradient is computed is a switch: see
    [`cnn_tutorial.backprop`][cnn_tutorial.backprop].
    Linear by default, as in the lecture (which applied ``tf.nn.relu`` outside);
    ``activation="relu"`` adds the ReLU. Prefer [`fully_connected`][cnn_tutorial.layers.fully_connected] to build
    one. See the chapter "Fully connected layers" (fully-connected.md).

    Args:
        out_dim: Number of outputs (>= 1).
        scope_name: Prefix of the variables' names (``fc`` -> ``fc/weights``).
        in_dim: Number of inputs; when given the variables are created now,
            otherwise on the first call.
        initializer: ``"he"`` (default), ``"glorot"`` or ``"lecture"``.
        activation: ``None`` (linear) or ``"relu"``.
        seed: A non-negative int for reproducible initial values, or ``None``.

    Attributes:
        weights: The ``tf.Variable`` named ``<scope_name>/weights``, ``in_dim x out_dim``.
        biases: The ``tf.Variable`` named ``<scope_name>/biases``.

    Examples:
        >>> layer = FullyConnected(3, scope_name="fc", in_dim=4, seed=0)
        >>> layer.weights.name, layer.weights.shape.as_list(), layer.biases.name
        ('fc/weights:0', [4, 3], 'fc/biases:0')
        >>> layer(tf.ones([2, 4])).shape.as_list()
        [2, 3]
    """

    def __init__(self, out_dim: int, scope_name: str = "fc", in_dim: int | None = None,
                 initializer: str = "he", activation: str | None = None,
                 seed: int | None = None) -> None:
        super().__init__(scope_name)
        self.out_dim = check_int("out_dim", out_dim)
        self.initializer = check_choice("initializer", initializer, INITIALIZERS)
        if activation not in (None, "relu"):
            raise ValueError(f"activation must be None or 'relu', got {activation!r}")
        self.activation = activation
        self.seed = _check_seed(seed)
        self.weights: tf.Variable | None = None
        self.biases: tf.Variable | None = None
        if in_dim is not None:
            self.build(check_int("in_dim", in_dim))

    @property
    def built(self) -> bool:
        """Whether the variables exist yet."""
        return self.weights is not None

    def build(self, in_dim: int) -> None:
        """Create ``weights`` and ``biases`` for ``in_dim`` inputs."""
        in_dim = check_int("in_dim", in_dim)
        if self.built:
            raise ValueError(f"layer {self.scope_name!r} is already built")
        seeds = (None, None) if self.seed is None else ((self.seed, 0), (self.seed, 1))
        self.weights = self._variable(
            "weights", (in_dim, self.out_dim), in_dim, self.out_dim, "kernel", seeds[0])
        self.biases = self._variable(
            "biases", (self.out_dim,), in_dim, self.out_dim, "dense_bias", seeds[1])

    # Plain Python control flow on static shapes only: skip AutoGraph's rewrite.
    @tf.autograph.experimental.do_not_convert
    def __call__(self, inputs: Any) -> tf.Tensor:
        """Apply the layer to ``N x in_dim`` float inputs (flatten images first)."""
        x = _as_float_input(inputs, 2, "N x features; flatten images first")
        in_dim = x.shape[-1]
        if in_dim is None:
            raise ValueError("inputs must have a known number of features (last axis)")
        if not self.built:
            self.build(in_dim)
        expected = self.weights.shape[0]
        if in_dim != expected:
            raise ValueError(f"inputs must have {expected} features for layer "
                             f"{self.scope_name!r}, got {describe_array(x)}")
        weights, biases = self.weights, self.biases
        if x.dtype != weights.dtype:
            weights, biases = tf.cast(weights, x.dtype), tf.cast(biases, x.dtype)
        y = tf.nn.bias_add(backprop.multiply(x, weights), biases)  # tf.matmul
        return tf.nn.relu(y) if self.activation == "relu" else y


def conv_relu(filters: int, k_size: int, stride: int = 1, padding: str = "SAME",
              scope_name: str = "conv", *, in_channels: int | None = None,
              initializer: str = "he", seed: int | None = None) -> ConvReLU:
    """Build the lecture's convolution + ReLU layer (a [`ConvReLU`][cnn_tutorial.layers.ConvReLU]).

    The lecture's ``conv_relu(inputs, filters, k_size, stride, padding,
    scope_name)`` without ``inputs``: call the returned layer on them.

    Examples:
        >>> conv1 = conv_relu(32, 5, 1, "SAME", "conv1", in_channels=1)
        >>> [v.name for v in (conv1.kernel, conv1.biases)]
        ['conv1/kernel:0', 'conv1/biases:0']
        >>> conv1(tf.zeros([1, 28, 28, 1])).shape.as_list()
        [1, 28, 28, 32]
    """
    return ConvReLU(filters, k_size, stride, padding, scope_name, in_channels=in_channels,
                    initializer=initializer, seed=seed)


def maxpool(ksize: int = 2, stride: int | None = None, padding: str = "VALID",
            scope_name: str = "pool") -> MaxPool:
    """Build the lecture's max pooling layer (a [`MaxPool`][cnn_tutorial.layers.MaxPool]).

    The lecture's ``maxpool(inputs, ksize, stride, padding, scope_name)``
    without ``inputs``. ``stride`` defaults to ``ksize``.

    Examples:
        >>> maxpool(2, 2, "VALID", "pool1")(tf.zeros([1, 28, 28, 32])).shape.as_list()
        [1, 14, 14, 32]
    """
    return MaxPool(ksize, stride, padding, scope_name)


def avgpool(ksize: int = 2, stride: int | None = None, padding: str = "VALID",
            scope_name: str = "pool") -> AvgPool:
    """Build an average pooling layer (a [`AvgPool`][cnn_tutorial.layers.AvgPool]), the sibling of [`maxpool`][cnn_tutorial.layers.maxpool].

    Examples:
        >>> avgpool(2)(tf.ones([1, 7, 7, 3])).shape.as_list()
        [1, 3, 3, 3]
    """
    return AvgPool(ksize, stride, padding, scope_name)


def fully_connected(out_dim: int, scope_name: str = "fc", *, in_dim: int | None = None,
                    initializer: str = "he", activation: str | None = None,
                    seed: int | None = None) -> FullyConnected:
    """Build the lecture's fully connected layer (a [`FullyConnected`][cnn_tutorial.layers.FullyConnected]).

    The lecture's ``fully_connected(inputs, out_dim, scope_name)`` without
    ``inputs``. Linear unless ``activation="relu"``.

    Examples:
        >>> fc = fully_connected(1024, "fc", in_dim=3136)
        >>> fc.weights.name, fc.weights.shape.as_list()
        ('fc/weights:0', [3136, 1024])
        >>> fc(tf.zeros([2, 3136])).shape.as_list()
        [2, 1024]
    """
    return FullyConnected(out_dim, scope_name, in_dim=in_dim, initializer=initializer,
                          activation=activation, seed=seed)

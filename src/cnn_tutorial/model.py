"""The lecture's convnet for MNIST, written twice: from ``tf.nn`` layers and from Keras.

The network (shapes without the batch axis):

```text
input 28 x 28 x 1
conv1   5 x 5 x 32, ReLU, SAME     -> 28 x 28 x 32
pool1   2 x 2 max, stride 2, VALID -> 14 x 14 x 32
conv2   5 x 5 x 64, ReLU, SAME     -> 14 x 14 x 64
pool2   2 x 2 max, stride 2, VALID ->  7 x  7 x 64
flatten                            -> 3136
fc      dense 1024, ReLU           -> 1024
dropout rate 0.25 (keep_prob 0.75), only while training
logits  dense 10                   -> 10
```

[`ConvNet`][cnn_tutorial.model.ConvNet] is built from [`cnn_tutorial.layers`][cnn_tutorial.layers] (``tf.Module`` and
``tf.nn`` ops, variables named ``conv1/kernel``, ``fc/weights``, ...), the way
the lecture built it; [`keras_convnet`][cnn_tutorial.model.keras_convnet] is the same network from
``keras.layers`` (the chapter "The layers API", layers-api.md), and
[`copy_weights`][cnn_tutorial.model.copy_weights] copies the weights between them in either direction, so
both compute the same logits. See the chapter "A convnet on MNIST"
(convnet-mnist.md).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import tensorflow as tf

from cnn_tutorial._validation import (
    check_choice,
    check_images,
    check_int,
    check_pixel_values,
    check_rate,
)
from cnn_tutorial.arithmetic import (
    LECTURE_NETWORK,
    Conv,
    Dense,
    Dropout,
    Flatten,
    LayerInfo,
    Pool,
    describe_stack,
    format_stack,
)
from cnn_tutorial.choices import COMPUTE_DTYPES  # one list, shared with the CLI
from cnn_tutorial.layers import (
    INITIALIZERS,
    conv_relu,
    fully_connected,
    layer_initializer,
    layer_seed,
    maxpool,
)

__all__ = ["COMPUTE_DTYPES", "IMAGE_SHAPE", "ConvNet", "copy_weights", "keras_convnet"]

#: Shape of one input image (height, width, channels).
IMAGE_SHAPE = (28, 28, 1)

# COMPUTE_DTYPES (from cnn_tutorial.choices): dtypes the layers may compute in;
# variables always stay float32.

# (name, kind) of the layers with weights, in order; both models use these names.
_WEIGHTED_LAYERS = tuple((spec.name, "conv" if isinstance(spec, Conv) else "dense")
                         for spec in LECTURE_NETWORK if isinstance(spec, (Conv, Dense)))


def _lecture_stack(n_classes: int, dropout_rate: float) -> tuple:
    """[`LECTURE_NETWORK`][cnn_tutorial.arithmetic.LECTURE_NETWORK] with this model's classes and rate."""
    last_dense = max(i for i, spec in enumerate(LECTURE_NETWORK) if isinstance(spec, Dense))
    stack = []
    for index, spec in enumerate(LECTURE_NETWORK):
        if isinstance(spec, Dropout):
            spec = dataclasses.replace(spec, rate=dropout_rate)
        elif index == last_dense:
            spec = dataclasses.replace(spec, units=n_classes)
        stack.append(spec)
    return tuple(stack)


class ConvNet(tf.Module):
    """The lecture's convnet from ``tf.nn`` ops and ``tf.Variable`` objects.

    All variables are created in ``__init__`` (the input shape is known), so a
    checkpoint can be restored and weights copied before the first call.
    Calling the model is graph-friendly: only TensorFlow ops, so wrap a
    training step in ``tf.function`` and it is traced once for every batch size
    (the batch axis is left unknown by the checks).

    See the chapter "A convnet on MNIST" (convnet-mnist.md).

    Args:
        n_classes: Number of outputs (logits), >= 1.
        dropout_rate: Fraction of the 1024 ``fc`` activations dropped while
            training, in [0, 1). The lecture's ``keep_prob`` 0.75 is a rate of
            0.25.
        initializer: ``"he"`` (default), ``"glorot"`` or ``"lecture"`` (see
            [`cnn_tutorial.layers`][cnn_tutorial.layers]). With ``"he"`` the linear ``logits``
            layer uses Glorot, since He's factor 2 is for ReLU layers.
        compute_dtype: ``"float32"`` (default), ``"bfloat16"`` or
            ``"float16"``: the dtype of the computation (mixed precision).
            Variables stay float32 and are cast when used; logits are always
            returned as float32.
        seed: A non-negative int for reproducible initial values, or ``None``.
        name: The module's name.

    Attributes:
        conv1: The first [`ConvReLU`][cnn_tutorial.layers.ConvReLU] (5x5, 32 filters).
        pool1: The first [`MaxPool`][cnn_tutorial.layers.MaxPool] (2x2, stride 2).
        conv2: The second [`ConvReLU`][cnn_tutorial.layers.ConvReLU] (5x5, 64 filters).
        pool2: The second [`MaxPool`][cnn_tutorial.layers.MaxPool].
        fc: The [`FullyConnected`][cnn_tutorial.layers.FullyConnected] layer of 1024 ReLU units.
        logits: The linear [`FullyConnected`][cnn_tutorial.layers.FullyConnected] output layer.

    Examples:
        >>> model = ConvNet(seed=0)
        >>> [v.name for v in model.conv1.variables]
        ['conv1/biases:0', 'conv1/kernel:0']
        >>> model(tf.zeros([2, 28, 28, 1])).shape.as_list()
        [2, 10]
        >>> sum(int(tf.size(v)) for v in model.trainable_variables)
        3274634
        >>> model(tf.zeros([2, 32, 32, 1]))
        Traceback (most recent call last):
        ...
        ValueError: images must be N x 28 x 28 x 1 (or N x 28 x 28), got an array of shape (2, 32, 32, 1) and dtype float32
    """

    def __init__(self, n_classes: int = 10, dropout_rate: float = 0.25,
                 initializer: str = "he", compute_dtype: str = "float32",
                 seed: int | None = None, name: str = "convnet") -> None:
        n_classes = check_int("n_classes", n_classes)
        dropout_rate = check_rate("dropout_rate", dropout_rate)
        check_choice("initializer", initializer, INITIALIZERS)
        check_choice("compute_dtype", compute_dtype, COMPUTE_DTYPES)
        if seed is not None:
            seed = check_int("seed", seed, minimum=0)
        super().__init__(name=name)
        self.n_classes = n_classes
        self.dropout_rate = dropout_rate
        self.initializer = initializer
        self.compute_dtype = compute_dtype
        self.seed = seed

        # Built outside self.name_scope, so the names are the lecture's
        # "conv1/kernel", not "convnet/conv1/kernel". Layers (and seeds, 1 for
        # the first layer with weights, 2 for the next...) follow the stack.
        stack = self._stack()
        rows = describe_stack(stack, IMAGE_SHAPE)
        shape, weighted = IMAGE_SHAPE, 0
        for spec, row in zip(stack, rows):
            if isinstance(spec, (Conv, Dense)):
                weighted += 1
                this_seed = layer_seed(seed, weighted)
            if isinstance(spec, Conv):
                layer = conv_relu(spec.filters, spec.kernel_size, spec.stride, spec.padding,
                                  spec.name, in_channels=shape[-1],
                                  initializer=layer_initializer(initializer, "relu"),
                                  seed=this_seed)
            elif isinstance(spec, Pool):
                layer = maxpool(spec.pool_size, spec.stride, spec.padding, spec.name)
            elif isinstance(spec, Dense):
                activation = None if spec is stack[-1] else "relu"  # the logits are linear
                layer = fully_connected(
                    spec.units, spec.name, in_dim=shape[0],
                    initializer=layer_initializer(initializer, activation),
                    activation=activation, seed=this_seed)
            else:  # Flatten and Dropout have no variables
                layer = None
            if isinstance(spec, Flatten):
                self._flat_size = row.output_shape[0]
            if layer is not None:
                setattr(self, spec.name, layer)
            shape = row.output_shape

    def _check_images(self, images: Any) -> tf.Tensor:
        if getattr(images, "dtype", None) is None:
            images = tf.convert_to_tensor(images)
        check_images(images, image_size=IMAGE_SHAPE[:2], allow_empty=True)
        if tf.executing_eagerly():  # a traced call has no values to check
            check_pixel_values(images)
        tensor = tf.convert_to_tensor(images)
        if tensor.shape.rank == 3:
            tensor = tensor[..., tf.newaxis]
        compute = tf.as_dtype(self.compute_dtype)
        if tensor.dtype == tf.uint8:
            return tf.cast(tensor, compute) * tf.constant(1 / 255, compute)
        return tf.cast(tensor, compute) if tensor.dtype != compute else tensor

    def _dropout(self, x: tf.Tensor, training: bool | tf.Tensor) -> tf.Tensor:
        if self.dropout_rate == 0:
            return x
        if isinstance(training, (bool, np.bool_)):
            return tf.nn.dropout(x, rate=self.dropout_rate) if training else x
        rate = self.dropout_rate
        return tf.cond(tf.convert_to_tensor(training, tf.bool),
                       lambda: tf.nn.dropout(x, rate=rate), lambda: x)

    # Plain Python control flow on static shapes only: skip AutoGraph's rewrite.
    @tf.autograph.experimental.do_not_convert
    def features(self, images: Any, training: bool | tf.Tensor = False) -> dict[str, tf.Tensor]:
        """Every intermediate output, by layer name (for the site's figures).

        `__call__` is this forward pass, keeping only the logits.

        Args:
            images: As `__call__`.
            training: As `__call__` (default ``False``: no dropout).

        Returns:
            A dict ``{"conv1": ..., "pool1": ..., "conv2": ..., "pool2": ...,
                "flatten": ..., "fc": ..., "logits": ...}``, logits as float32
                (``fc`` is the output before dropout).

        Examples:
            >>> outputs = ConvNet(seed=0).features(tf.zeros([1, 28, 28, 1]))
            >>> {name: value.shape.as_list()[1:] for name, value in outputs.items()}
            ... # doctest: +NORMALIZE_WHITESPACE
            {'conv1': [28, 28, 32], 'pool1': [14, 14, 32], 'conv2': [14, 14, 64],
             'pool2': [7, 7, 64], 'flatten': [3136], 'fc': [1024], 'logits': [10]}
        """
        outputs = {}
        x = self._check_images(images)
        for spec in self._stack():
            if isinstance(spec, Flatten):
                x = outputs[spec.name] = tf.reshape(x, [-1, self._flat_size])
            elif isinstance(spec, Dropout):
                x = self._dropout(x, training)
            else:
                x = outputs[spec.name] = getattr(self, spec.name)(x)
        outputs[self._stack()[-1].name] = tf.cast(x, tf.float32)
        return outputs

    # Plain Python control flow on static shapes only: skip AutoGraph's rewrite.
    @tf.autograph.experimental.do_not_convert
    def __call__(self, images: Any, training: bool | tf.Tensor = False) -> tf.Tensor:
        """Logits for a batch of images.

        Args:
            images: ``N x 28 x 28 x 1`` (or ``N x 28 x 28``) images, float with
                values in [0, 1], or uint8 (scaled by 1/255).
            training: ``True`` applies dropout to the ``fc`` output; a Python
                bool or a scalar boolean tensor.

        Returns:
            float32 logits, ``N x n_classes``.

        Raises:
            TypeError: ``images`` is neither float nor uint8.
            ValueError: ``images`` has the wrong rank or shape.
        """
        if not isinstance(training, (bool, np.bool_)) and not (
                tf.is_tensor(training) and training.dtype == tf.bool
                and training.shape.rank == 0):
            raise TypeError(f"training must be True, False or a scalar bool tensor, "
                            f"got {training!r}")
        return self.features(images, training)[self._stack()[-1].name]

    def describe(self) -> list[LayerInfo]:
        """Output shape and parameter count of every layer (see [`describe_stack`][cnn_tutorial.arithmetic.describe_stack]).

        Examples:
            >>> [(row.name, row.output_shape) for row in ConvNet(seed=0).describe()][-2:]
            [('dropout', (1024,)), ('logits', (10,))]
        """
        return describe_stack(self._stack(), IMAGE_SHAPE)

    def summary(self) -> str:
        """A plain-text table of the layers, their output shapes and parameters.

        Examples:
            >>> print(ConvNet(seed=0).summary().splitlines()[-1])
            total                                          3274634
        """
        return format_stack(self.describe(), IMAGE_SHAPE)

    def _stack(self) -> tuple:
        return _lecture_stack(self.n_classes, self.dropout_rate)


def keras_convnet(n_classes: int = 10, dropout_rate: float = 0.25,
                  initializer: str = "glorot", seed: int | None = None) -> "keras.Model":
    """The same network from Keras layers (uncompiled ``keras.Model``).

    The layers are named as in [`ConvNet`][cnn_tutorial.model.ConvNet] (``conv1``, ``pool1``,
    ``conv2``, ``pool2``, ``flatten``, ``fc``, ``dropout``, ``logits``), so
    [`copy_weights`][cnn_tutorial.model.copy_weights] can match them. ``keras.layers.Dropout`` drops only
    when the model is called with ``training=True`` (``fit`` does that). See
    the chapter "The layers API" (layers-api.md).

    Args:
        n_classes: Number of logits (>= 1).
        dropout_rate: Fraction dropped while training, in [0, 1).
        initializer: ``"glorot"`` (Keras' default, ``glorot_uniform``) or
            ``"he"`` (``he_normal`` for the ReLU layers).
        seed: A non-negative int for reproducible initial values, or ``None``.

    Returns:
        A ``keras.Model`` taking ``N x 28 x 28 x 1`` float images and returning
            ``N x n_classes`` logits; compile it with
            ``SparseCategoricalCrossentropy(from_logits=True)``.

    Examples:
        >>> model = keras_convnet()
        >>> [layer.name for layer in model.layers]
        ['images', 'conv1', 'pool1', 'conv2', 'pool2', 'flatten', 'fc', 'dropout', 'logits']
        >>> model.count_params()
        3274634
    """
    import keras

    n_classes = check_int("n_classes", n_classes)
    dropout_rate = check_rate("dropout_rate", dropout_rate)
    check_choice("initializer", initializer, ("glorot", "he"))
    if seed is not None:
        seed = check_int("seed", seed, minimum=0)

    def kernel_init(position: int, activation: str | None = "relu"):
        if layer_initializer(initializer, activation) == "he":
            return keras.initializers.HeNormal(seed=layer_seed(seed, position))
        return keras.initializers.GlorotUniform(seed=layer_seed(seed, position))

    stack = _lecture_stack(n_classes, dropout_rate)
    inputs = x = keras.Input(shape=IMAGE_SHAPE, name="images")
    weighted = 0
    for spec in stack:
        if isinstance(spec, Conv):
            weighted += 1
            x = keras.layers.Conv2D(spec.filters, spec.kernel_size, strides=spec.stride,
                                    padding=spec.padding.lower(), activation="relu",
                                    kernel_initializer=kernel_init(weighted), name=spec.name)(x)
        elif isinstance(spec, Pool):
            x = keras.layers.MaxPooling2D(spec.pool_size, spec.stride or spec.pool_size,
                                          padding=spec.padding.lower(), name=spec.name)(x)
        elif isinstance(spec, Flatten):
            x = keras.layers.Flatten(name=spec.name)(x)
        elif isinstance(spec, Dropout):
            x = keras.layers.Dropout(spec.rate, name=spec.name,
                                     seed=layer_seed(seed, len(_WEIGHTED_LAYERS) + 1))(x)
        else:
            weighted += 1
            activation = None if spec is stack[-1] else "relu"
            x = keras.layers.Dense(spec.units, activation=activation,
                                   kernel_initializer=kernel_init(weighted, activation),
                                   name=spec.name)(x)
    logits = x
    return keras.Model(inputs, logits, name="keras_convnet")


def _weight_pairs(model: Any, role: str) -> dict[str, tuple[Any, Any]]:
    """``{layer name: (kernel variable, bias variable)}`` of a ConvNet or a Keras model."""
    if isinstance(model, ConvNet):
        pairs = {}
        for name, kind in _WEIGHTED_LAYERS:
            layer = getattr(model, name)
            pairs[name] = (layer.kernel if kind == "conv" else layer.weights, layer.biases)
        return pairs
    get_layer = getattr(model, "get_layer", None)
    if get_layer is None:
        raise TypeError(f"{role} must be a ConvNet or a keras.Model from keras_convnet(), "
                        f"got {type(model).__name__}")
    pairs = {}
    for name, _ in _WEIGHTED_LAYERS:
        try:
            layer = get_layer(name)
        except ValueError:
            raise ValueError(f"{role} has no layer named {name!r}; expected a keras.Model "
                             "from keras_convnet()") from None
        kernel, bias = getattr(layer, "kernel", None), getattr(layer, "bias", None)
        if kernel is None or bias is None:
            raise ValueError(f"{role}'s layer {name!r} must have a kernel and a bias")
        pairs[name] = (kernel, bias)
    return pairs


def copy_weights(source: Any, target: Any) -> Any:
    """Copy every weight from one model to the other, in either direction.

    ``source`` and ``target`` are each a [`ConvNet`][cnn_tutorial.model.ConvNet] or a model from
    [`keras_convnet`][cnn_tutorial.model.keras_convnet]. The layouts agree, so nothing is transposed: a
    ``tf.nn.conv2d`` filter and a Keras ``Conv2D`` kernel are both
    ``height x width x in x out``, a dense weight matrix is ``in x out``, and
    both flatten ``7 x 7 x 64`` in the same (row-major, NHWC) order. See the
    chapter "The layers API" (layers-api.md).

    Args:
        source: The model to read.
        target: The model to overwrite.

    Returns:
        ``target``.

    Raises:
        TypeError: a model is of another kind.
        ValueError: a layer is missing or a shape differs (e.g. ``n_classes``).

    Examples:
        >>> images = tf.random.stateless_uniform([2, 28, 28, 1], seed=(0, 1))
        >>> low, high = ConvNet(seed=0), keras_convnet(seed=1)
        >>> _ = copy_weights(low, high)
        >>> difference = tf.reduce_max(tf.abs(low(images) - high(images, training=False)))
        >>> bool(difference < 1e-4)
        True
    """
    from_pairs = _weight_pairs(source, "source")
    to_pairs = _weight_pairs(target, "target")
    for name, _ in _WEIGHTED_LAYERS:
        for source_var, target_var in zip(from_pairs[name], to_pairs[name]):
            if tuple(source_var.shape) != tuple(target_var.shape):
                raise ValueError(
                    f"layer {name!r}: source has shape {tuple(source_var.shape)} but target "
                    f"{tuple(target_var.shape)} (do both models have the same n_classes?)")
    for name, _ in _WEIGHTED_LAYERS:
        for source_var, target_var in zip(from_pairs[name], to_pairs[name]):
            target_var.assign(tf.cast(tf.convert_to_tensor(source_var), target_var.dtype))
    return target

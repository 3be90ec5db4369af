"""Convolutions in TensorFlow 2 / Keras 3: the package behind the cnn-tutorial site.

Each module holds one idea of Stanford CS 20 lecture 7 and points back to the
chapter that teaches it:

* [`cnn_tutorial.kernels`][cnn_tutorial.kernels]: hand-made kernels applied to a photo.
* [`cnn_tutorial.arithmetic`][cnn_tutorial.arithmetic]: output sizes, padding and stride.
* [`cnn_tutorial.layers`][cnn_tutorial.layers]: ``conv_relu``, ``maxpool`` and ``fully_connected`` from ``tf.nn``.
* [`cnn_tutorial.model`][cnn_tutorial.model]: the lecture's convnet, low-level and in Keras.
* [`cnn_tutorial.compat_v1`][cnn_tutorial.compat_v1]: the lecture's TensorFlow 1 graph-mode model.
* [`cnn_tutorial.data`][cnn_tutorial.data]: MNIST loading and the ``tf.data`` pipeline.
* [`cnn_tutorial.train`][cnn_tutorial.train]: the training loop with TensorBoard and checkpoints.
* [`cnn_tutorial.figures`][cnn_tutorial.figures]: every figure drawn on the site.
* [`cnn_tutorial.cli`][cnn_tutorial.cli]: the ``cnn-tutorial`` command.
"""

__version__ = "0.1.0"

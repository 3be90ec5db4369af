"""Convolutions in TensorFlow 2 / Keras 3: the package behind the cnn-tutorial site.

Each module holds one idea of Stanford CS 20 lecture 7 and points back to the
chapter that teaches it:

* :mod:`cnn_tutorial.kernels`: hand-made kernels applied to a photo.
* :mod:`cnn_tutorial.arithmetic`: output sizes, padding and stride.
* :mod:`cnn_tutorial.layers`: ``conv_relu``, ``maxpool`` and ``fully_connected`` from ``tf.nn``.
* :mod:`cnn_tutorial.model`: the lecture's convnet, low-level and in Keras.
* :mod:`cnn_tutorial.compat_v1`: the lecture's TensorFlow 1 graph-mode model.
* :mod:`cnn_tutorial.data`: MNIST loading and the ``tf.data`` pipeline.
* :mod:`cnn_tutorial.train`: the training loop with TensorBoard and checkpoints.
* :mod:`cnn_tutorial.figures`: every figure drawn on the site.
* :mod:`cnn_tutorial.cli`: the ``cnn-tutorial`` command.
"""

__version__ = "0.1.0"

"""The names that the package and the ``cnn-tutorial`` command accept, in one place.

This module imports nothing but the standard library, so that the command's
argument parser (``cnn-tutorial --help``, ``cnn-tutorial shape``) can offer
these choices without loading TensorFlow, and every module that checks an
argument reads the same tuple. The first name of each tuple is the default.

Examples:
    >>> MODELS[0], STRATEGIES[0], LR_SCHEDULES[0], COMPUTE_DTYPES[0], INITIALIZERS[0]
    ('lowlevel', 'default', 'cosine', 'float32', 'he')
"""

from __future__ import annotations

__all__ = ["COMPUTE_DTYPES", "INITIALIZERS", "LR_SCHEDULES", "MODELS", "STRATEGIES"]

#: Models that [`cnn_tutorial.train.train`][cnn_tutorial.train.train] builds (``--model``): the
#: low-level [`ConvNet`][cnn_tutorial.model.ConvNet] and
#: [`keras_convnet`][cnn_tutorial.model.keras_convnet].
MODELS = ("lowlevel", "keras")
#: ``tf.distribute`` strategies by name (``--strategy``); see
#: [`cnn_tutorial.train.make_strategy`][cnn_tutorial.train.make_strategy].
STRATEGIES = ("default", "mirrored", "one-device", "multi-worker")
#: Learning-rate schedules of [`cnn_tutorial.train.train`][cnn_tutorial.train.train] (``--lr-schedule``).
LR_SCHEDULES = ("cosine", "constant")
#: Compute dtypes of the models (``--precision``); variables stay float32.
COMPUTE_DTYPES = ("float32", "bfloat16", "float16")
#: Weight initialisers of the layers: He (default), Glorot, and the lecture's
#: truncated normal of standard deviation 1.
INITIALIZERS = ("he", "glorot", "lecture")

"""The settings of one training run, checked before any data loads or any model is built.

[`cnn_tutorial.train.train`][cnn_tutorial.train.train] turns its keyword arguments into a
[`TrainConfig`][cnn_tutorial.config.TrainConfig]; a mistake (``epochs=0``, ``model="cnn"``, a ``log_dir``
that is a file) then raises at once, with a message that names the argument
and what was expected, instead of failing after MNIST has loaded. The module
imports no TensorFlow. See the chapter "A convnet on MNIST" (convnet-mnist.md).
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Any

from cnn_tutorial._validation import check_choice, check_int
from cnn_tutorial.choices import COMPUTE_DTYPES, LR_SCHEDULES, MODELS, STRATEGIES

__all__ = ["TrainConfig"]


def _folder_argument(name: str, value: Any) -> Path | None:
    """``value`` as a path (``~`` expanded) that is a folder or does not exist yet."""
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a folder path or None, got {type(value).__name__}")
    if not os.fspath(value):
        raise ValueError(f"{name} must be a folder path, got an empty string")
    folder = Path(value).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{name} {folder} exists and is not a folder")
    return folder


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Every setting of [`train`][cnn_tutorial.train.train] except the data, validated.

    The fields are [`train`][cnn_tutorial.train.train]'s keyword arguments, with
    the same meaning and defaults; building the object checks them all and
    normalises paths (``~`` expanded).

    Raises:
        ValueError: a number out of range, an unknown name, a folder argument
            that names a file.
        TypeError: a value of the wrong type (``epochs=1.5``, ``model=42``).

    Examples:
        >>> config = TrainConfig(epochs=2, lr_schedule="constant")
        >>> config.epochs, config.decay_steps(batches_per_epoch=10)
        (2, None)
        >>> TrainConfig(batch_size=0)
        Traceback (most recent call last):
        ...
        ValueError: batch_size must be an integer >= 1, got 0
    """

    model: Any = "lowlevel"
    epochs: int = 1
    batch_size: int = 128
    learning_rate: float = 1e-3
    lr_schedule: str = "cosine"
    max_steps: int | None = None
    log_dir: str | os.PathLike | None = None
    checkpoint_dir: str | os.PathLike | None = None
    checkpoint_every: int = 500
    keep_checkpoints: int = 3
    log_every: int = 10
    strategy: Any = "default"
    compute_dtype: str | None = None
    jit_compile: bool = False
    seed: int | None = 0
    progress: bool | None = None
    eval_batch_size: int = 1000
    data_dir: str | os.PathLike | None = None

    def __post_init__(self) -> None:
        checked = {name: check_int(name, getattr(self, name)) for name in (
            "epochs", "batch_size", "checkpoint_every", "keep_checkpoints", "log_every",
            "eval_batch_size")}
        if self.max_steps is not None:
            checked["max_steps"] = check_int("max_steps", self.max_steps)
        if self.seed is not None:
            checked["seed"] = check_int("seed", self.seed, minimum=0)
        rate = self.learning_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or \
                not 0 < rate < math.inf:
            raise ValueError(f"learning_rate must be a positive number, got {rate!r}")
        check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        self._check_model()
        if isinstance(self.strategy, str):
            check_choice("strategy", self.strategy, STRATEGIES)
        elif self.strategy is not None and not hasattr(self.strategy, "scope"):
            raise TypeError(f"strategy must be one of {', '.join(map(repr, STRATEGIES))}, a "
                            f"tf.distribute.Strategy or None, got {type(self.strategy).__name__}")
        checked["log_dir"] = _folder_argument("log_dir", self.log_dir)
        checked["checkpoint_dir"] = _folder_argument("checkpoint_dir", self.checkpoint_dir)
        for name, value in checked.items():  # frozen: set the normalised values once
            object.__setattr__(self, name, value)

    def _check_model(self) -> None:
        if isinstance(self.model, str):
            check_choice("model", self.model, MODELS)
        elif not callable(self.model):
            raise TypeError(f"model must be 'lowlevel', 'keras', a model (ConvNet or "
                            f"keras.Model) or a function that builds one, got "
                            f"{type(self.model).__name__}")
        if self.compute_dtype is not None:
            check_choice("compute_dtype", self.compute_dtype, COMPUTE_DTYPES)
            if not isinstance(self.model, str) and self.compute_dtype != "float32":
                raise ValueError("compute_dtype applies to models built by train() "
                                 "(model='lowlevel' or 'keras'); set it on your model instead")

    def decay_steps(self, batches_per_epoch: int) -> int | None:
        """Steps of the cosine schedule (all ``epochs``), or ``None`` for a constant rate."""
        return self.epochs * batches_per_epoch if self.lr_schedule == "cosine" else None

    def finished(self, step: int, epoch: int) -> bool:
        """Whether a run at ``step`` after ``epoch`` whole epochs has nothing left to do.

        Examples:
            >>> TrainConfig(epochs=3, max_steps=10).finished(step=10, epoch=1)
            True
        """
        return epoch >= self.epochs or (self.max_steps is not None and step >= self.max_steps)

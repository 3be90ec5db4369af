"""What a training run records: history for plots, TensorBoard logs, the progress bar.

[`Recorder`][cnn_tutorial.recorder.Recorder] is what [`cnn_tutorial.train.train`][cnn_tutorial.train.train] calls around every
step, like a Keras callback list: it adds each step's loss and number of
correct images to a window of ``log_every`` steps (as tensors, so that the
loop never waits for the device), and at each window's end writes the mean
loss and accuracy to ``history``, TensorBoard and the progress bar. It also
writes the training step's graph once, the evaluation accuracy and the weight
histograms, and refuses to go on when the loss stops being a finite number.
See the chapter "A convnet on MNIST" (convnet-mnist.md).
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tensorflow as tf

from cnn_tutorial._validation import check_folder

__all__ = ["EpochStats", "NonFiniteLossError", "Recorder"]


class NonFiniteLossError(FloatingPointError, ValueError):
    """The training loss (or a weight) became NaN or infinite."""


@dataclasses.dataclass
class EpochStats:
    """What one epoch did.

    Attributes:
        epoch: The epoch's number, from 1.
        step: Global step at the epoch's end.
        loss: Mean training loss over the batches run in this process.
        accuracy: Mean training-batch accuracy (dropout on) over those batches.
        eval_accuracy: Fraction of the evaluation split (``eval_data``)
            classified correctly (``None`` without one).
        seconds: Training time of the epoch in this process (evaluation excluded).
        images_per_second: Training images per second in this epoch.
        resumed: Whether the epoch began in an earlier run (then ``seconds``
            covers only the part run here).
    """

    epoch: int
    step: int
    loss: float
    accuracy: float
    eval_accuracy: float | None
    seconds: float
    images_per_second: float
    resumed: bool = False

    @property
    def test_accuracy(self) -> float | None:
        """Deprecated name of ``eval_accuracy`` (the split is not always the test set)."""
        _deprecated("EpochStats.test_accuracy", "EpochStats.eval_accuracy")
        return self.eval_accuracy


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"{old} is deprecated and will be removed in a future release; use {new} "
                  f"(the evaluation split is whatever you pass, usually a validation split)",
                  DeprecationWarning, stacklevel=3)



def _variable_key(variable: Any) -> str:
    name = getattr(variable, "path", None) or variable.name
    return name[:-2] if name.endswith(":0") else name


class Recorder:
    """History, TensorBoard and progress bar of one run (a context manager).

    Args:
        log_dir: TensorBoard folder, or ``None`` for no logs.
        log_every: Steps per window (one history point per window; the last
            window of an epoch may be shorter).
        progress: Show a progress bar; ``None``: only when stderr is a terminal.

    Raises:
        PermissionError: ``log_dir`` cannot be created or written.
        ValueError: ``log_dir``'s name is not UTF-8.
        NotADirectoryError: ``log_dir`` (or a parent) is a file.

    Examples:
        >>> with Recorder(None, log_every=2, progress=False) as recorder:
        ...     recorder.start_epoch(epoch=0, epochs=1, batches=3, done=0)
        ...     for step in (1, 2, 3):
        ...         recorder.add(tf.constant(0.5), tf.constant(4.0), 8, step, last=step == 3)
        ...     stats = recorder.end_epoch(epoch=1, step=3)
        >>> recorder.history["step"], recorder.history["accuracy"], stats.loss
        ([2, 3], [0.5, 0.5], 0.5)
    """

    def __init__(self, log_dir: str | os.PathLike | None, log_every: int = 10,
                 progress: bool | None = None) -> None:
        self.log_dir = None if log_dir is None else Path(log_dir)
        self.log_every = log_every
        self.show_progress = sys.stderr.isatty() if progress is None else bool(progress)
        self.history: dict[str, list] = {"step": [], "loss": [], "accuracy": [],
                                         "eval_step": [], "eval_accuracy": []}
        self.writer = None
        self._graph_written = False
        self._bar = None
        self._reset_window()

    def __enter__(self) -> Recorder:
        if self.log_dir is not None:
            self.writer = self._open_writer(self.log_dir)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._bar is not None:
            self._bar.close()
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    @staticmethod
    def _open_writer(folder: Path):
        check_folder("log_dir", folder, create=True)
        try:
            return tf.summary.create_file_writer(str(folder))
        except (OSError, tf.errors.OpError) as error:
            detail = getattr(error, "strerror", None) or getattr(error, "message", None) or error
            raise PermissionError(f"log_dir {folder} cannot be written: {detail}") from None

    # -- one epoch ------------------------------------------------------------------------

    def _reset_window(self) -> None:
        self._window_loss = self._window_correct = 0.0
        self._window_steps = self._window_images = 0

    def start_epoch(self, epoch: int, epochs: int, batches: int, done: int) -> None:
        """Start epoch ``epoch + 1`` of ``epochs`` (``batches`` in all, ``done`` already run)."""
        # Plain tqdm: tqdm.auto warns (TqdmWarning) in notebooks without ipywidgets.
        from tqdm import tqdm

        self._bar = tqdm(total=batches, initial=done, desc=f"epoch {epoch + 1}/{epochs}",
                         unit="batch", disable=not self.show_progress, leave=True,
                         file=sys.stderr)
        self._loss_sum = self._correct_sum = 0.0
        self._epoch_steps = self._epoch_images = 0
        self._reset_window()
        self._started = time.perf_counter()

    def run_step(self, train_step: Callable, batch: Any, step: int) -> tuple[Any, Any]:
        """``train_step(batch)``; the first call of a run also writes its graph."""
        if self.writer is None or self._graph_written:
            return train_step(batch)
        tf.summary.trace_on(graph=True, profiler=False)
        result = train_step(batch)
        with self.writer.as_default():
            tf.summary.trace_export("train_step", step=step)
        self._graph_written = True
        return result

    def add(self, loss: Any, correct: Any, images: int, step: int, last: bool) -> None:
        """Count one step (``last``: the epoch's last batch, which closes the window)."""
        # Tensors add up without waiting; they are read only at the window's end.
        self._window_loss = self._window_loss + loss
        self._window_correct = self._window_correct + correct
        self._window_steps += 1
        self._window_images += images
        self._epoch_steps += 1
        self._epoch_images += images
        if self._window_steps == self.log_every or last:
            self._close_window(step)
        self._bar.update(1)

    def _close_window(self, step: int) -> None:
        window_loss = float(self._window_loss)
        self._check_finite(window_loss, step)
        mean_loss = window_loss / self._window_steps
        accuracy = float(self._window_correct) / self._window_images
        self._loss_sum += window_loss
        self._correct_sum += float(self._window_correct)
        self.history["step"].append(step)
        self.history["loss"].append(mean_loss)
        self.history["accuracy"].append(accuracy)
        if self.writer is not None:
            with self.writer.as_default():
                tf.summary.scalar("loss", mean_loss, step=step)
                tf.summary.scalar("accuracy", accuracy, step=step)
        self._bar.set_postfix(loss=f"{mean_loss:.4f}", acc=f"{accuracy:.3f}", refresh=False)
        self._reset_window()

    def end_epoch(self, epoch: int, step: int, resumed: bool = False) -> EpochStats:
        """Close the bar; what this epoch's batches run here did.

        Args:
            epoch: The epoch's number, from 1 (``EpochStats.epoch``).
            step: The global step now.
            resumed: Whether the epoch began in an earlier run.

        Returns:
            An [`EpochStats`][cnn_tutorial.recorder.EpochStats] without
            ``eval_accuracy`` (the caller evaluates after the epoch).
        """
        seconds = time.perf_counter() - self._started
        self._bar.close()
        self._bar = None
        if self._window_steps:  # stopped inside a window: count it, record nothing
            self._loss_sum += float(self._window_loss)
            self._correct_sum += float(self._window_correct)
            self._reset_window()
        return EpochStats(epoch=epoch, step=step, loss=self._loss_sum / max(self._epoch_steps, 1),
                          accuracy=self._correct_sum / max(self._epoch_images, 1),
                          eval_accuracy=None, seconds=seconds,
                          images_per_second=self._epoch_images / max(seconds, 1e-9),
                          resumed=resumed)

    # -- checks and evaluation ------------------------------------------------------------

    @staticmethod
    def _check_finite(loss: float, step: int) -> None:
        if not math.isfinite(loss):
            raise NonFiniteLossError(
                f"the training loss became {loss} by step {step}; training stopped and no "
                f"checkpoint was written after the last good one (try a lower learning_rate, "
                f"or float32 instead of float16)")

    def check_healthy(self, model: Any, step: int) -> None:
        """Raise [`NonFiniteLossError`][cnn_tutorial.recorder.NonFiniteLossError] if the open window's loss or a weight is not finite.

        Called before each checkpoint so that a diverged model never replaces a good one.
        """
        if self._window_steps:
            self._check_finite(float(self._window_loss), step)
        finite = [tf.reduce_all(tf.math.is_finite(v)) for v in model.trainable_variables]
        if not bool(tf.reduce_all(tf.stack(finite))):
            self._check_finite(math.nan, step)

    def eval_accuracy(self, value: float, step: int) -> None:
        """Record the accuracy on the evaluation split at ``step``."""
        self.history["eval_step"].append(step)
        self.history["eval_accuracy"].append(value)
        if self.writer is not None:
            with self.writer.as_default():
                tf.summary.scalar("eval_accuracy", value, step=step)

    def histograms(self, model: Any, step: int) -> None:
        """A histogram of every weight of ``model`` at ``step`` (TensorBoard only)."""
        if self.writer is None:
            return
        with self.writer.as_default():
            for variable in model.trainable_variables:
                tf.summary.histogram(_variable_key(variable), variable, step=step)

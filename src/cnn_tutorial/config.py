"""The settings of one training run, defined once and checked before any data loads.

[`TrainConfig`][cnn_tutorial.config.TrainConfig] is where every setting of
[`cnn_tutorial.train.train`][cnn_tutorial.train.train] is defined, once: its
default, its allowed values, its ``--help`` text and its ``cnn-tutorial train``
option live on the field (a [`Setting`][cnn_tutorial.config.Setting] in the
field's metadata). The command's parser is generated from these fields
([`cnn_tutorial.cli.build_parser`][cnn_tutorial.cli.build_parser]), and
[`train`][cnn_tutorial.train.train] takes the object itself or the fields as
keyword arguments. A mistake (``epochs=0``, ``model="cnn"``, a ``log_dir``
that is a file) raises at once, with a message that names the argument and
what was expected, instead of failing after MNIST has loaded. The module
imports no TensorFlow. See the chapter "A convnet on MNIST" (convnet-mnist.md).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Callable
from dataclasses import field
from typing import Any

from cnn_tutorial._validation import (
    check_choice,
    check_folder,
    check_int,
    check_positive,
)
from cnn_tutorial.choices import COMPUTE_DTYPES, LR_SCHEDULES, MODELS, STRATEGIES

__all__ = ["Setting", "TrainConfig"]

#: The kinds of [`Setting`][cnn_tutorial.config.Setting]: how a value is checked
#: and how the command line reads it.
KINDS = ("integer", "number", "choice", "folder", "path", "switch")


@dataclasses.dataclass(frozen=True)
class Setting:
    """What one field of [`TrainConfig`][cnn_tutorial.config.TrainConfig] accepts, and its option.

    Attributes:
        kind: ``"integer"`` (``>= minimum``), ``"number"`` (positive, finite),
            ``"choice"`` (one of ``choices``, or an object ``accepts`` takes),
            ``"folder"`` (a path that is or can become a folder), ``"path"``
            (any path, checked where it is used), ``"switch"`` (a bool; the
            option, without a value, sets ``when_given``).
        help: The option's ``--help`` text (``%(default)s`` is the default).
        flag: The ``cnn-tutorial train`` option, or ``None`` (Python only).
        minimum: The smallest integer allowed (``"integer"``).
        choices: The names allowed (``"choice"``); the command offers only these.
        optional: Whether ``None`` is allowed.
        accepts: For ``"choice"``: whether a non-name value is accepted in
            Python (a model object, a strategy), described by ``objects``.
        objects: What ``accepts`` takes, for the error message.
        when_given: For ``"switch"``: the value the option sets.

    Examples:
        >>> setting = Setting("integer", "total epochs", flag="--epochs")
        >>> setting.check("epochs", 2)
        2
        >>> setting.check("epochs", 0)
        Traceback (most recent call last):
        ...
        ValueError: epochs must be an integer >= 1, got 0
    """

    kind: str
    help: str
    flag: str | None = None
    minimum: int = 1
    choices: tuple[str, ...] = ()
    optional: bool = False
    accepts: Callable[[Any], bool] | None = None
    objects: str = ""
    when_given: Any = True

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, KINDS)

    def check(self, name: str, value: Any) -> Any:
        """``value`` checked (and paths normalised) for the field ``name``, or raise."""
        if value is None and self.optional:
            return None
        if self.kind == "integer":
            return check_int(name, value, minimum=self.minimum)
        if self.kind == "number":
            return check_positive(name, value)
        if self.kind == "folder":
            return check_folder(name, value, optional=self.optional)
        if self.kind == "choice" and (isinstance(value, str) or self.accepts is None):
            return check_choice(name, value, self.choices)
        if self.kind == "choice" and not self.accepts(value):
            names = ", ".join(map(repr, self.choices))
            raise TypeError(f"{name} must be one of {names}, {self.objects}"
                            f"{' or None' if self.optional else ''}, "
                            f"got {type(value).__name__}")
        return value


def _setting(kind: str, help: str, **options: Any) -> dict[str, Setting]:
    """A field's metadata: its [`Setting`][cnn_tutorial.config.Setting]."""
    return {"setting": Setting(kind, help, **options)}


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Every setting of [`train`][cnn_tutorial.train.train] except the data, validated.

    Building the object checks every field and normalises paths (``~``
    expanded); [`replace`][cnn_tutorial.config.TrainConfig.replace] makes a
    changed copy, checked again. Each field's
    [`Setting`][cnn_tutorial.config.Setting] (``dataclasses.fields(TrainConfig)``,
    ``metadata["setting"]``) gives its allowed values, its ``--help`` text and
    its ``cnn-tutorial train`` option.

    Attributes:
        model: ``"lowlevel"`` ([`ConvNet`][cnn_tutorial.model.ConvNet]),
            ``"keras"`` ([`keras_convnet`][cnn_tutorial.model.keras_convnet]), a model
            object, or a function that builds one (called inside the strategy's
            scope). Both accept ``N x 28 x 28 x 1`` float images.
        epochs: Total number of passes over the training data (>= 1), over all
            runs that share a ``checkpoint_dir``.
        batch_size: Global batch (split across replicas), >= 1.
        learning_rate: Adam's (initial) learning rate (the lecture: 0.001).
        lr_schedule: ``"cosine"`` (default) lowers the rate along a half cosine
            to 0 at the end of ``epochs`` (not of ``max_steps``, so an
            interrupted run resumes on the same curve); ``"constant"`` keeps
            it, as the lecture did. The cosine makes the last steps of a short
            run small, which steadies its final accuracy (the benchmarks page
            gives the one-epoch figures over several seeds).
        max_steps: Stop when the global step reaches this many batches
            (``None``: no limit).
        log_dir: TensorBoard folder (``None``: no logs).
        checkpoint_dir: Checkpoint folder (``None``: no checkpoints, no resume).
        checkpoint_every: Save every this many steps (besides each epoch's end).
        keep_checkpoints: How many recent checkpoints to keep.
        log_every: Steps between loss/accuracy records (history and TensorBoard).
        strategy: ``"default"``, ``"mirrored"``, ``"one-device"``,
            ``"multi-worker"``, a ``tf.distribute.Strategy`` (see
            [`make_strategy`][cnn_tutorial.train.make_strategy]) or ``None``
            (the strategy in scope). Under ``"multi-worker"`` every worker runs
            with the same settings; ``batch_size`` stays the global batch, and
            only worker 0 (the chief) writes to ``checkpoint_dir`` and
            ``log_dir`` and shows progress.
        compute_dtype: ``"float32"`` (default; ``None`` means it too),
            ``"bfloat16"`` or ``"float16"`` for models built by
            [`train`][cnn_tutorial.train.train] (mixed precision; float16 adds
            loss scaling).
        jit_compile: Compile the training step with XLA.
        seed: Seed of the initial weights and of each epoch's shuffled order
            (``None``: random, and a resumed epoch is then reshuffled).
        progress: Show a progress bar; ``None``: only when stderr is a terminal.
        eval_batch_size: Batch size of the evaluation.
        data_dir: Where to load MNIST from when no training data is given.

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

    model: Any = field(default=MODELS[0], metadata=_setting(
        "choice", "lowlevel: ConvNet from tf.nn ops; keras: keras_convnet() (default: "
        "%(default)s)", flag="--model", choices=MODELS, accepts=callable,
        objects="a model (ConvNet or keras.Model) or a function that builds one"))
    epochs: int = field(default=1, metadata=_setting(
        "integer", "total epochs (default: %(default)s)", flag="--epochs"))
    batch_size: int = field(default=128, metadata=_setting(
        "integer", "global batch size (default: %(default)s, as the lecture)",
        flag="--batch-size"))
    learning_rate: float = field(default=1e-3, metadata=_setting(
        "number", "Adam's initial learning rate (default: %(default)s)", flag="--learning-rate"))
    lr_schedule: str = field(default=LR_SCHEDULES[0], metadata=_setting(
        "choice", "cosine: the rate falls to 0 at the end of --epochs; constant: the lecture's "
        "fixed rate (default: %(default)s)", flag="--lr-schedule", choices=LR_SCHEDULES))
    max_steps: int | None = field(default=None, metadata=_setting(
        "integer", "stop when the global step reaches this number", flag="--max-steps",
        optional=True))
    log_dir: str | os.PathLike | None = field(default=None, metadata=_setting(
        "folder", "TensorBoard folder (default: no logs)", flag="--log-dir", optional=True))
    checkpoint_dir: str | os.PathLike | None = field(default=None, metadata=_setting(
        "folder", "checkpoint folder; an existing one is resumed (default: none)",
        flag="--checkpoint-dir", optional=True))
    checkpoint_every: int = field(default=500, metadata=_setting(
        "integer", "steps between checkpoints, besides each epoch's end (default: %(default)s)",
        flag="--checkpoint-every"))
    keep_checkpoints: int = field(default=3, metadata=_setting(
        "integer", "how many recent checkpoints to keep"))
    log_every: int = field(default=10, metadata=_setting(
        "integer", "steps between loss/accuracy records"))
    strategy: Any = field(default=STRATEGIES[0], metadata=_setting(
        "choice", "tf.distribute strategy (default: %(default)s); multi-worker reads the "
        "cluster from $TF_CONFIG or --worker/--task-index", flag="--strategy",
        choices=STRATEGIES, optional=True, accepts=lambda value: hasattr(value, "scope"),
        objects="a tf.distribute.Strategy"))
    compute_dtype: str | None = field(default=COMPUTE_DTYPES[0], metadata=_setting(
        "choice", "compute dtype (variables stay float32; default: %(default)s)",
        flag="--precision", choices=COMPUTE_DTYPES, optional=True))
    jit_compile: bool = field(default=False, metadata=_setting(
        "switch", "compile the training step with XLA (jit_compile)", flag="--xla"))
    seed: int | None = field(default=0, metadata=_setting(
        "integer", "seed of the weights and of the shuffled order (default: %(default)s)",
        flag="--seed", minimum=0, optional=True))
    progress: bool | None = field(default=None, metadata=_setting(
        "switch", "no progress bar (it is shown only on a terminal anyway)",
        flag="--no-progress", when_given=False, optional=True))
    eval_batch_size: int = field(default=1000, metadata=_setting(
        "integer", "batch size of the evaluation"))
    data_dir: str | os.PathLike | None = field(default=None, metadata=_setting(
        "path", "folder with the four MNIST IDX files (.gz or not); default: "
        "$CNN_TUTORIAL_DATA_DIR, then the cache, then a download", flag="--data-dir",
        optional=True))

    def __post_init__(self) -> None:
        for each in dataclasses.fields(self):  # frozen: set each normalised value once
            value = each.metadata["setting"].check(each.name, getattr(self, each.name))
            object.__setattr__(self, each.name, value)
        if self.compute_dtype is None:
            object.__setattr__(self, "compute_dtype", COMPUTE_DTYPES[0])
        if not isinstance(self.model, str) and self.compute_dtype != "float32":
            raise ValueError("compute_dtype applies to models built by train() "
                             "(model='lowlevel' or 'keras'); set it on your model instead")

    def replace(self, caller: str = "TrainConfig.replace()", **changes: Any) -> TrainConfig:
        """A copy with ``changes`` (field names), checked like a new object.

        Args:
            caller: Who passes ``changes``, for the error message.
            **changes: New values of fields.

        Raises:
            TypeError: a name that is not a field (the message suggests the
                nearest one), or a value of the wrong type.
            ValueError: a value out of range.

        Examples:
            >>> TrainConfig(epochs=2).replace(batch_size=64).batch_size
            64
            >>> TrainConfig().replace(epoch=3)
            Traceback (most recent call last):
            ...
            TypeError: TrainConfig.replace() got an unknown setting 'epoch' (did you mean 'epochs'?); expected fields of TrainConfig: model, epochs, batch_size, learning_rate, lr_schedule, max_steps, log_dir, checkpoint_dir, checkpoint_every, keep_checkpoints, log_every, strategy, compute_dtype, jit_compile, seed, progress, eval_batch_size, data_dir
        """
        names = [each.name for each in dataclasses.fields(self)]
        for name in changes:
            if name not in names:
                near = difflib.get_close_matches(name, names, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise TypeError(f"{caller} got an unknown setting {name!r}{hint}; expected "
                                f"fields of TrainConfig: {', '.join(names)}")
        return dataclasses.replace(self, **changes)

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

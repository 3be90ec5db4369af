"""Training the convnet: a ``tf.function`` step, TensorBoard logs, checkpoints that resume.

The lecture's loop, for TensorFlow 2: Adam (learning rate 0.001) minimises the
softmax cross entropy of the logits; after every epoch the model is evaluated
on an evaluation split (``eval_data``: a validation split while choices are
still being made, the test set once at the end) with dropout off, as a
*fraction* of correct images (the lecture counted correct images per batch).
Everything a long run needs is built in:

* TensorBoard logs (``log_dir``): scalars ``loss``, ``accuracy`` and
  ``eval_accuracy``, a histogram of every weight at each epoch's end, and the
  graph of the training step (``tf.summary.trace_on``/``trace_export``).
* Checkpoints (``checkpoint_dir``, a locked
  [`CheckpointFolder`][cnn_tutorial.checkpointing.CheckpointFolder]) every
  ``checkpoint_every`` steps, at each epoch's end, when ``max_steps`` is
  reached and on ``Ctrl+C``, SIGTERM or SIGHUP (between two steps, see
  [`cnn_tutorial.interrupts`][cnn_tutorial.interrupts]). Starting again with the same folder resumes
  from the newest readable checkpoint: same weights, optimizer state, global
  step, epoch and position inside the epoch (the shuffled order of each epoch
  depends only on ``seed`` and the epoch number), so an interrupted run loses
  nothing. A loss that stops being finite ends the run without replacing the
  last good checkpoint.

The pieces: [`TrainConfig`][cnn_tutorial.config.TrainConfig] holds the settings
(``train(config=...)``, or its fields as keywords) and checks them before anything
loads, [`Recorder`][cnn_tutorial.recorder.Recorder] keeps the history, the
TensorBoard logs, the progress bar and each epoch's
[`EpochStats`][cnn_tutorial.recorder.EpochStats], and [`train`][cnn_tutorial.train.train]
itself is a short ``fit``/``fit_epoch`` loop over them.
* A ``tf.distribute`` strategy: the default one for one device,
  ``MirroredStrategy`` to spread each batch over several devices,
  ``MultiWorkerMirroredStrategy`` over several processes or machines
  ([`cnn_tutorial.distributed`][cnn_tutorial.distributed]; only worker 0 writes
  checkpoints and logs).

From a notebook, on a subset (the chapter "A convnet on MNIST",
convnet-mnist.md, does this):

```python
from cnn_tutorial.data import load_mnist
from cnn_tutorial.train import train
(x_train, y_train), (x_test, y_test) = load_mnist()
validation = x_train[-5000:], y_train[-5000:]      # the lecture's 5,000
result = train("lowlevel", (x_train[:6000], y_train[:6000]), validation,
               epochs=3, progress=False)
result.history            # per-step loss/accuracy and per-epoch eval accuracy
[(e.epoch, e.eval_accuracy, e.seconds) for e in result.epochs]
```

``result.history`` is what [`cnn_tutorial.figures.plot_training_curves`][cnn_tutorial.figures.plot_training_curves]
draws. From a shell, ``cnn-tutorial train`` runs the same function.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import sys
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from cnn_tutorial._validation import check_choice, check_images_and_labels, check_int
from cnn_tutorial.checkpointing import CheckpointFolder, ModelSignature, TrainingState
from cnn_tutorial.choices import LR_SCHEDULES, MODELS, STRATEGIES
from cnn_tutorial.config import TrainConfig
from cnn_tutorial.data import load_mnist, make_dataset
from cnn_tutorial.distributed import (
    WorkerUnavailableError,
    check_same_settings,
    checkpoint_folder,
    cluster_of,
    describe_failure,
    distribute_dataset,
    make_multi_worker_strategy,
)
from cnn_tutorial.interrupts import StopSignals, TrainingInterrupted

# EpochStats was defined here: imports of it from this module keep working.
from cnn_tutorial.recorder import EpochStats, NonFiniteLossError, Recorder, _deprecated

# MODELS, STRATEGIES and LR_SCHEDULES live in cnn_tutorial.choices (no TensorFlow there).
__all__ = ["LR_SCHEDULES", "MODELS", "STRATEGIES", "TrainResult", "evaluate", "make_optimizer",
           "make_strategy", "make_train_step", "train"]

_PREDICT_FUNCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclasses.dataclass
class TrainResult:
    """What [`train`][cnn_tutorial.train.train] returns.

    Attributes:
        model: The trained model (the one passed in, or the one built).
        step: Global step reached (batches trained, over all runs).
        epoch: Completed epochs.
        eval_accuracy: Latest accuracy on ``eval_data`` (``None`` without it).
        epochs: One [`EpochStats`][cnn_tutorial.recorder.EpochStats] per epoch finished in this run.
        history: Lists for plotting: ``step``, ``loss`` and ``accuracy`` (mean
            over each ``log_every`` steps), ``eval_step`` and ``eval_accuracy``
            (at each evaluation); see [`plot_training_curves`][cnn_tutorial.figures.plot_training_curves].
        resumed_from_step: The checkpoint's step this run started from, or ``None``.
        stopped: ``"completed"`` (all epochs) or ``"max_steps"``.
        checkpoint: Path of the last checkpoint written, or ``None``.
    """

    model: Any
    step: int
    epoch: int
    eval_accuracy: float | None
    epochs: list[EpochStats]
    history: dict[str, list]
    resumed_from_step: int | None
    stopped: str
    checkpoint: str | None

    @property
    def test_accuracy(self) -> float | None:
        """Deprecated name of ``eval_accuracy`` (the split is not always the test set)."""
        _deprecated("TrainResult.test_accuracy", "TrainResult.eval_accuracy")
        return self.eval_accuracy

    @property
    def seconds_per_epoch(self) -> float | None:
        """Median training seconds of the whole epochs run here (``None`` if none)."""
        whole = [e.seconds for e in self.epochs if not e.resumed] or \
            [e.seconds for e in self.epochs]
        return float(np.median(whole)) if whole else None

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (what ``cnn-tutorial train --json`` prints).

        Examples:
            >>> result = TrainResult(None, 10, 1, 0.5, [], {}, None, "completed", None)
            >>> sorted(result.summary())[:4]
            ['checkpoint', 'epoch', 'epochs', 'eval_accuracy']
        """
        return {"step": self.step, "epoch": self.epoch, "eval_accuracy": self.eval_accuracy,
                "seconds_per_epoch": self.seconds_per_epoch,
                "resumed_from_step": self.resumed_from_step, "stopped": self.stopped,
                "checkpoint": self.checkpoint,
                "epochs": [dataclasses.asdict(e) for e in self.epochs]}


_UNSET: Any = object()


def make_strategy(name: str | tf.distribute.Strategy | None = "default"
                  ) -> tf.distribute.Strategy:
    """A ``tf.distribute`` strategy from its name.

    Args:
        name: ``"default"`` (one device, no distribution), ``"mirrored"``
            (``MirroredStrategy`` over every local GPU, or the CPU(s) when there
            is none), ``"one-device"`` (``OneDeviceStrategy`` on the first GPU,
            else the CPU), ``"multi-worker"`` (``MultiWorkerMirroredStrategy``
            over the workers of ``TF_CONFIG``, see
            [`make_multi_worker_strategy`][cnn_tutorial.distributed.make_multi_worker_strategy]),
            a strategy object (returned as is) or ``None`` (the strategy
            currently in scope).

    Returns:
        The strategy.

    Raises:
        ValueError: an unknown name.

    Examples:
        >>> make_strategy("default").num_replicas_in_sync
        1
        >>> make_strategy("parallel")
        Traceback (most recent call last):
        ...
        ValueError: strategy must be one of 'default', 'mirrored', 'one-device', 'multi-worker', got 'parallel'
    """
    if isinstance(name, tf.distribute.Strategy):
        return name
    if name is None:
        return tf.distribute.get_strategy()
    check_choice("strategy", name, STRATEGIES)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "multi-worker":
        return make_multi_worker_strategy()
    gpus = tf.config.list_logical_devices("GPU")
    if name == "mirrored":
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")


def _is_default(strategy: tf.distribute.Strategy) -> bool:
    # Outside every strategy's scope, get_strategy() returns the one default strategy.
    return not tf.distribute.has_strategy() and strategy is tf.distribute.get_strategy()


def _check_split(name: str, data: Any) -> tuple[Any, Any]:
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name} must be a pair (images, labels), got {type(data).__name__}")
    images, labels = data
    check_images_and_labels(images, labels, prefix=f"{name} ")
    return images, labels


def _predict_function(model: Any) -> Callable:
    try:
        return _PREDICT_FUNCTIONS[model]
    except (KeyError, TypeError):
        pass

    # One trace per model, whatever the batch sizes (the last batch is smaller).
    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28, 1], tf.float32),
                                  tf.TensorSpec([None], tf.int32)])
    def count_correct(images, labels):
        logits = model(images, training=False)
        predictions = tf.argmax(logits, axis=-1, output_type=tf.int32)
        return tf.reduce_sum(tf.cast(tf.equal(predictions, labels), tf.int64))

    try:
        _PREDICT_FUNCTIONS[model] = count_correct
    except TypeError:  # not weak-referenceable: just don't cache
        pass
    return count_correct


def evaluate(model: Any, images: Any, labels: Any, batch_size: int = 1000) -> float:
    """Fraction of ``images`` that ``model`` classifies correctly, dropout off.

    The lecture summed correct predictions per batch and called that the
    accuracy; here it is the fraction over the whole set. See the chapter
    "A convnet on MNIST" (convnet-mnist.md).

    Args:
        model: A [`ConvNet`][cnn_tutorial.model.ConvNet], a Keras model from
            [`keras_convnet`][cnn_tutorial.model.keras_convnet], or any callable
            ``model(images, training=False) -> logits``.
        images: ``N x 28 x 28`` (or ``N x 28 x 28 x 1``) uint8 images, or
            float images in [0, 1].
        labels: ``N`` integer class indices.
        batch_size: Images per forward pass (memory, not the result).

    Returns:
        A float in [0, 1].

    Raises:
        ValueError: images and labels do not match, or ``batch_size`` < 1.

    Examples:
        >>> from cnn_tutorial.model import ConvNet
        >>> images = np.zeros((5, 28, 28), np.uint8)
        >>> labels = np.zeros(5, np.int64)
        >>> 0.0 <= evaluate(ConvNet(seed=0), images, labels) <= 1.0
        True
        >>> evaluate(ConvNet(seed=0), images, labels[:3])
        Traceback (most recent call last):
        ...
        ValueError: labels must be a 1-D array with one label per image (5), got an array of shape (3,) and dtype int64
    """
    batch_size = check_int("batch_size", batch_size)
    dataset = make_dataset(images, labels, batch_size=batch_size, shuffle=False)
    count_correct = _predict_function(model)
    correct = sum(int(count_correct(x, y)) for x, y in dataset)
    return correct / len(labels)


def _named_model(name: str, dtype: str, seed: int | None) -> Any:
    from cnn_tutorial.model import ConvNet, keras_convnet

    if name == "lowlevel":
        return ConvNet(compute_dtype=dtype, seed=seed)
    import keras

    previous = keras.config.dtype_policy()
    if dtype != "float32":
        keras.config.set_dtype_policy(f"mixed_{dtype}")
    try:
        return keras_convnet(seed=seed)
    finally:
        keras.config.set_dtype_policy(previous)


def _build_model(model: Any, strategy: tf.distribute.Strategy, compute_dtype: str,
                 seed: int | None) -> Any:
    """The model to train, from a [`TrainConfig`][cnn_tutorial.config.TrainConfig]'s checked ``model``."""
    if isinstance(model, str):
        with strategy.scope():
            return _named_model(model, compute_dtype, seed)
    if not hasattr(model, "trainable_variables"):  # a function that builds the model
        with strategy.scope():
            model = model()
        if not callable(model) or not hasattr(model, "trainable_variables"):
            raise TypeError(f"model is a function that returned {type(model).__name__}; it "
                            f"must return a model (ConvNet or keras.Model)")
    if not model.trainable_variables:
        raise ValueError("model has no trainable variables; build it before calling train()")
    if not _is_default(strategy) and not all(
            strategy.extended.variable_created_in_scope(v) for v in model.trainable_variables):
        raise ValueError("model's variables were not created under this strategy: pass "
                         "model='lowlevel'/'keras', a function that builds the model, or "
                         "build it inside strategy.scope()")
    return model


def make_optimizer(model: Any, learning_rate: float = 1e-3, compute_dtype: str | None = None,
                   strategy: tf.distribute.Strategy | None = None,
                   decay_steps: int | None = None):
    """Adam for ``model``'s variables, with its slots built (so checkpoints restore at once).

    It is [`FusedAdam`][cnn_tutorial.optimizer.FusedAdam]: Keras' Adam, with each
    variable updated by one fused op. Under ``compute_dtype="float16"`` it is
    wrapped in Keras' ``LossScaleOptimizer`` (float16 gradients underflow
    without loss scaling; bfloat16 needs none). With ``decay_steps`` the
    learning rate falls from ``learning_rate`` to 0 along a half cosine over
    that many steps (Keras' ``CosineDecay``), and stays at 0 after them.

    Examples:
        >>> from cnn_tutorial.model import ConvNet
        >>> optimizer = make_optimizer(ConvNet(seed=0))
        >>> type(optimizer).__name__, round(float(optimizer.learning_rate), 4)
        ('FusedAdam', 0.001)
    """
    import keras

    from cnn_tutorial.optimizer import FusedAdam

    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope():
        if decay_steps is not None:
            learning_rate = keras.optimizers.schedules.CosineDecay(
                learning_rate, check_int("decay_steps", decay_steps))
        optimizer = FusedAdam(learning_rate)
        if compute_dtype == "float16":
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        optimizer.build(model.trainable_variables)
    return optimizer


def make_train_step(model: Any, optimizer: Any, strategy: tf.distribute.Strategy | None = None,
                    jit_compile: bool = False) -> Callable:
    """The training step that [`train`][cnn_tutorial.train.train] runs: one Adam update on one batch.

    The step computes the softmax cross entropy of ``model(images,
    training=True)`` (averaged over the global batch), its gradients and the
    update, on every replica of ``strategy``, and returns the summed loss and
    the number of correct predictions. It is a ``tf.function`` traced once per
    batch shape (``jit_compile`` compiles it with XLA). The benchmarks time it
    directly.

    Args:
        model: A model whose variables ``optimizer`` was built for.
        optimizer: From [`make_optimizer`][cnn_tutorial.train.make_optimizer].
        strategy: The strategy the model was built under (default: the current one).
        jit_compile: Compile with XLA.

    Returns:
        ``step(batch) -> (loss, correct)`` where ``batch`` is ``(images, labels)``
        (a distributed batch under a multi-device strategy).

    Examples:
        >>> from cnn_tutorial.model import ConvNet
        >>> model = ConvNet(seed=0)
        >>> step = make_train_step(model, make_optimizer(model))
        >>> loss, correct = step((tf.zeros([4, 28, 28, 1]), tf.zeros([4], tf.int32)))
        >>> loss.dtype.name, 0 <= int(correct) <= 4
        ('float32', True)
    """
    strategy = strategy or tf.distribute.get_strategy()
    inner = getattr(optimizer, "inner_optimizer", None)
    scale_loss = getattr(optimizer, "scale_loss", None) if inner is not None else None

    def replica_step(images, labels):
        labels = tf.cast(labels, tf.int32)
        with tf.GradientTape() as tape:
            logits = tf.cast(model(images, training=True), tf.float32)
            per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
            loss = tf.nn.compute_average_loss(per_example)
            scaled = scale_loss(loss) if scale_loss else loss
        gradients = tape.gradient(scaled, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        correct = tf.reduce_sum(tf.cast(tf.equal(
            tf.argmax(logits, -1, output_type=tf.int32), labels), tf.float32))
        return loss, correct

    @tf.function(jit_compile=jit_compile or None, reduce_retracing=True)
    def train_step(batch):
        loss, correct = strategy.run(replica_step, args=tuple(batch))
        return (strategy.reduce("SUM", loss, axis=None),
                strategy.reduce("SUM", correct, axis=None))

    return train_step


def train(model: Any = None, train_data: tuple[Any, Any] | None = None,
          eval_data: tuple[Any, Any] | None = None, *, config: TrainConfig | None = None,
          test_data: tuple[Any, Any] | None = _UNSET, **settings: Any) -> TrainResult:
    """Train the convnet with Adam and evaluate it on ``eval_data`` after each epoch.

    ``epochs`` and ``max_steps`` are totals over all runs that share a
    ``checkpoint_dir``: calling again after an interruption finishes the same
    job instead of starting another. See the chapter "A convnet on MNIST"
    (convnet-mnist.md) and the module's description for a notebook example.

    Args:
        model: ``"lowlevel"``, ``"keras"``, a model object or a function that
            builds one (the ``model`` field of
            [`TrainConfig`][cnn_tutorial.config.TrainConfig]); ``None``:
            ``config``'s (by default ``"lowlevel"``).
        train_data: ``(images, labels)``, uint8 ``N x 28 x 28`` images as
            [`load_mnist`][cnn_tutorial.data.load_mnist] returns them; ``None`` loads
            MNIST: the first 55,000 training images, and the last 5,000 as
            ``eval_data`` unless it is given (the lecture's split).
        eval_data: ``(images, labels)`` evaluated after each epoch (a
            validation split while you compare settings; the test set only
            once, at the end), or ``None`` for none (when ``train_data`` is
            given).
        config: The settings, a [`TrainConfig`][cnn_tutorial.config.TrainConfig]
            (``None``: its defaults).
        **settings: Fields of [`TrainConfig`][cnn_tutorial.config.TrainConfig]
            (``epochs=3``, ``batch_size=64``, ``checkpoint_dir=...``, ...), each
            replacing ``config``'s value; the fields' descriptions are there.
        test_data: Deprecated name of ``eval_data`` (a ``DeprecationWarning``).

    Returns:
        A [`TrainResult`][cnn_tutorial.train.TrainResult].

    Raises:
        TypeError: a keyword that is not a field of
            [`TrainConfig`][cnn_tutorial.config.TrainConfig] (the message names
            the nearest one), or a value of the wrong type.
        ValueError: bad sizes or names, data that does not fit the model, a
            ``checkpoint_dir`` holding another model's checkpoints or none
            that is readable, or a broken checkpoint metadata file.
        cnn_tutorial.recorder.NonFiniteLossError: the loss became NaN or
            infinite (a ``ValueError``); the last good checkpoint is kept.
        OSError: a folder that cannot be written, a full disk while saving
            ([`CheckpointSaveError`][cnn_tutorial.checkpointing.CheckpointSaveError]), or a
            ``checkpoint_dir`` in use by another running process
            ([`CheckpointFolderInUseError`][cnn_tutorial.checkpointing.CheckpointFolderInUseError]).
        KeyboardInterrupt: re-raised after a checkpoint is saved (when there is
            a ``checkpoint_dir``), so nothing is lost; SIGTERM and SIGHUP raise
            [`TrainingInterrupted`][cnn_tutorial.interrupts.TrainingInterrupted], a subclass.

    Examples:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.integers(0, 256, (64, 28, 28), dtype=np.uint8)
        >>> y = rng.integers(0, 10, 64)
        >>> result = train("lowlevel", (x, y), (x[:16], y[:16]), epochs=2, batch_size=32,
        ...                progress=False)
        >>> result.step, result.epoch, [e.epoch for e in result.epochs]
        (4, 2, [1, 2])
        >>> 0.0 <= result.eval_accuracy <= 1.0
        True

        The same settings as one object, with one of them replaced:

        >>> settings = TrainConfig(epochs=2, batch_size=32, progress=False)
        >>> train("lowlevel", (x, y), config=settings, epochs=1).epoch
        1
        >>> train("lowlevel", (x, y), config=settings, epoch=1)
        Traceback (most recent call last):
        ...
        TypeError: train() got an unknown setting 'epoch' (did you mean 'epochs'?); expected fields of TrainConfig: model, epochs, batch_size, ...
    """
    if test_data is not _UNSET:
        if eval_data is not None:
            raise TypeError("train() got both eval_data and its deprecated name test_data; "
                            "pass eval_data only")
        _deprecated("train(test_data=...)", "train(eval_data=...)")
        eval_data = test_data
    if config is not None and not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig or None, got {type(config).__name__}")
    if model is not None:
        settings["model"] = model
    config = (config or TrainConfig()).replace("train()", **settings)
    with contextlib.ExitStack() as stack:
        strategy = make_strategy(config.strategy)
        cluster = cluster_of(strategy)
        chief = cluster is None or cluster.is_chief
        checkpoints = None if config.checkpoint_dir is None else stack.enter_context(
            CheckpointFolder(config.checkpoint_dir, config.keep_checkpoints) if cluster is None
            else checkpoint_folder(strategy, config.checkpoint_dir, config.keep_checkpoints))
        recorder = stack.enter_context(Recorder(config.log_dir if chief else None,
                                                config.log_every, config.progress if chief else False))
        train_split, eval_split = _training_data(train_data, eval_data, config.data_dir)
        if cluster is not None:
            check_same_settings(strategy, config, len(train_split[0]))
        built = _build_model(config.model, strategy, config.compute_dtype, config.seed)
        run = _Run(config, built, strategy, train_split, eval_split, checkpoints, recorder)
        return run.fit(stack.enter_context(StopSignals()))


#: The lecture's split of MNIST's 60,000 training images: the last 5,000 validate.
VALIDATION_SIZE = 5000


def _training_data(train_data: Any, eval_data: Any, data_dir: Any
                   ) -> tuple[tuple[Any, Any], tuple[Any, Any] | None]:
    if train_data is None:
        (images, labels), _ = load_mnist(data_dir)
        train_data = images[:-VALIDATION_SIZE], labels[:-VALIDATION_SIZE]
        if eval_data is None:
            eval_data = images[-VALIDATION_SIZE:], labels[-VALIDATION_SIZE:]
    train_split = _check_split("train_data", train_data)
    return train_split, None if eval_data is None else _check_split("eval_data", eval_data)


class _Run:
    """One call of [`train`][cnn_tutorial.train.train]: model, optimizer, where the run stands, what it records.

    ``fit`` runs epochs until the job is done; ``fit_epoch`` runs one (or
    what is left of it); ``save`` and ``evaluate`` are called by both.
    """

    def __init__(self, config: TrainConfig, model: Any, strategy: tf.distribute.Strategy,
                 train_data: tuple[Any, Any], eval_data: tuple[Any, Any] | None,
                 checkpoints: CheckpointFolder | None, recorder: Recorder) -> None:
        self.config, self.model, self.strategy = config, model, strategy
        self.size, self.eval_data = len(train_data[0]), eval_data
        self.checkpoints, self.recorder = checkpoints, recorder
        self.batches_per_epoch = math.ceil(self.size / config.batch_size)
        self.optimizer = make_optimizer(model, config.learning_rate, config.compute_dtype,
                                        strategy, config.decay_steps(self.batches_per_epoch))
        self.state = TrainingState(strategy)
        self.checkpoint = tf.train.Checkpoint(model=model, optimizer=self.optimizer,
                                              **self.state.variables)
        self.resumed_from_step = self._resume() if checkpoints is not None else None
        # The whole training set lives once in the pipeline, as uint8.
        with tf.device("/cpu:0"):
            self.images, self.labels = (tf.convert_to_tensor(a) for a in train_data)
        self.train_step = make_train_step(model, self.optimizer, strategy,
                                          jit_compile=config.jit_compile)
        self.epoch_stats: list[EpochStats] = []
        self.eval_accuracy: float | None = None
        self.stop = StopSignals()

    def _resume(self) -> int | None:
        signature = ModelSignature.of(self.model)
        self.checkpoints.check_signature(signature)
        restored = self.checkpoints.restore(self.checkpoint, self.state)
        self.checkpoints.write_signature(signature)
        if self.state.position >= self.size:  # data changed size since the checkpoint
            self.state.position = 0
        return self.state.step if restored else None

    def fit(self, stop: StopSignals) -> TrainResult:
        """Train until ``epochs`` (or ``max_steps``) is reached; save and re-raise on a stop."""
        self.stop = stop
        try:
            while not self.config.finished(self.state.step, self.state.epoch):
                self.fit_epoch()
        except KeyboardInterrupt as interrupt:
            self._save_on_interrupt(interrupt)
            raise
        except tf.errors.OpError as error:  # under multi-worker: another worker went away
            message = describe_failure(error, self.strategy, self.state.step,
                                       self.checkpoints.last_saved if self.checkpoints else None)
            if message is None:
                raise
            raise WorkerUnavailableError(message) from None
        if self.eval_data is not None and self.eval_accuracy is None:
            self.evaluate()  # nothing left to train (already finished): report the model
        return self.result()

    def fit_epoch(self) -> None:
        """Run the rest of the current epoch (all of it unless resumed mid-epoch)."""
        config, state = self.config, self.state
        resumed = state.position > 0
        self.recorder.start_epoch(state.epoch, config.epochs, self.batches_per_epoch,
                                  done=math.ceil(state.position / config.batch_size))
        for batch in self._epoch_dataset():
            loss, correct = self.recorder.run_step(self.train_step, batch, state.step)
            images = min(config.batch_size, self.size - state.position)
            state.step += 1
            state.position += images
            self.recorder.add(loss, correct, images, state.step, last=state.position >= self.size)
            self.stop.raise_if_requested()  # step and position agree with the optimizer here
            if state.step % config.checkpoint_every == 0:
                self.save()
            if self._max_steps_reached():
                break
        stats = self.recorder.end_epoch(state.epoch + 1, state.step, resumed)
        if state.position >= self.size:
            state.epoch, state.position = state.epoch + 1, 0
            self.save()
            self.evaluate()
            self.recorder.histograms(self.model, state.step)
            self.epoch_stats.append(dataclasses.replace(stats, eval_accuracy=self.eval_accuracy))
        elif self._max_steps_reached():  # stopped inside an epoch: save where it stands
            self.save()
            self.evaluate()
        self.stop.raise_if_requested()

    def _epoch_dataset(self) -> Any:
        seed = self.config.seed
        dataset = make_dataset(self.images, self.labels, self.config.batch_size, shuffle=True,
                               seed=None if seed is None else seed * 1_000_003 + self.state.epoch,
                               skip_examples=self.state.position,
                               reshuffle_each_iteration=False)
        if not _is_default(self.strategy):
            dataset = distribute_dataset(self.strategy, dataset)
        return dataset

    def _max_steps_reached(self) -> bool:
        return self.config.max_steps is not None and self.state.step >= self.config.max_steps

    def save(self) -> None:
        """Checkpoint the run (if it has a folder), unless the loss or a weight diverged."""
        if self.checkpoints is not None:
            self.recorder.check_healthy(self.model, self.state.step)
            self.checkpoints.save(self.checkpoint, self.state)

    def evaluate(self) -> None:
        """Accuracy of the model on ``eval_data`` now (nothing without it)."""
        if self.eval_data is not None:
            self.eval_accuracy = evaluate(self.model, *self.eval_data,
                                          self.config.eval_batch_size)
            self.recorder.eval_accuracy(self.eval_accuracy, self.state.step)

    def _save_on_interrupt(self, interrupt: KeyboardInterrupt) -> None:
        if self.checkpoints is None:
            return
        step, by = self.state.step, (f" by {interrupt}" if isinstance(
            interrupt, TrainingInterrupted) else "")
        if self.stop.signum is not None and not isinstance(interrupt, TrainingInterrupted):
            saved = f"not saved (interrupted twice); the last checkpoint is " \
                    f"{self.checkpoints.last_saved}"
        else:
            try:
                self.save()
                saved = f"checkpoint saved to {self.checkpoints.last_saved}"
            except NonFiniteLossError:
                saved = f"not saved (the loss is not finite); the last good checkpoint is " \
                        f"{self.checkpoints.last_saved}"
        print(f"interrupted at step {step}{by}; {saved}; run again with the same checkpoint "
              f"folder to resume", file=sys.stderr)

    def result(self) -> TrainResult:
        """What [`train`][cnn_tutorial.train.train] returns."""
        state = self.state
        return TrainResult(
            model=self.model, step=state.step, epoch=state.epoch,
            eval_accuracy=self.eval_accuracy, epochs=self.epoch_stats,
            history=self.recorder.history, resumed_from_step=self.resumed_from_step,
            stopped="completed" if state.epoch >= self.config.epochs else "max_steps",
            checkpoint=self.checkpoints.last_saved if self.checkpoints else None)

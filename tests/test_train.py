"""cnn_tutorial.train: the loop, resuming, checkpoints of other models, logs, distribution."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from helpers import no_dropout

from cnn_tutorial import train as train_module
from cnn_tutorial.model import ConvNet
from cnn_tutorial.train import evaluate, train


def _weights(model):
    return [v.numpy() for v in model.trainable_variables]


@pytest.mark.slow
def test_resumed_run_equals_uninterrupted_run(tiny, tmp_path):
    train_data, test_data = tiny
    straight = train(no_dropout, train_data, test_data, epochs=2, batch_size=32,
                     progress=False, log_dir=tmp_path / "logs", log_every=1)
    assert (straight.step, straight.epoch, straight.stopped) == (4, 2, "completed")
    assert [e.epoch for e in straight.epochs] == [1, 2]
    assert straight.history["step"] == [1, 2, 3, 4]
    assert straight.history["eval_step"] == [2, 4]
    assert straight.eval_accuracy == straight.epochs[-1].eval_accuracy
    assert straight.eval_accuracy == pytest.approx(evaluate(straight.model, *test_data))

    folder = tmp_path / "ckpt"
    first = train(no_dropout, train_data, test_data, epochs=2, batch_size=32, max_steps=3,
                  checkpoint_dir=folder, progress=False)
    assert (first.step, first.epoch, first.stopped) == (3, 1, "max_steps")
    assert Path(first.checkpoint).name == "ckpt-3"
    second = train(no_dropout, train_data, test_data, epochs=2, batch_size=32,
                   checkpoint_dir=folder, progress=False)
    assert second.resumed_from_step == 3
    assert (second.step, second.epoch, second.stopped) == (4, 2, "completed")
    assert second.epochs[0].resumed
    # Same batches in the same order, same optimizer state: the same weights.
    for a, b in zip(_weights(straight.model), _weights(second.model)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # A finished job run again trains nothing more.
    again = train(no_dropout, train_data, test_data, epochs=2, batch_size=32,
                  checkpoint_dir=folder, progress=False)
    assert (again.step, again.epochs) == (4, [])
    assert again.eval_accuracy == pytest.approx(second.eval_accuracy)


def test_the_evaluation_split_is_named_for_what_it_is(tiny):
    train_data, validation = tiny
    result = train(no_dropout, train_data, eval_data=validation, epochs=1, batch_size=32,
                   progress=False)
    assert {"eval_step", "eval_accuracy"} <= set(result.history)
    assert not {"test_step", "test_accuracy"} & set(result.history)
    assert result.summary()["eval_accuracy"] == result.eval_accuracy
    assert "eval_accuracy" in result.summary()["epochs"][0]


def test_test_data_still_works_with_a_deprecation_warning(tiny):
    train_data, validation = tiny
    with pytest.warns(DeprecationWarning, match=r"train\(test_data=...\) is deprecated.*"
                                                r"eval_data"):
        old = train(no_dropout, train_data, test_data=validation, epochs=1, batch_size=32,
                    progress=False)
    new = train(no_dropout, train_data, validation, epochs=1, batch_size=32, progress=False)
    assert old.eval_accuracy == pytest.approx(new.eval_accuracy)
    with pytest.warns(DeprecationWarning, match="TrainResult.test_accuracy"):
        assert old.test_accuracy == old.eval_accuracy
    with pytest.warns(DeprecationWarning, match="EpochStats.test_accuracy"):
        assert old.epochs[0].test_accuracy == old.epochs[0].eval_accuracy
    with pytest.raises(TypeError, match="both eval_data and its deprecated name test_data"):
        train(no_dropout, train_data, validation, test_data=validation, progress=False)


def test_without_data_train_holds_out_the_lecture_validation_split(monkeypatch):
    seen = {}

    class Stop(Exception):
        pass

    def fake_run(config, model, strategy, train_split, eval_split, *rest):
        seen.update(train=train_split, eval=eval_split)
        raise Stop

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (60_000, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 60_000)
    test = images[:10] // 2, labels[:10]
    monkeypatch.setattr(train_module, "load_mnist", lambda data_dir: ((images, labels), test))
    monkeypatch.setattr(train_module, "_Run", fake_run)
    with pytest.raises(Stop):
        train("lowlevel", progress=False)
    # The first 55,000 train, the last 5,000 validate; the test set is not touched.
    np.testing.assert_array_equal(seen["train"][0], images[:55_000])
    np.testing.assert_array_equal(seen["eval"][0], images[55_000:])
    np.testing.assert_array_equal(seen["eval"][1], labels[55_000:])


@pytest.mark.slow
def test_tensorboard_logs(tiny, tmp_path):
    train_data, test_data = tiny
    train("lowlevel", train_data, test_data, epochs=1, batch_size=32, progress=False,
          log_dir=tmp_path, log_every=1)
    tags: dict[str, set] = {}
    for path in tmp_path.glob("events.out.tfevents.*"):
        for event in tf.data.TFRecordDataset(str(path)).as_numpy_iterator():
            for value in tf.compat.v1.Event.FromString(event).summary.value:
                tags.setdefault(value.metadata.plugin_data.plugin_name, set()).add(value.tag)
    assert {"loss", "accuracy", "eval_accuracy"} <= tags["scalars"]
    assert {"conv1/kernel", "conv2/biases", "fc/weights", "logits/biases"} <= tags["histograms"]
    assert tags["graph_run_metadata_graph"] == {"train_step"}  # the graph, written once


@pytest.mark.slow
def test_checkpoint_of_another_model_is_refused(tiny, tmp_path):
    train_data, _ = tiny
    folder = tmp_path / "ckpt"
    train("lowlevel", train_data, None, max_steps=1, batch_size=32, checkpoint_dir=folder,
          progress=False)
    with pytest.raises(ValueError, match="holds checkpoints of a 'lowlevel' model, not of "
                                         "this 'keras' model"):
        train("keras", train_data, None, batch_size=32, checkpoint_dir=folder, progress=False)
    with pytest.raises(ValueError, match=r"variable 'logits/biases' has shape \[10\] "
                                         r"there but \[5\] here"):
        train(lambda: ConvNet(n_classes=5), train_data, None, batch_size=32,
              checkpoint_dir=folder, progress=False)
    # Without the package's note beside the checkpoint, TensorFlow's check still applies.
    (folder / "cnn_tutorial_checkpoint.json").unlink()
    with pytest.raises(ValueError, match="does not fit this model"):
        train(lambda: ConvNet(n_classes=5), train_data, None, batch_size=32,
              checkpoint_dir=folder, progress=False)


@pytest.mark.slow
def test_keyboard_interrupt_saves_a_checkpoint_and_keeps_other_files(tiny, tmp_path,
                                                                     monkeypatch, capsys):
    train_data, _ = tiny
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    real_make_dataset = train_module.make_dataset

    def interrupted_after_two_batches(*args, **kwargs):
        for index, batch in enumerate(real_make_dataset(*args, **kwargs)):
            if index == 2:
                raise KeyboardInterrupt
            yield batch

    monkeypatch.setattr(train_module, "make_dataset", interrupted_after_two_batches)
    with pytest.raises(KeyboardInterrupt):
        train("lowlevel", train_data, None, batch_size=16, checkpoint_dir=folder,
              keep_checkpoints=1, progress=False)
    assert "interrupted at step 2" in capsys.readouterr().err
    assert tf.train.latest_checkpoint(str(folder)).endswith("ckpt-2")
    assert (folder / "notes.txt").read_text() == "mine"
    monkeypatch.setattr(train_module, "make_dataset", real_make_dataset)
    resumed = train("lowlevel", train_data, None, batch_size=16, checkpoint_dir=folder,
                    keep_checkpoints=1, progress=False)
    assert (resumed.resumed_from_step, resumed.step) == (2, 4)
    assert (folder / "notes.txt").read_text() == "mine"


def test_keras_model_trains(tiny):
    train_data, test_data = tiny
    result = train("keras", train_data, test_data, epochs=1, batch_size=32, progress=False)
    assert result.step == 2 and 0.0 <= result.eval_accuracy <= 1.0
    assert np.isfinite(result.epochs[0].loss)


def test_evaluate_is_a_fraction_with_dropout_off():
    class Oracle(tf.Module):
        """Predicts class 3 for every image; records the training flag it was given."""

        def __init__(self):
            super().__init__()
            self.flags = []

        def __call__(self, images, training=False):
            self.flags.append(training)
            return tf.one_hot(tf.fill([tf.shape(images)[0]], 3), 10)

    labels = np.array([3, 3, 1, 3, 0, 3, 3, 2, 3, 3])
    oracle = Oracle()
    assert evaluate(oracle, np.zeros((10, 28, 28), np.uint8), labels, batch_size=4) == 0.7
    assert set(oracle.flags) == {False}


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 0}, ValueError, "epochs must be an integer >= 1"),
    ({"model": "cnn"}, ValueError, "model must be one of 'lowlevel', 'keras'"),
    ({"strategy": "tpu"}, ValueError, "strategy must be one of"),
    ({"learning_rate": -1}, ValueError, "learning_rate must be a positive number"),
    ({"compute_dtype": "int8"}, ValueError, "compute_dtype must be one of"),
    ({"lr_schedule": "step"}, ValueError, "lr_schedule must be one of 'cosine', 'constant'"),
    ({"train_data": (np.zeros((4, 32, 32), np.uint8), np.zeros(4))}, ValueError,
     r"train_data images must be N x 28 x 28"),
    ({"eval_data": (np.zeros((4, 28, 28), np.uint8), np.zeros(3))}, ValueError,
     r"eval_data labels must be a 1-D array with one label per image \(4\)"),
    ({"model": 42}, TypeError, "model must be one of 'lowlevel', 'keras', a model"),
])
def test_bad_arguments(tiny, kwargs, error, message):
    arguments = {"model": "lowlevel", "train_data": tiny[0], "progress": False}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        train(**arguments)


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus(tmp_path):
    """Two replicas compute the same update as one device (TF must be set up before use)."""
    script = textwrap.dedent("""
        import numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from cnn_tutorial.model import ConvNet
        from cnn_tutorial.train import make_strategy, train
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, (64, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, 64)
        strategy = make_strategy("mirrored")
        assert strategy.num_replicas_in_sync == 2, strategy.extended.worker_devices
        build = lambda: ConvNet(dropout_rate=0.0, seed=0)
        two = train(build, (x, y), (x[:16], y[:16]), batch_size=32, epochs=1,
                    strategy=strategy, progress=False, checkpoint_dir=%r)
        one = train(build, (x, y), None, batch_size=32, epochs=1, progress=False)
        assert two.step == 2 and 0 <= two.eval_accuracy <= 1
        for a, b in zip(two.model.trainable_variables, one.model.trainable_variables):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)
        print("OK", two.step)
    """) % str(tmp_path / "ckpt")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "OK 2"
    assert (tmp_path / "ckpt" / "ckpt-2.index").is_file()


@pytest.mark.slow
def test_cosine_schedule_reaches_zero_at_the_end_of_the_epochs(tiny):
    from cnn_tutorial.train import make_optimizer

    optimizer = make_optimizer(ConvNet(seed=0), 1e-3, decay_steps=4)
    rates = []
    for step in range(6):
        optimizer.iterations.assign(step)
        rates.append(float(optimizer.learning_rate))
    np.testing.assert_allclose(rates, [1e-3, 8.536e-4, 5e-4, 1.464e-4, 0, 0], atol=1e-6)

    train_data, test_data = tiny
    runs = {name: train(no_dropout, train_data, None, epochs=2, batch_size=32,
                        lr_schedule=name, progress=False)
            for name in ("cosine", "constant")}
    assert all(r.step == 4 for r in runs.values())
    # The last cosine step has a rate of 1.5e-4 instead of 1e-3: the runs differ.
    assert any(not np.allclose(a, b, atol=1e-6) for a, b in zip(
        _weights(runs["cosine"].model), _weights(runs["constant"].model)))


def _bad_pixels(kind: str) -> np.ndarray:
    images = np.random.default_rng(0).random((32, 28, 28)).astype(np.float32)
    if kind == "nan":
        images[3, 4, 5] = np.nan
    elif kind == "inf":
        images[0, 0, 0] = np.inf
    elif kind == "0-255":
        images *= 255
    elif kind == "negative":
        images -= 0.5
    return images


BAD_PIXELS = [("nan", r"images hold 1 NaN pixel value\(s\) of 25,088: the data is broken"),
              ("inf", r"images hold 1 infinite pixel value\(s\) of 25,088"),
              ("0-255", r"images must be float values in \[0, 1\] .*0..255 pixels stored as "
                        r"floats\?"),
              ("negative", r"images must be float values in \[0, 1\] .*got values from -0.5")]


@pytest.mark.parametrize("kind, message", BAD_PIXELS)
def test_bad_pixels_are_named_where_they_enter_train(kind, message):
    labels = np.zeros(32, np.int64)
    with pytest.raises(ValueError, match="train_data " + message):
        train("lowlevel", (_bad_pixels(kind), labels), None, epochs=1, batch_size=16,
              progress=False)


@pytest.mark.parametrize("kind, message", BAD_PIXELS)
def test_bad_pixels_are_named_where_they_enter_evaluate(kind, message):
    from cnn_tutorial.model import ConvNet
    from cnn_tutorial.train import evaluate

    with pytest.raises(ValueError, match=message):
        evaluate(ConvNet(seed=0), _bad_pixels(kind), np.zeros(32, np.int64))


def test_evaluate_on_all_nan_images_is_an_error_not_a_perfect_score():
    from cnn_tutorial.model import ConvNet
    from cnn_tutorial.train import evaluate

    images = np.full((20, 28, 28), np.nan, np.float32)
    with pytest.raises(ValueError, match="images hold 15,680 NaN pixel value"):  # not 1.0
        evaluate(ConvNet(seed=0), images, np.zeros(20, np.int64))

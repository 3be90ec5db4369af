"""cnn_tutorial.config: every argument of train() is checked before data loads or a model builds."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cnn_tutorial import data as data_module
from cnn_tutorial.config import TrainConfig


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 0}, ValueError, "epochs must be an integer >= 1, got 0"),
    ({"batch_size": 2.5}, TypeError, "batch_size must be an integer >= 1, got 2.5"),
    ({"max_steps": 0}, ValueError, "max_steps must be an integer >= 1"),
    ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
    ({"learning_rate": float("nan")}, ValueError, "learning_rate must be a positive number"),
    ({"learning_rate": True}, ValueError, "learning_rate must be a positive number"),
    ({"model": "cnn"}, ValueError, "model must be one of 'lowlevel', 'keras', got 'cnn'"),
    ({"model": 42}, TypeError, "model must be one of 'lowlevel', 'keras', a model"),
    ({"model": lambda: None, "compute_dtype": "float16"}, ValueError,
     "compute_dtype applies to models built by train"),
    ({"strategy": "tpu"}, ValueError, "strategy must be one of 'default', 'mirrored'"),
    ({"strategy": 3}, TypeError, "strategy must be one of .*a tf.distribute.Strategy or None"),
    ({"compute_dtype": "int8"}, ValueError, "compute_dtype must be one of 'float32'"),
    ({"lr_schedule": "step"}, ValueError, "lr_schedule must be one of 'cosine', 'constant'"),
    ({"log_dir": ""}, ValueError, "log_dir must be a folder path, got an empty string"),
    ({"checkpoint_dir": 5}, TypeError, "checkpoint_dir must be a folder path or None"),
])
def test_bad_settings_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        TrainConfig(**kwargs)


def test_paths_are_expanded_and_a_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert TrainConfig(log_dir="~/logs").log_dir == tmp_path / "logs"
    (tmp_path / "taken").write_text("")
    with pytest.raises(ValueError, match=r"^checkpoint_dir .*taken exists and is not a folder"):
        TrainConfig(checkpoint_dir=tmp_path / "taken")


def test_the_schedule_spans_every_epoch():
    assert TrainConfig(epochs=3).decay_steps(batches_per_epoch=469) == 1407
    assert TrainConfig(lr_schedule="constant").decay_steps(469) is None


def test_train_checks_its_arguments_before_loading_mnist(monkeypatch, tmp_path):
    from cnn_tutorial import train as train_module

    def no_loading(*args, **kwargs):
        raise AssertionError("MNIST was loaded before the arguments were checked")

    monkeypatch.setattr(train_module, "load_mnist", no_loading)
    monkeypatch.setattr(data_module, "load_mnist", no_loading)
    (tmp_path / "file").write_text("")
    for kwargs, error in (({"model": 42}, TypeError), ({"strategy": "tpu"}, ValueError),
                          ({"log_dir": tmp_path / "file"}, ValueError)):
        with pytest.raises(error):
            train_module.train(**kwargs)


def test_the_config_imports_no_tensorflow():
    done = subprocess.run([sys.executable, "-c", (
        "import sys\nfrom cnn_tutorial.config import TrainConfig\nTrainConfig(epochs=2)\n"
        "print('tensorflow' in sys.modules)")], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "False", done.stderr[-2000:]

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


# -- one source: the fields define the settings, the parser and train() follow ------------

def _train_actions():
    import argparse

    from cnn_tutorial import cli

    sub = next(a for a in cli.build_parser()._actions
               if isinstance(a, argparse._SubParsersAction))
    return {a.option_strings[-1]: a for a in sub.choices["train"]._actions if a.option_strings}


def test_every_field_is_documented_in_order():
    import dataclasses
    import inspect
    import re

    doc = inspect.getdoc(TrainConfig)
    section = doc.split("Attributes:\n", 1)[1].split("\n\n", 1)[0]
    documented = re.findall(r"^    (\w+):", section, flags=re.MULTILINE)
    assert documented == [field.name for field in dataclasses.fields(TrainConfig)]


def test_the_train_options_are_generated_from_the_fields():
    import dataclasses

    actions = _train_actions()
    flagged = 0
    for field in dataclasses.fields(TrainConfig):
        setting = field.metadata["setting"]
        if setting.flag is None:
            assert not any(field.name.replace("_", "-") in flag for flag in actions), field.name
            continue
        flagged += 1
        action = actions[setting.flag]
        assert action.help == setting.help, field.name
        if setting.kind == "switch":
            assert action.const is True and action.default is False
        else:
            assert action.default == field.default, field.name
            assert action.choices == (setting.choices or None), field.name
    assert flagged == 15


def test_the_options_give_the_fields_values():
    from cnn_tutorial import cli

    args = cli.build_parser().parse_args(
        ["train", "--xla", "--no-progress", "--seed", "3", "--precision", "bfloat16",
         "--max-steps", "7", "--log-dir", "~/logs"])
    settings = cli._settings_of(args)
    assert (settings["jit_compile"], settings["progress"], settings["seed"],
            settings["compute_dtype"], settings["max_steps"]) == (True, False, 3, "bfloat16", 7)
    defaults = cli._settings_of(cli.build_parser().parse_args(["train"]))
    assert TrainConfig(**defaults) == TrainConfig(data_dir=None)
    assert defaults["progress"] is None and defaults["jit_compile"] is False


def test_the_integer_ranges_come_from_the_fields(capsys):
    from cnn_tutorial import cli

    with pytest.raises(SystemExit) as exited:
        cli.build_parser().parse_args(["train", "--seed", "-1"])
    assert exited.value.code == 2
    assert "--seed: expected an integer >= 0, got '-1'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        TrainConfig(seed=-1)


def test_replace_checks_names_and_values():
    config = TrainConfig(epochs=2)
    assert config.replace(batch_size=64) == TrainConfig(epochs=2, batch_size=64)
    with pytest.raises(TypeError, match=r"^TrainConfig.replace\(\) got an unknown setting "
                                        r"'batchsize' \(did you mean 'batch_size'\?\); expected "
                                        r"fields of TrainConfig: model, epochs, "):
        config.replace(batchsize=64)
    with pytest.raises(TypeError, match=r"^TrainConfig.replace\(\) got an unknown setting "
                                        r"'colour'; expected"):
        config.replace(colour="red")
    with pytest.raises(ValueError, match="epochs must be an integer >= 1, got 0"):
        config.replace(epochs=0)


def test_a_setting_kind_is_checked():
    from cnn_tutorial.config import Setting

    with pytest.raises(ValueError, match="kind must be one of 'integer', "):
        Setting("int", "help")


def test_train_takes_the_object_and_checks_its_keywords(monkeypatch):
    import inspect

    from cnn_tutorial import train as train_module

    def no_loading(*args, **kwargs):
        raise AssertionError("MNIST was loaded before the arguments were checked")

    monkeypatch.setattr(train_module, "load_mnist", no_loading)
    # No setting is restated in the signature: they are TrainConfig's fields.
    assert list(inspect.signature(train_module.train).parameters) == [
        "model", "train_data", "eval_data", "config", "test_data", "settings"]
    with pytest.raises(TypeError, match=r"^train\(\) got an unknown setting 'epoch' \(did you "
                                        r"mean 'epochs'\?\)"):
        train_module.train(config=TrainConfig(), epoch=2)
    with pytest.raises(TypeError, match=r"^config must be a TrainConfig or None, got dict$"):
        train_module.train(config={"epochs": 2})
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        train_module.train(config=TrainConfig(epochs=2), batch_size=0)


def test_a_model_function_that_returns_no_model_is_named():
    import numpy as np

    from cnn_tutorial.train import train

    data = np.zeros((4, 28, 28), np.uint8), np.zeros(4, np.int64)
    with pytest.raises(TypeError, match=r"^model is a function that returned int; it must "
                                        r"return a model \(ConvNet or keras.Model\)$"):
        train(lambda: 42, data, progress=False)

"""The cnn-tutorial command: help, errors, kernels, shape, and train killed and resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cnn_tutorial import __version__, cli
from cnn_tutorial.data import _write_idx_folder_for_examples


def run_main(capsys, *argv):
    try:
        status = cli.main(list(argv))
    except SystemExit as exit_:
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("argv", [[], ["kernels"], ["shape"], ["train"]])
def test_help_everywhere(capsys, argv):
    status, out, _ = run_main(capsys, *argv, "--help")
    assert status == 0 and out.startswith("usage: cnn-tutorial")


def test_train_help_lists_the_options(capsys):
    _, out, _ = run_main(capsys, "train", "--help")
    for option in ("--data-dir", "--epochs", "--batch-size", "--model", "--log-dir",
                   "--checkpoint-dir", "--max-steps", "--strategy", "--json", "--lr-schedule"):
        assert option in out


def test_cli_schedules_are_the_trainers():
    """cli.py names them without importing TensorFlow; they must stay in step."""
    import argparse

    from cnn_tutorial import cli
    from cnn_tutorial.train import LR_SCHEDULES

    parser = cli.build_parser()
    train_parser = next(a for a in parser._subparsers._group_actions
                        if isinstance(a, argparse._SubParsersAction)).choices["train"]
    action = next(a for a in train_parser._actions if a.dest == "lr_schedule")
    assert tuple(action.choices) == LR_SCHEDULES and action.default == LR_SCHEDULES[0]


def test_version(capsys):
    status, out, _ = run_main(capsys, "--version")
    assert (status, out.strip()) == (0, f"cnn-tutorial {__version__}")


def test_choices_match_the_package():
    from cnn_tutorial.train import MODELS, STRATEGIES

    actions = {a.dest: a for sub in cli.build_parser()._subparsers._group_actions
               for a in sub.choices["train"]._actions}
    assert tuple(actions["model"].choices) == MODELS
    assert tuple(actions["strategy"].choices) == STRATEGIES


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: COMMAND"),
    (["fly"], "invalid choice: 'fly'"),
    (["train", "--epochs", "0"], "--epochs: expected an integer >= 1, got '0'"),
    (["train", "--model", "resnet"], "--model: invalid choice: 'resnet'"),
    (["train", "--strategy", "tpu"], "--strategy: invalid choice: 'tpu'"),
    (["shape", "conv:8"], "layer 'conv:8' must be conv:FILTERS:KERNEL"),
    (["shape", "--input", "5x5"], "--input must be HxWxC"),
    (["kernels", "no-such-photo.png"], "image no-such-photo.png does not exist"),
    (["kernels", "--output", "figure.jpg"], "--output must end in .png"),
])
def test_bad_input_is_one_line_and_status_2(capsys, argv, message):
    status, out, err = run_main(capsys, *argv)
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_train_with_a_folder_without_mnist(capsys, tmp_path):
    status, _, err = run_main(capsys, "train", "--data-dir", str(tmp_path))
    assert status == 2 and "has none of the four IDX files" in err
    assert len(err.strip().splitlines()) == 1


def test_shape_of_the_lecture_network(capsys):
    status, out, _ = run_main(capsys, "shape")
    lines = out.splitlines()
    assert status == 0
    assert lines[2].split() == ["conv1", "conv", "28", "x", "28", "x", "32", "832"]
    assert lines[-1].split() == ["total", "3274634"]


def test_kernels_writes_a_png(capsys, tmp_path):
    output = tmp_path / "out" / "kernels.png"
    status, out, _ = run_main(capsys, "kernels", "--size", "32", "-o", str(output))
    assert status == 0 and "6 kernels on a 32x32 image" in out
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_kernels_on_an_image_file(capsys, tmp_path):
    import matplotlib.image
    import numpy as np

    photo = tmp_path / "photo.png"
    matplotlib.image.imsave(photo, np.random.default_rng(0).random((40, 30, 3)))
    status, out, _ = run_main(capsys, "kernels", str(photo), "--color", "--stride", "3",
                              "-o", str(tmp_path / "k.png"))
    assert status == 0 and "on a 40x30x3 image" in out


def _train_command(data: Path, checkpoints: Path) -> list[str]:
    return [sys.executable, "-m", "cnn_tutorial", "train", "--data-dir", str(data),
            "--checkpoint-dir", str(checkpoints), "--checkpoint-every", "2", "--epochs", "3",
            "--batch-size", "16", "--json", "--no-progress"]


def _latest_step(checkpoints: Path) -> int | None:
    state = checkpoints / "checkpoint"
    if not state.is_file():
        return None
    for line in state.read_text().splitlines():
        if line.startswith("model_checkpoint_path:"):
            return int(line.split('"')[1].rsplit("-", 1)[1])
    return None


def test_train_killed_then_resumed(tmp_path):
    """SIGKILL after the first checkpoint; the same command resumes at its step and finishes."""
    data = _write_idx_folder_for_examples(tmp_path / "data", train=256, test=32)
    checkpoints = tmp_path / "ckpt"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("CNN_TUTORIAL_DATA_DIR", None)
    process = subprocess.Popen(_train_command(data, checkpoints), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    try:
        # No time bound: wait for the checkpoint (or for the process to end).
        while _latest_step(checkpoints) is None and process.poll() is None:
            time.sleep(0.02)
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    killed_at = _latest_step(checkpoints)
    assert killed_at is not None and killed_at < 48  # 3 epochs x 16 batches

    done = subprocess.run(_train_command(data, checkpoints), capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert f"resumed from step {killed_at}" in lines
    assert summary["resumed_from_step"] == killed_at
    assert (summary["step"], summary["epoch"], summary["stopped"]) == (48, 3, "completed")
    assert 0.0 <= summary["test_accuracy"] <= 1.0
    assert summary["seconds_per_epoch"] > 0
    assert _latest_step(checkpoints) == 48


def test_train_max_steps_and_limit(capsys, tmp_path, monkeypatch):
    data = _write_idx_folder_for_examples(tmp_path / "data", train=64, test=16)
    status, out, _ = run_main(capsys, "train", "--data-dir", str(data), "--max-steps", "3",
                              "--batch-size", "8", "--limit", "40", "--json", "--no-progress",
                              "--model", "keras")
    assert status == 0
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["step"], summary["epoch"], summary["stopped"]) == (3, 0, "max_steps")
    assert "stopped at step 3 (--max-steps)" in out


# --- quiet logs: TensorFlow's C++ start-up lines never reach the user ---------------------

_STARTUP_MARKERS = ("absl::InitializeLog", "oneDNN custom operations", "cuda drivers",
                    "cuInit", "cpu_feature_guard")


def _clean_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(Path(cli.__file__).parents[1])}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the user's default: nothing set
    env.pop("CNN_TUTORIAL_DATA_DIR", None)
    return env


def test_cli_prints_no_tensorflow_startup_lines(tmp_path):
    env = _clean_env()
    control = subprocess.run(
        [sys.executable, "-c", "import tensorflow as tf; tf.config.list_physical_devices()"],
        capture_output=True, text=True, env=env)
    if not any(marker in control.stderr for marker in _STARTUP_MARKERS):
        pytest.skip("this TensorFlow prints no start-up lines: nothing to silence")
    done = subprocess.run(
        [sys.executable, "-m", "cnn_tutorial", "kernels", "--size", "16", "-o",
         str(tmp_path / "k.png")], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    noise = [line for line in done.stderr.splitlines()
             if any(marker in line for marker in _STARTUP_MARKERS)]
    assert noise == [] and done.stderr == ""


def test_quiet_stderr_still_lets_real_errors_through():
    code = (
        "import os, sys\n"
        "from cnn_tutorial._quiet import quiet_stderr\n"
        "with quiet_stderr():\n"
        "    os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called '\n"
        "                b'are written to STDERR\\n')\n"
        "    os.write(2, b'I0000 00:00:1796083038.517958    7700 cudart_stub.cc:31] Could '\n"
        "                b'not find cuda drivers on your machine, GPU will not be used.\\n')\n"
        "    os.write(2, b'E0000 00:00:1796083038.5 7700 loader.cc:9] libfoo.so: bad ELF\\n')\n"
        "    print('a Python warning', file=sys.stderr)\n"
        "    try:\n"
        "        with quiet_stderr():\n"
        "            raise KeyboardInterrupt\n"
        "    except KeyboardInterrupt:\n"
        "        pass\n"
        "print('after', file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_clean_env())
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        "E0000 00:00:1796083038.5 7700 loader.cc:9] libfoo.so: bad ELF", "a Python warning",
        "after"]


def test_cli_errors_after_the_quiet_import_are_printed(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "cnn_tutorial", "kernels", "--stride", "2", "-o",
         str(tmp_path / "k.png"), str(tmp_path / "missing.png")],
        capture_output=True, text=True, env=_clean_env())
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"cnn-tutorial: error: image {tmp_path / 'missing.png'} does not exist"]

"""The cnn-tutorial command: help, errors, kernels, shape, and train killed and resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import write_idx_folder

from cnn_tutorial import __version__, cli


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
            "--batch-size", "16", "--validation", "32", "--json", "--no-progress"]


def _latest_step(checkpoints: Path) -> int | None:
    state = checkpoints / "checkpoint"
    if not state.is_file():
        return None
    for line in state.read_text().splitlines():
        if line.startswith("model_checkpoint_path:"):
            return int(line.split('"')[1].rsplit("-", 1)[1])
    return None


@pytest.mark.slow
def test_train_killed_then_resumed(tmp_path):
    """SIGKILL after the first checkpoint; the same command resumes at its step and finishes."""
    data = write_idx_folder(tmp_path / "data", train=288, test=32)
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
    assert summary["split"] == {"train": 256, "validation": 32, "test": 32}
    assert 0.0 <= summary["eval_accuracy"] <= 1.0 and 0.0 <= summary["test_accuracy"] <= 1.0
    assert summary["seconds_per_epoch"] > 0
    assert _latest_step(checkpoints) == 48


@pytest.mark.slow
def test_train_max_steps_and_limit(capsys, tmp_path, monkeypatch):
    data = write_idx_folder(tmp_path / "data", train=64, test=16)
    status, out, _ = run_main(capsys, "train", "--data-dir", str(data), "--max-steps", "3",
                              "--batch-size", "8", "--limit", "40", "--json", "--no-progress",
                              "--model", "keras")
    assert status == 0
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["step"], summary["epoch"], summary["stopped"]) == (3, 0, "max_steps")
    assert "stopped at step 3 (--max-steps)" in out


def test_train_validates_on_held_out_training_images_and_tests_once(capsys, tmp_path):
    """The lecture's split: the last twelfth of the training images, never trained on."""
    data = write_idx_folder(tmp_path / "data", train=48, test=8)
    status, out, _ = run_main(capsys, "train", "--data-dir", str(data), "--epochs", "2",
                              "--batch-size", "16", "--json", "--no-progress")
    assert status == 0
    lines = out.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["split"] == {"train": 44, "validation": 4, "test": 8}
    assert summary["step"] == 2 * 3  # 44 images in batches of 16: 3 a epoch
    assert [e["eval_accuracy"] * 4 % 1 for e in summary["epochs"]] == [0, 0]  # of 4 images
    assert summary["test_accuracy"] * 8 % 1 == 0                               # of 8 images
    assert sum("validation accuracy" in line for line in lines) == 2
    assert sum(line.startswith("test accuracy") for line in lines) == 1


def test_train_validation_must_leave_training_images(capsys, tmp_path):
    data = write_idx_folder(tmp_path / "data", train=16, test=8)
    status, _, err = run_main(capsys, "train", "--data-dir", str(data), "--validation", "16")
    assert status == 2
    assert err.strip() == ("cnn-tutorial: error: --validation must be smaller than the 16 "
                           "training images, got 16")


# --- quiet logs: TensorFlow's C++ start-up lines never reach the user ---------------------

_STARTUP_MARKERS = ("absl::InitializeLog", "oneDNN custom operations", "cuda drivers",
                    "cuInit", "cpu_feature_guard")


def _clean_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(Path(cli.__file__).parents[1])}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the user's default: nothing set
    env.pop("CNN_TUTORIAL_DATA_DIR", None)
    return env


@pytest.mark.slow
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


@pytest.mark.slow
def test_cli_errors_after_the_quiet_import_are_printed(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "cnn_tutorial", "kernels", "--stride", "2", "-o",
         str(tmp_path / "k.png"), str(tmp_path / "missing.png")],
        capture_output=True, text=True, env=_clean_env())
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"cnn-tutorial: error: image {tmp_path / 'missing.png'} does not exist"]


# --- main() is the last line of defence: one line, exit 2 / 1 / 130 -------------------------

def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def run_main_no_interrupt(capsys, *argv):
    """run_main, but a KeyboardInterrupt that escapes main() fails the test (not pytest)."""
    try:
        return run_main(capsys, *argv)
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped cli.main()")


@pytest.mark.parametrize("argv, message", [
    (["kernels", "--stride", str(10**20)], "--stride: expected an integer from 1 to 8192"),
    (["kernels", "--size", str(10**20)], "--size: expected an integer from 1 to 8192"),
    (["train", "--threads", "100000"], f"--threads: expected an integer from 0 to "
                                       f"{cli.MAX_THREADS}"),
    (["train", "--seed", str(10**20)], "--seed: expected an integer from 0 to 2147483647"),
    (["train", "--batch-size", str(10**20)], "--batch-size: expected an integer from 1 to"),
    (["train", "--data-dir", ""], "--data-dir: expected a path, got an empty string"),
    (["train", "--log-dir", " "], "--log-dir: expected a path, got an empty string"),
    (["kernels", "-o", ""], "--output: expected a path, got an empty string"),
])
def test_out_of_range_and_empty_arguments(capsys, argv, message):
    status, _, err = run_main(capsys, *argv)
    assert status == 2 and message in _one_line(err)


def test_paths_expand_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    args = cli.build_parser().parse_args(
        ["train", "--log-dir", "~/logs", "--checkpoint-dir", "~/ckpt", "--data-dir", "~/data"])
    assert (args.log_dir, args.checkpoint_dir, args.data_dir) == (
        tmp_path / "logs", tmp_path / "ckpt", tmp_path / "data")
    assert cli.build_parser().parse_args(["kernels", "-o", "~/k.png"]).output == \
        tmp_path / "k.png"


def test_log_dir_naming_a_file(capsys, tmp_path):
    data = write_idx_folder(tmp_path / "data", train=16, test=8)
    (tmp_path / "file").write_text("")
    status, _, err = run_main(capsys, "train", "--data-dir", str(data), "--log-dir",
                              str(tmp_path / "file"), "--max-steps", "1", "--no-progress")
    assert status == 2
    assert _one_line(err) == (f"cnn-tutorial: error: --log-dir {tmp_path / 'file'} exists and "
                              f"is not a folder")


@pytest.mark.parametrize("option", ["--checkpoint-dir", "--log-dir"])
def test_folder_under_a_file(capsys, tmp_path, option):
    (tmp_path / "file").write_text("")
    status, _, err = run_main(capsys, "train", option, str(tmp_path / "file" / "sub"))
    assert status == 2
    assert f"{option} {tmp_path / 'file' / 'sub'} cannot be created because " \
           f"{tmp_path / 'file'} is a file, not a folder" in _one_line(err)


def test_kernels_output_naming_a_folder_or_a_path_under_a_file(capsys, tmp_path):
    (tmp_path / "figure.png").mkdir()
    status, _, err = run_main(capsys, "kernels", "-o", str(tmp_path / "figure.png"))
    assert status == 2
    assert "--output names the folder" in _one_line(err)
    (tmp_path / "file").write_text("")
    status, _, err = run_main(capsys, "kernels", "-o", str(tmp_path / "file" / "k.png"))
    assert status == 2
    assert f"because {tmp_path / 'file'} is a file, not a folder" in _one_line(err)


def _refuse_writes_in(monkeypatch, folder: Path, error_number: int = 30):
    """Simulate a read-only folder (tests run as root, where chmod does not stop writes)."""
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == folder:
            raise OSError(error_number, os.strerror(error_number), str(folder))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize("argv_for", [
    lambda folder: ["train", "--checkpoint-dir", str(folder)],
    lambda folder: ["train", "--log-dir", str(folder)],
    lambda folder: ["kernels", "-o", str(folder / "k.png")],
])
def test_read_only_output_folders_simulated(capsys, monkeypatch, tmp_path, argv_for):
    folder = tmp_path / "read-only"
    folder.mkdir()
    _refuse_writes_in(monkeypatch, folder)
    argv = argv_for(folder)
    status, _, err = run_main(capsys, *argv)
    option = argv[1] if argv[0] == "train" else "--output"
    assert status == 1
    assert _one_line(err) == (f"cnn-tutorial: error: {option} {folder} cannot be written: "
                              f"Read-only file system")


def _in_a_small_tmpfs(mount: Path, command: list[str], options: str, listing: str = ""):
    """Run ``command`` with a tmpfs at ``mount`` (own user and mount namespace), or skip.

    With ``listing``, that folder's entries follow a ``--- listing`` line on stdout
    (the file system is gone once the namespace ends).
    """
    import shlex
    import shutil

    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) to mount a test file system")
    mount.mkdir()
    script = f"mount -t tmpfs -o {options} tmpfs {shlex.quote(str(mount))} || exit 99; "
    if listing:
        script += (f"{shlex.join(command)}; status=$?; echo '--- listing'; "
                   f"ls -A {shlex.quote(listing)}; exit $status")
    else:
        script += f"exec {shlex.join(command)}"
    env = _clean_env()
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True,
                          text=True, env=env)
    if done.returncode == 99 or "unshare:" in done.stderr:
        pytest.skip(f"cannot mount a test file system here: {done.stderr.strip()[:200]}")
    return done


def test_read_only_file_system_for_real(tmp_path):
    mount = tmp_path / "ro"
    command = [sys.executable, "-m", "cnn_tutorial", "train", "--checkpoint-dir",
               str(mount / "ckpt"), "--max-steps", "1"]
    done = _in_a_small_tmpfs(mount, command, "size=1m,ro")
    assert done.returncode == 1
    assert _one_line(done.stderr) == (f"cnn-tutorial: error: --checkpoint-dir {mount / 'ckpt'} "
                                      f"cannot be created: Read-only file system")


@pytest.mark.slow
def test_full_disk_while_saving_a_checkpoint(tmp_path):
    data = write_idx_folder(tmp_path / "data", train=16, test=8)
    mount = tmp_path / "small"
    command = [sys.executable, "-m", "cnn_tutorial", "train", "--data-dir", str(data),
               "--checkpoint-dir", str(mount / "ckpt"), "--max-steps", "1", "--batch-size", "8",
               "--no-progress"]
    # A checkpoint takes ~39 MB.
    done = _in_a_small_tmpfs(mount, command, "size=1m", listing=str(mount / "ckpt"))
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert line.startswith("cnn-tutorial: error: --checkpoint-dir: ")
    assert "no space left on" in line.lower() and "function_node" not in line
    output, listing = done.stdout.split("--- listing\n")
    assert output == ""
    assert not [name for name in listing.split() if name.startswith("ckpt-")]  # no *_temp


def test_environment_failure_inside_training_names_the_option(capsys, monkeypatch, tmp_path):
    import errno

    import cnn_tutorial.train

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device",
                      str(tmp_path / "ckpt" / "ckpt-1.index"))

    data = write_idx_folder(tmp_path / "data", train=16, test=8)
    monkeypatch.setattr(cnn_tutorial.train, "train", full_disk)
    status, _, err = run_main(capsys, "train", "--data-dir", str(data), "--checkpoint-dir",
                              str(tmp_path / "ckpt"))
    assert status == 1
    assert _one_line(err) == (f"cnn-tutorial: error: --checkpoint-dir: no space left on the "
                              f"device while writing {tmp_path / 'ckpt' / 'ckpt-1.index'}")


def test_cache_dir_naming_a_file(capsys, monkeypatch, tmp_path):
    (tmp_path / "file").write_text("")
    monkeypatch.delenv("CNN_TUTORIAL_DATA_DIR", raising=False)
    monkeypatch.setenv("CNN_TUTORIAL_CACHE_DIR", str(tmp_path / "file"))
    status, _, err = run_main(capsys, "train", "--max-steps", "1")
    assert status == 2
    assert _one_line(err) == (f"cnn-tutorial: error: the MNIST cache folder {tmp_path / 'file'} "
                              f"(set by CNN_TUTORIAL_CACHE_DIR) is a file; expected a folder "
                              f"(or nothing there yet)")


def test_ctrl_c_while_data_loads(capsys, monkeypatch, tmp_path):
    import cnn_tutorial.data

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cnn_tutorial.data, "load_mnist", interrupted)
    status, _, err = run_main_no_interrupt(capsys, "train", "--data-dir", str(tmp_path))
    assert status == 130 and _one_line(err) == "cnn-tutorial: interrupted"


def test_ctrl_c_before_training_starts(capsys, monkeypatch):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "import_tensorflow", interrupted)
    status, _, err = run_main_no_interrupt(capsys, "train")
    assert status == 130 and _one_line(err) == "cnn-tutorial: interrupted"


@pytest.mark.parametrize("breakage", ["folder", "list", "garbage"])
def test_broken_checkpoint_metadata(capsys, tmp_path, breakage):
    data = write_idx_folder(tmp_path / "data", train=16, test=8)
    checkpoints = tmp_path / "ckpt"
    argv = ["train", "--data-dir", str(data), "--checkpoint-dir", str(checkpoints),
            "--batch-size", "8", "--no-progress"]
    status, _, err = run_main(capsys, *argv, "--max-steps", "1")
    assert status == 0, err
    (metadata,) = checkpoints.glob("*.json")
    metadata.unlink()
    if breakage == "folder":
        metadata.mkdir()
    else:
        metadata.write_text("[1, 2]" if breakage == "list" else "{not json")
    status, _, err = run_main(capsys, *argv, "--max-steps", "2")
    assert status == 2
    assert metadata.name in _one_line(err)


# --- hostile images: refused from their header, before decoding -----------------------------

def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A small PNG file whose header declares width x height gray pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    row = bytes(1 + width)  # filter byte + one gray row, repeated by deflate
    compressor = zlib.compressobj(9)
    idat = compressor.compress(row * 64) + compressor.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("side, message", [
    (20_000, "declares more pixels than the 50,000,000 accepted"),
    (8_000, "is 8000 x 8000 pixels; at most 50,000,000 pixels are accepted"),
])
def test_kernels_refuses_huge_images_before_decoding(capsys, tmp_path, side, message):
    image = _png_header_only(tmp_path / "huge.png", side, side)
    assert image.stat().st_size < 600_000
    status, _, err = run_main(capsys, "kernels", str(image), "-o", str(tmp_path / "k.png"))
    assert status == 2 and message in _one_line(err)
    assert not (tmp_path / "k.png").exists()


def test_kernels_on_a_gray_image_and_a_broken_one(capsys, tmp_path):
    from PIL import Image

    Image.new("L", (30, 20), 128).save(tmp_path / "gray.png")
    status, out, _ = run_main(capsys, "kernels", str(tmp_path / "gray.png"), "--color",
                              "-o", str(tmp_path / "k.png"))
    assert status == 0 and "on a 20x30 image" in out
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    status, _, err = run_main(capsys, "kernels", str(tmp_path / "broken.png"),
                              "-o", str(tmp_path / "k.png"))
    assert status == 2 and "could not be read as an image" in _one_line(err)


@pytest.mark.parametrize("make, message", [
    (lambda path: path.mkdir(), "is a folder; expected an image file"),
    (lambda path: os.mkfifo(path), "is not a regular file; expected an image file"),
])
def test_kernels_image_that_is_not_a_file(capsys, tmp_path, make, message):
    image = tmp_path / "photo.png"
    make(image)
    status, _, err = run_main(capsys, "kernels", str(image), "-o", str(tmp_path / "k.png"))
    assert status == 2 and message in _one_line(err)


def test_an_interrupted_training_run_is_reported_once(capsys, monkeypatch, tmp_path):
    import signal

    import cnn_tutorial.train
    from cnn_tutorial.interrupts import TrainingInterrupted

    def stopped(*args, **kwargs):
        print("interrupted at step 3 by SIGTERM; checkpoint saved to x", file=sys.stderr)
        raise TrainingInterrupted(signal.SIGTERM)

    data = write_idx_folder(tmp_path / "data", train=16, test=8)
    monkeypatch.setattr(cnn_tutorial.train, "train", stopped)
    status, _, err = run_main_no_interrupt(capsys, "train", "--data-dir", str(data))
    assert status == 130
    assert _one_line(err) == "interrupted at step 3 by SIGTERM; checkpoint saved to x"


def test_kernels_scales_a_large_image_down_to_what_it_filters(capsys, tmp_path, monkeypatch):
    from PIL import Image

    # The real cap (2048 x 2048) costs about 2 GB; the same logic at 64 x 64 costs nothing.
    monkeypatch.setattr(cli, "MAX_FILTER_PIXELS", 64 * 64)
    photo = tmp_path / "large.png"
    Image.new("RGB", (300, 120), (200, 30, 90)).save(photo)
    status, out, err = run_main(capsys, "kernels", str(photo), "--color", "-o",
                                str(tmp_path / "k.png"))
    assert status == 0 and "on a 40x101x3 image" in out
    assert f"image {photo} is 300 x 120 pixels; filtering it scaled down to 101 x 40" in err
    # --size above the cap is lowered, the centre square still cut first.
    status, out, err = run_main(capsys, "kernels", str(photo), "--size", "500", "-o",
                                str(tmp_path / "k.png"))
    assert status == 0 and "on a 64x64 image" in out
    assert "--size 500 is more than the 64 x 64 pixels filtered" in err
    status, out, _ = run_main(capsys, "kernels", "--size", "100", "-o", str(tmp_path / "k.png"))
    assert status == 0 and "on a 64x64 image" in out  # the sample photo too


def test_the_filter_cap_keeps_colour_images_near_2_gb():
    # About 500 bytes per pixel in colour (measured, see MAX_FILTER_PIXELS).
    assert 500 * cli.MAX_FILTER_PIXELS <= 2.2e9
    assert cli.MAX_FILTER_PIXELS < cli.MAX_IMAGE_PIXELS


@pytest.mark.parametrize("option", ["--checkpoint-dir", "--log-dir"])
def test_a_folder_name_that_is_not_utf8_fails_at_start(capsys, tmp_path, option):
    folder = tmp_path / os.fsdecode(b"runs-\xff")
    # No MNIST here: the check must come before the data (and the hour of training).
    status, _, err = run_main(capsys, "train", option, str(folder), "--data-dir",
                              str(tmp_path / "no-data"), "--max-steps", "1")
    assert status == 2
    assert f"{option} {os.fsencode(folder)!r} is not a valid UTF-8 name" in err
    assert not folder.exists()

"""Checkpoints are never lost or silently mixed: folder names, broken files, signals, locks, disks.

Every test trains on the ``tiny`` fixture of ``conftest.py`` (64 random 28 x 28 images,
in batches of 16: four steps per epoch) and goes through :func:`cnn_tutorial.train.train`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tensorflow as tf
from helpers import no_dropout, write_idx_folder

from cnn_tutorial import cli
from cnn_tutorial import train as train_module
from cnn_tutorial.model import ConvNet
from cnn_tutorial.train import train

pytestmark = pytest.mark.slow  # subprocesses, signals and training steps

STEP_KEY = "step/.ATTRIBUTES/VARIABLE_VALUE"


def _run(tiny, folder, **kwargs):
    arguments = {"batch_size": 16, "checkpoint_every": 1, "progress": False,
                 "checkpoint_dir": folder, "epochs": 2}
    arguments.update(kwargs)
    return train(no_dropout, tiny[0], None, **arguments)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _indexes(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".index"))


def _saved(prefix: str | Path) -> dict[str, int]:
    """The global step and the optimizer's iteration count stored in a checkpoint."""
    reader = tf.train.load_checkpoint(str(prefix))
    keys = reader.get_variable_to_shape_map()
    iterations = [k for k in keys if k.startswith("optimizer/") and "iteration" in k]
    assert len(iterations) == 1, sorted(keys)
    return {"step": int(reader.get_tensor(STEP_KEY)),
            "iterations": int(reader.get_tensor(iterations[0]))}


def test_glob_characters_in_the_folder_name_touch_no_other_folder(tiny, tmp_path):
    plain, globby = tmp_path / "runs1", tmp_path / "runs[1]"
    _run(tiny, plain, max_steps=4)
    before = _files(plain)
    assert _indexes(plain) == ["ckpt-2.index", "ckpt-3.index", "ckpt-4.index"]

    first = _run(tiny, globby, max_steps=6)
    assert _files(plain) == before  # TensorFlow's rotation deleted these by glob
    assert _indexes(globby) == ["ckpt-4.index", "ckpt-5.index", "ckpt-6.index"]
    resumed = _run(tiny, globby, max_steps=7)
    assert (first.step, resumed.resumed_from_step, resumed.step) == (6, 6, 7)
    assert _files(plain) == before


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_a_lost_state_file_resumes_from_the_newest_checkpoint(tiny, tmp_path, capsys, damage):
    folder = tmp_path / "ckpt"
    _run(tiny, folder, max_steps=3)
    state = folder / "checkpoint"
    if damage == "missing":
        state.unlink()
    else:
        state.write_bytes(b"\xff\xfe not a state file \x00")
    kept = {name: data for name, data in _files(folder).items() if name.startswith("ckpt-")}

    resumed = _run(tiny, folder, max_steps=4)
    assert (resumed.resumed_from_step, resumed.step) == (3, 4)
    assert "state file 'checkpoint' is missing or unreadable" in capsys.readouterr().err
    after = _files(folder)
    assert {name: after[name] for name in kept if name in after} == {
        name: data for name, data in kept.items() if name in after}
    assert tf.train.latest_checkpoint(str(folder)).endswith("ckpt-4")


def test_a_truncated_newest_checkpoint_falls_back_to_the_previous_one(tiny, tmp_path, capsys):
    folder = tmp_path / "ckpt"
    _run(tiny, folder, max_steps=3)
    newest = folder / "ckpt-3.data-00000-of-00001"
    newest.write_bytes(newest.read_bytes()[:1000])

    resumed = _run(tiny, folder, max_steps=4)
    assert (resumed.resumed_from_step, resumed.step) == (2, 4)
    err = capsys.readouterr().err
    assert "ckpt-3 is unreadable" in err and "resuming from the previous checkpoint, ckpt-2" in err
    assert (folder / "ckpt-3.data-00000-of-00001.unreadable").is_file()  # kept, set aside
    assert _saved(folder / "ckpt-4") == {"step": 4, "iterations": 4}


def test_no_readable_checkpoint_is_one_clear_error(tiny, tmp_path):
    folder = tmp_path / "ckpt"
    _run(tiny, folder, max_steps=2, keep_checkpoints=2)
    for data in folder.glob("ckpt-*.data-*"):
        data.write_bytes(b"")
    with pytest.raises(ValueError, match=r"has no readable checkpoint \(ckpt-2: .*; ckpt-1: "):
        _run(tiny, folder, max_steps=4)
    assert sorted(p.name for p in folder.glob("ckpt-*.index")) == ["ckpt-1.index",
                                                                   "ckpt-2.index"]


class _Guard(Exception):
    """Raised by the test's own handler: the signal reached it instead of train()'s."""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_during_a_step_saves_a_consistent_checkpoint(tiny, tmp_path, monkeypatch,
                                                              capsys, signum):
    folder = tmp_path / "ckpt"
    real_make_train_step = train_module.make_train_step

    def step_signalled_at_the_third_batch(*args, **kwargs):
        step = real_make_train_step(*args, **kwargs)
        calls = []

        def signalled(batch):
            result = step(batch)  # the optimizer has applied this batch...
            calls.append(1)
            if len(calls) == 3:
                os.kill(os.getpid(), signum)  # ...when the signal comes
            return result

        return signalled

    def guard(*_):
        raise _Guard

    if signum == signal.SIGINT:
        guard = signal.default_int_handler  # Python's own: KeyboardInterrupt where it lands
    monkeypatch.setattr(train_module, "make_train_step", step_signalled_at_the_third_batch)
    previous = signal.signal(signum, guard)
    try:
        with pytest.raises(KeyboardInterrupt):
            _run(tiny, folder, checkpoint_every=100)
        assert signal.getsignal(signum) is guard  # the caller's handler is back
    finally:
        signal.signal(signum, previous)
    assert "interrupted at step 3" in capsys.readouterr().err
    assert tf.train.latest_checkpoint(str(folder)).endswith("ckpt-3")
    assert _saved(folder / "ckpt-3") == {"step": 3, "iterations": 3}

    monkeypatch.setattr(train_module, "make_train_step", real_make_train_step)
    resumed = _run(tiny, folder, max_steps=5)
    assert (resumed.resumed_from_step, resumed.step) == (3, 5)
    assert _saved(resumed.checkpoint) == {"step": 5, "iterations": 5}


def test_a_folder_in_use_by_another_process_is_refused(tiny, tmp_path):
    folder = tmp_path / "ckpt"
    _run(tiny, folder, max_steps=1)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        (folder / "cnn_tutorial.lock").write_text(f"{other.pid}\n")
        with pytest.raises(OSError, match=rf"in use by another run \(process {other.pid}\b"):
            _run(tiny, folder, max_steps=2)
    finally:
        other.kill()
        other.wait()
    assert _indexes(folder) == ["ckpt-1.index"]  # nothing written by the refused run
    # Now the process is gone: its stale lock is taken over.
    resumed = _run(tiny, folder, max_steps=2)
    assert (resumed.resumed_from_step, resumed.step) == (1, 2)
    assert not (folder / "cnn_tutorial.lock").exists()


def test_locks_of_other_hosts_and_half_written_locks(tiny, tmp_path):
    folder = tmp_path / "ckpt"
    folder.mkdir()
    lock = folder / "cnn_tutorial.lock"
    lock.write_text("12345 another-host\n")  # e.g. a cluster node sharing the folder
    with pytest.raises(OSError, match=r"in use by another run \(process 12345 on another-host"):
        _run(tiny, folder, max_steps=1)
    lock.write_text("")  # created, pid not written yet
    with pytest.raises(OSError, match=r"in use by another run \(a process that wrote no id"):
        _run(tiny, folder, max_steps=1)
    os.utime(lock, (0, 0))  # ... and left so for decades: stale
    assert _run(tiny, folder, max_steps=1).step == 1
    assert not lock.exists()


def test_a_run_inside_a_run_on_the_same_folder_is_refused(tiny, tmp_path, monkeypatch):
    folder = tmp_path / "ckpt"
    real_make_dataset = train_module.make_dataset
    refusals = []

    def dataset_that_starts_a_second_run(*args, **kwargs):
        monkeypatch.setattr(train_module, "make_dataset", real_make_dataset)
        try:
            _run(tiny, folder, max_steps=1)
        except OSError as error:
            refusals.append(str(error))
        return real_make_dataset(*args, **kwargs)

    monkeypatch.setattr(train_module, "make_dataset", dataset_that_starts_a_second_run)
    assert _run(tiny, folder, max_steps=2).step == 2
    assert len(refusals) == 1 and f"process {os.getpid()}, this one" in refusals[0]


@pytest.mark.parametrize("again", [{}, {"epochs": 1}, {"max_steps": 2}])
def test_a_finished_run_with_a_log_dir_reports_its_model(tiny, tmp_path, again):
    arguments = {"log_dir": tmp_path / "logs", "checkpoint_dir": tmp_path / "ckpt",
                 "batch_size": 16, "epochs": 2, "progress": False}
    done = train(no_dropout, *tiny, **arguments)
    rerun = train(no_dropout, *tiny, **{**arguments, **again})
    assert (rerun.step, rerun.epoch, rerun.epochs) == (8, 2, [])
    assert rerun.eval_accuracy == pytest.approx(done.eval_accuracy)
    assert rerun.history["eval_step"] == [8]


def test_the_command_run_again_after_the_end_exits_0(tmp_path, capsys, monkeypatch):
    data = write_idx_folder(tmp_path / "data", train=32, test=8)
    argv = ["train", "--data-dir", str(data), "--batch-size", "16", "--no-progress", "--json",
            "--checkpoint-dir", str(tmp_path / "ckpt"), "--log-dir", str(tmp_path / "logs")]
    assert cli.main(argv) == 0
    capsys.readouterr()
    assert cli.main(argv) == 0
    out = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(out[-1])
    assert "resumed from step 2" in out
    assert (summary["step"], summary["epochs"]) == (2, []) and summary["test_accuracy"] >= 0


class _Diverged(ConvNet):
    """The lecture's network whose logits are NaN: the loss stops being finite."""

    def __call__(self, images, training=False):
        return super().__call__(images, training=training) + float("nan")


def test_a_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tiny, tmp_path):
    folder = tmp_path / "ckpt"
    _run(tiny, folder, max_steps=2, keep_checkpoints=1)
    good = _files(folder)
    with pytest.raises(ValueError, match="the training loss became nan by step 3"):
        train(lambda: _Diverged(dropout_rate=0.0, seed=0), tiny[0], None, batch_size=16,
              checkpoint_dir=folder, checkpoint_every=1, keep_checkpoints=1, progress=False)
    assert _indexes(folder) == ["ckpt-2.index"]
    after = _files(folder)
    assert {n: after[n] for n in good if n.startswith("ckpt-")} == {
        n: data for n, data in good.items() if n.startswith("ckpt-")}
    assert tf.train.latest_checkpoint(str(folder)).endswith("ckpt-2")


def test_a_full_disk_while_saving_leaves_nothing_behind(tiny, tmp_path):
    """Files may not grow past 1 MiB (as on a full disk); the checkpoint needs 39 MB."""
    resource = pytest.importorskip("resource")  # POSIX
    folder = tmp_path / "ckpt"
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, limits[1]))
    try:
        with pytest.raises(OSError, match=r"could not save a checkpoint in checkpoint_dir .*"
                                          r"File too large; the partial files were removed"
                           ) as raised:
            _run(tiny, folder, max_steps=2)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, previous)
    assert (raised.value.strerror, raised.value.filename) == ("File too large", str(folder))
    assert sorted(p.name for p in folder.iterdir()) == ["cnn_tutorial_checkpoint.json"]
    assert _run(tiny, folder, max_steps=2).step == 2  # once there is room, it saves


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder that cannot be written: chmod for a user, a read-only tmpfs for root."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs",
                                  str(folder)], capture_output=True)
    except FileNotFoundError:  # no mount command
        mounted = None
    if mounted is None or mounted.returncode != 0:
        pytest.skip("root without mount: no way to make a read-only folder")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("argument", ["checkpoint_dir", "log_dir"])
def test_a_read_only_folder_is_one_clear_error(tiny, read_only_folder, argument):
    with pytest.raises(PermissionError, match=rf"^{argument} {read_only_folder}.* not writable|"
                                              rf"^{argument} {read_only_folder} cannot be"):
        train("lowlevel", tiny[0], None, batch_size=16, max_steps=1, progress=False,
              **{argument: read_only_folder})


def test_a_log_dir_that_tensorflow_cannot_open_is_a_permission_error(tiny, tmp_path,
                                                                      monkeypatch):
    def refused(logdir, *args, **kwargs):
        raise tf.errors.PermissionDeniedError(None, None, f"{logdir}; Permission denied")

    monkeypatch.setattr(tf.summary, "create_file_writer", refused)
    with pytest.raises(PermissionError, match=r"^log_dir .* cannot be written: .*Permission"):
        train("lowlevel", tiny[0], None, batch_size=16, max_steps=1, progress=False,
              log_dir=tmp_path / "logs")


@pytest.mark.parametrize("where", ["file", "under a file"])
def test_a_log_dir_that_is_a_file(tiny, tmp_path, where):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    log_dir = a_file if where == "file" else a_file / "logs"
    with pytest.raises((ValueError, NotADirectoryError), match=r"^log_dir .*notes\.txt"):
        train("lowlevel", tiny[0], None, batch_size=16, max_steps=1, progress=False,
              log_dir=log_dir)
    assert a_file.read_text() == "mine"


@pytest.mark.parametrize("broken", ["list", "folder", "not json"])
def test_broken_checkpoint_metadata_names_the_file(tiny, tmp_path, broken):
    folder = tmp_path / "ckpt"
    _run(tiny, folder, max_steps=1)
    metadata = folder / "cnn_tutorial_checkpoint.json"
    metadata.unlink()
    if broken == "folder":
        metadata.mkdir()
    else:
        metadata.write_text("[1, 2]" if broken == "list" else "{'model':")
    with pytest.raises(ValueError, match=rf"checkpoint metadata {metadata} must be a JSON "
                                         rf"object"):
        _run(tiny, folder, max_steps=2)
    assert _indexes(folder) == ["ckpt-1.index"]
    shutil.rmtree(metadata) if broken == "folder" else metadata.unlink()
    assert _run(tiny, folder, max_steps=2).resumed_from_step == 1


def test_sigterm_to_the_command_saves_where_it_stopped(tmp_path):
    """A real `cnn-tutorial train` process, terminated as a scheduler or `kill` would do."""
    data = write_idx_folder(tmp_path / "data", train=256, test=32)
    folder = tmp_path / "ckpt"
    command = [sys.executable, "-m", "cnn_tutorial", "train", "--data-dir", str(data),
               "--checkpoint-dir", str(folder), "--checkpoint-every", "4", "--epochs", "10",
               "--batch-size", "16", "--no-progress"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("CNN_TUTORIAL_DATA_DIR", None)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    try:
        # No time bound: wait for the first checkpoint (or for the process to end).
        while not (folder / "checkpoint").is_file() and process.poll() is None:
            time.sleep(0.02)
        assert process.poll() is None, process.stderr.read()[-2000:]
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode not in (0, -signal.SIGTERM), err[-2000:]
    stopped = re.search(r"interrupted at step (\d+) by SIGTERM; checkpoint saved to (\S+);", err)
    assert stopped, err[-2000:]
    step = int(stopped.group(1))
    assert 4 <= step < 160 and stopped.group(2).endswith(f"ckpt-{step}")
    assert _saved(stopped.group(2)) == {"step": step, "iterations": step}
    assert not (folder / "cnn_tutorial.lock").exists()


def test_signal_handlers_only_while_training_and_only_in_the_main_thread(tiny, tmp_path):
    import threading

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    assert _run(tiny, tmp_path / "main", max_steps=1).step == 1
    assert {s: signal.getsignal(s) for s in before} == before
    results, errors = [], []

    def in_a_thread():  # e.g. a web server's worker: Python allows handlers only in main
        try:
            results.append(_run(tiny, tmp_path / "thread", max_steps=1).step)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    worker = threading.Thread(target=in_a_thread)
    worker.start()
    worker.join()
    assert (results, errors) == ([1], [])
    assert {s: signal.getsignal(s) for s in before} == before


def test_temporary_folders_of_killed_saves_are_removed_once_locked(tiny, tmp_path, capsys):
    folder = tmp_path / "ckpts"
    _run(tiny, folder, epochs=1)
    # What a save killed halfway leaves (TensorFlow's ckpt-N_temp/ with a shard).
    for number in (2, 9):
        stale = folder / f"ckpt-{number}_temp"
        stale.mkdir()
        (stale / "part-00000-of-00001.data-00000-of-00001").write_bytes(b"\0" * 1000)
    keep = folder / "ckpt-3_temp.notes"  # not TensorFlow's: left alone
    keep.write_text("mine")
    capsys.readouterr()
    result = _run(tiny, folder, epochs=2)  # resumes
    assert result.resumed_from_step == 4
    assert not [p.name for p in folder.iterdir() if p.name.endswith("_temp")]
    assert keep.read_text() == "mine"
    assert "removed ckpt-9_temp/, left by a save that was interrupted" in capsys.readouterr().err


def test_rotation_removes_temporary_folders_too(tiny, tmp_path):
    from cnn_tutorial.checkpointing import CheckpointFolder, TrainingState

    state = TrainingState()
    checkpoint = tf.train.Checkpoint(**state.variables)
    with CheckpointFolder(tmp_path, keep=2) as checkpoints:
        (tmp_path / "ckpt-1_temp").mkdir()  # as if a save by this run had been killed
        state.step = 2
        checkpoints.save(checkpoint, state)
        assert not (tmp_path / "ckpt-1_temp").exists()


def test_a_folder_name_that_is_not_utf8_is_refused_before_training(tiny, tmp_path):
    folder = tmp_path / os.fsdecode(b"ckpt-\xff")
    with pytest.raises(ValueError, match=r"checkpoint_dir .*ckpt-\\xff.* is not a valid UTF-8 "
                                         r"name"):
        train(no_dropout, tiny[0], None, batch_size=16,
              checkpoint_dir=folder, progress=False)
    assert not folder.exists()

"""Fast unit tests of the checkpoint folder's pieces, each on its own ``tmp_path``.

No training: the checkpoints hold only the three counters of a
:class:`TrainingState` (a few hundred bytes each). The end-to-end tests
through ``train()`` are in ``test_checkpointing.py`` (slow).
"""

from __future__ import annotations

import io
import json
import os
import socket
import tracemalloc

import pytest
import tensorflow as tf

from cnn_tutorial.checkpointing import (
    LOCK_FILE,
    METADATA_FILE,
    STATE_FILE,
    CheckpointFiles,
    CheckpointFolder,
    CheckpointFolderInUseError,
    FolderLock,
    ModelSignature,
    TrainingState,
)

NO_SUCH_PID = 4194305  # above Linux's largest pid_max: no process has it


def _saved_steps(folder, steps, keep=10):
    """A folder with checkpoints of ``steps`` (and the state, to restore into)."""
    state = TrainingState()
    checkpoint = tf.train.Checkpoint(**state.variables)
    with CheckpointFolder(folder, keep=keep, log=io.StringIO()) as checkpoints:
        for step in steps:
            state.step = step
            checkpoints.save(checkpoint, state)
    return checkpoint, state


# -- the lock ---------------------------------------------------------------------------


def test_the_lock_holds_pid_and_host_and_goes_on_release(tmp_path):
    lock = FolderLock(tmp_path)
    lock.acquire()
    assert (tmp_path / LOCK_FILE).read_text() == f"{os.getpid()} {socket.gethostname()}\n"
    assert lock.held
    lock.release()
    assert not (tmp_path / LOCK_FILE).exists() and not lock.held


def test_the_lock_is_released_when_the_block_raises(tmp_path):
    with pytest.raises(KeyboardInterrupt), FolderLock(tmp_path):
        raise KeyboardInterrupt
    assert not (tmp_path / LOCK_FILE).exists()
    with FolderLock(tmp_path):  # and can be taken again
        pass


def test_a_second_lock_in_this_process_is_refused_in_one_line(tmp_path):
    with FolderLock(tmp_path), pytest.raises(CheckpointFolderInUseError) as refused:
        FolderLock(tmp_path).acquire()
    assert f"is in use by another run (process {os.getpid()}, this one" in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("content, who", [
    (f"{os.getppid()}\n", f"process {os.getppid()}"),  # alive: our parent
    (f"{NO_SUCH_PID} another-host\n", f"process {NO_SUCH_PID} on another-host"),
    ("", "a process that wrote no id"),  # being written right now
])
def test_a_lock_of_a_live_or_unknown_process_is_refused(tmp_path, content, who):
    (tmp_path / LOCK_FILE).write_text(content)
    with pytest.raises(CheckpointFolderInUseError, match=rf"in use by another run \({who}"):
        FolderLock(tmp_path).acquire()
    assert (tmp_path / LOCK_FILE).read_text() == content  # left as it was


@pytest.mark.parametrize("content, age", [(f"{NO_SUCH_PID}\n", 0), ("", 10**9)],
                         ids=["dead process", "no id for decades"])
def test_a_stale_lock_is_taken_over_saying_so(tmp_path, content, age):
    lock_file = tmp_path / LOCK_FILE
    lock_file.write_text(content)
    if age:
        os.utime(lock_file, (0, 0))
    log = io.StringIO()
    with FolderLock(tmp_path, log=log):
        assert lock_file.read_text().split()[0] == str(os.getpid())
    assert "taking over the stale lock of" in log.getvalue()


def test_a_huge_lock_file_is_not_read_whole(tmp_path):
    (tmp_path / LOCK_FILE).write_bytes(b"7" * (32 << 20))  # "a pid" of 32 MiB
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointFolderInUseError, match="a process that wrote no id"):
            FolderLock(tmp_path).acquire()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


# -- listing, metadata, signature ---------------------------------------------------------


def test_numbers_are_those_with_an_index_in_numeric_order(tmp_path):
    for name in ("ckpt-10.index", "ckpt-9.index", "ckpt-2.data-00000-of-00001",
                 "ckpt-3.index.unreadable", "ckpt-4.index~", "xckpt-5.index", "ckpt-x.index"):
        (tmp_path / name).write_bytes(b"")
    assert CheckpointFiles(tmp_path).numbers() == [9, 10]


def test_the_signature_round_trips_through_the_metadata_file(tmp_path):
    ours = ModelSignature("lowlevel", {"conv1/kernel": [5, 5, 1, 32], "dense/bias": [10]})
    files = CheckpointFiles(tmp_path)
    assert files.read_signature() is None
    files.write_signature(ours)
    assert json.loads((tmp_path / METADATA_FILE).read_text()) == {
        "model": "lowlevel", "variables": {"conv1/kernel": [5, 5, 1, 32], "dense/bias": [10]}}
    assert files.read_signature() == ours


def test_the_signature_of_a_model_names_its_kind_and_shapes():
    from cnn_tutorial.model import ConvNet

    signature = ModelSignature.of(ConvNet(n_classes=5, seed=0))
    assert signature.model == "lowlevel"
    assert [5] in signature.variables.values()
    assert signature.mismatch(ModelSignature.of(ConvNet(n_classes=5, seed=1))) is None
    assert "variable" in signature.mismatch(ModelSignature.of(ConvNet(seed=0)))


@pytest.mark.parametrize("saved, expected", [
    (ModelSignature("keras", {}), (r"holds checkpoints of a 'keras' model, not of this "
                                   r"'lowlevel' model; use another folder \(or the matching "
                                   r"--model\)$")),
    (ModelSignature("lowlevel", {"dense/bias": [5]}),
     (r"holds a different model: variable 'dense/bias' has shape \[5\] there but \[10\] "
      r"here \(e.g. another n_classes\); use another folder$")),
])
def test_a_signature_mismatch_is_one_line_naming_the_difference(tmp_path, saved, expected):
    ours = ModelSignature("lowlevel", {"dense/bias": [10]})
    _saved_steps(tmp_path, [1])
    files = CheckpointFiles(tmp_path)
    files.write_signature(saved)
    with pytest.raises(ValueError, match=rf"^checkpoint_dir {tmp_path} {expected}"):
        files.check_signature(ours)
    files.check_signature(saved)  # its own model fits
    for name in os.listdir(tmp_path):
        if name.startswith("ckpt-"):
            os.unlink(tmp_path / name)
    files.check_signature(ours)  # no checkpoints: nothing to mix up


def test_a_signature_without_a_model_is_not_compared(tmp_path):
    _saved_steps(tmp_path, [1])
    (tmp_path / METADATA_FILE).write_text('{"variables": {}}')
    CheckpointFiles(tmp_path).check_signature(ModelSignature("keras", {"a": [1]}))


@pytest.mark.parametrize("content, reason", [
    ("[1, 2]", "it holds a JSON list"),
    ('{"model": 3}', "its 'model' is not a string"),
    ("{'model':", "it could not be read"),
    (b"\xff{}", "it could not be read"),
])
def test_broken_metadata_is_one_line_naming_the_file(tmp_path, content, reason):
    path = tmp_path / METADATA_FILE
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ValueError, match=rf"^checkpoint metadata {path} must be a JSON object "
                                         rf"with the model's signature, but {reason}"):
        CheckpointFiles(tmp_path).read_signature()


def test_a_huge_metadata_file_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / METADATA_FILE
    path.write_bytes(b'{"model": "' + b"x" * (64 << 20) + b'"}')
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"but it is larger than 1048576 bytes"):
            CheckpointFiles(tmp_path).read_signature()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_metadata_that_is_a_pipe_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / METADATA_FILE)  # a read would wait for a writer forever
    with pytest.raises(ValueError, match=r"but it is not a regular file"):
        CheckpointFiles(tmp_path).read_signature()


def test_metadata_linked_from_elsewhere_is_not_read(tmp_path):
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text('{"model": "lowlevel", "variables": {}}')
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / METADATA_FILE).symlink_to(elsewhere)
    with pytest.raises(ValueError, match=r"but it is a symbolic link"):
        CheckpointFiles(folder).read_signature()


# -- save, rotation, restore ------------------------------------------------------------


def test_rotation_keeps_the_newest_and_names_them_in_the_state_file(tmp_path):
    _saved_steps(tmp_path, [1, 2, 3, 4, 5], keep=2)
    assert CheckpointFiles(tmp_path).numbers() == [4, 5]
    assert sorted(os.listdir(tmp_path)) == [
        STATE_FILE, "ckpt-4.data-00000-of-00001", "ckpt-4.index",
        "ckpt-5.data-00000-of-00001", "ckpt-5.index"]
    assert tf.train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths[:] == [
        str(tmp_path / "ckpt-4"), str(tmp_path / "ckpt-5")]


def test_the_same_step_is_saved_once(tmp_path):
    state = TrainingState()
    checkpoint = tf.train.Checkpoint(**state.variables)
    with CheckpointFolder(tmp_path) as checkpoints:
        state.step = 1
        first = checkpoints.save(checkpoint, state)
        (tmp_path / "ckpt-1.index").write_bytes(b"mine")
        assert checkpoints.save(checkpoint, state) == first
    assert (tmp_path / "ckpt-1.index").read_bytes() == b"mine"


@pytest.mark.parametrize("name", ["runs[1]", "a*b", "what?", "[x]*?"])
def test_glob_characters_in_the_name_save_rotate_and_restore_only_here(tmp_path, name):
    neighbours = {}
    for other in ("runs1", "ab", "aXb", "what", "whatX", "x"):  # what the glob would match
        (tmp_path / other).mkdir()
        for file in ("ckpt-1.index", "ckpt-1.data-00000-of-00001", STATE_FILE):
            (tmp_path / other / file).write_text(f"{other} {file}")
            neighbours[f"{other}/{file}"] = f"{other} {file}"
    checkpoint, state = _saved_steps(tmp_path / name, [1, 2, 3], keep=2)
    state.step = 0
    assert CheckpointFiles(tmp_path / name).restore(checkpoint, state).endswith("ckpt-3")
    assert state.step == 3
    assert {key: (tmp_path / key).read_text() for key in neighbours} == neighbours


def test_restore_of_an_empty_folder_is_none(tmp_path):
    state = TrainingState()
    assert CheckpointFiles(tmp_path).restore(tf.train.Checkpoint(**state.variables),
                                             state) is None


def test_a_corrupt_newest_checkpoint_falls_back_to_the_previous_one(tmp_path):
    checkpoint, state = _saved_steps(tmp_path, [1, 2, 3])
    data = tmp_path / "ckpt-3.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:5])
    log = io.StringIO()
    files = CheckpointFiles(tmp_path, log=log)
    state.step = 0
    assert files.restore(checkpoint, state) == str(tmp_path / "ckpt-2")
    assert (state.step, files.last_saved) == (2, str(tmp_path / "ckpt-2"))
    assert "ckpt-3 is unreadable" in log.getvalue()
    assert "resuming from the previous checkpoint, ckpt-2" in log.getvalue()
    assert sorted(n for n in os.listdir(tmp_path) if n.startswith("ckpt-3")) == [
        "ckpt-3.data-00000-of-00001.unreadable", "ckpt-3.index.unreadable"]


def test_no_readable_checkpoint_names_each_one(tmp_path):
    checkpoint, state = _saved_steps(tmp_path, [1, 2])
    for number in (1, 2):
        (tmp_path / f"ckpt-{number}.data-00000-of-00001").write_bytes(b"")
    with pytest.raises(ValueError, match=r"has no readable checkpoint \(ckpt-2: .*; ckpt-1: "):
        CheckpointFiles(tmp_path).restore(checkpoint, state)
    assert CheckpointFiles(tmp_path).numbers() == [1, 2]  # nothing set aside


def test_a_missing_state_file_is_noted_and_the_files_decide(tmp_path):
    checkpoint, state = _saved_steps(tmp_path, [1, 2])
    (tmp_path / STATE_FILE).unlink()
    log = io.StringIO()
    assert CheckpointFiles(tmp_path, log=log).restore(checkpoint, state).endswith("ckpt-2")
    assert "state file 'checkpoint' is missing or unreadable" in log.getvalue()


def test_a_state_file_naming_a_checkpoint_elsewhere_is_not_followed(tmp_path):
    outside, folder = tmp_path / "outside", tmp_path / "ckpt"
    _saved_steps(outside, [9])
    checkpoint, state = _saved_steps(folder, [1, 2])
    (folder / STATE_FILE).write_text('model_checkpoint_path: "../outside/ckpt-9"\n')
    state.step = 0
    assert CheckpointFiles(folder).restore(checkpoint, state) == str(folder / "ckpt-2")
    assert state.step == 2


def test_checkpoint_files_linked_from_elsewhere_are_set_aside_not_read(tmp_path):
    outside, folder = tmp_path / "outside", tmp_path / "ckpt"
    _saved_steps(outside, [9])
    checkpoint, state = _saved_steps(folder, [1])
    for suffix in ("index", "data-00000-of-00001"):
        (folder / f"ckpt-9.{suffix}").symlink_to(outside / f"ckpt-9.{suffix}")
    log = io.StringIO()
    state.step = 0
    assert CheckpointFiles(folder, log=log).restore(checkpoint, state) == str(folder / "ckpt-1")
    assert state.step == 1
    assert "ckpt-9.data-00000-of-00001 is a symbolic link" in log.getvalue() or \
        "ckpt-9.index is a symbolic link" in log.getvalue()
    assert sorted(os.listdir(outside)) == [STATE_FILE, "ckpt-9.data-00000-of-00001",
                                           "ckpt-9.index"]  # untouched


def test_entering_removes_temporary_folders_of_killed_saves_only(tmp_path):
    (tmp_path / "ckpt-7_temp").mkdir()
    (tmp_path / "ckpt-7_temp" / "part").write_bytes(b"\0")
    (tmp_path / "ckpt-8_temp.notes").write_text("mine")
    log = io.StringIO()
    with CheckpointFolder(tmp_path, log=log):
        assert sorted(os.listdir(tmp_path)) == ["ckpt-8_temp.notes", LOCK_FILE]
    assert "removed ckpt-7_temp/" in log.getvalue()


def test_a_folder_in_use_is_refused_before_touching_its_files(tmp_path):
    (tmp_path / "ckpt-7_temp").mkdir()
    with FolderLock(tmp_path), pytest.raises(CheckpointFolderInUseError):
        CheckpointFolder(tmp_path).__enter__()
    assert (tmp_path / "ckpt-7_temp").is_dir()  # the other run may be writing it

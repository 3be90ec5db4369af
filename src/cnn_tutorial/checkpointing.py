"""A checkpoint folder that never loses or mixes checkpoints.

[`cnn_tutorial.train.train`][cnn_tutorial.train.train] keeps its checkpoints in a
[`CheckpointFolder`][cnn_tutorial.checkpointing.CheckpointFolder]. Compared with ``tf.train.CheckpointManager``:

* **One run at a time.** The folder is locked with a file holding the
  process id and host name; a second run refuses, naming the first one's
  process. A lock left by a process of this host that no longer exists is
  taken over.
* **Any folder name.** TensorFlow's rotation deletes files by glob pattern,
  so a folder named ``runs[1]`` deleted the checkpoints of ``runs1/``;
  here old checkpoints are found by listing the folder and removed by exact
  name, and a folder whose name has glob characters is read through a
  temporary link (TensorFlow's reader takes a pattern).
* **Found by their files.** The newest readable ``ckpt-N`` is resumed even
  when the ``checkpoint`` state file is missing or unreadable; a truncated
  or otherwise unreadable newest checkpoint is set aside (renamed
  ``*.unreadable``) and the previous one is used, saying so.
* **A failed save leaves nothing behind.** Partial files and the
  ``ckpt-N_temp/`` folder are removed and a clear ``OSError`` is raised.

[`TrainingState`][cnn_tutorial.checkpointing.TrainingState] holds what is saved beside the model and optimizer:
the global step, the completed epochs and the position inside the epoch.
See the chapter "A convnet on MNIST" (convnet-mnist.md).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tensorflow as tf

__all__ = ["METADATA_FILE", "CheckpointFolder", "CheckpointFolderInUseError",
           "CheckpointSaveError", "TrainingState"]

#: The model's signature (kind and variable shapes), beside the checkpoints.
METADATA_FILE = "cnn_tutorial_checkpoint.json"
#: The lock: the process id of the run using the folder.
LOCK_FILE = "cnn_tutorial.lock"
#: TensorFlow's state file (kept up to date for ``tf.train.latest_checkpoint``).
STATE_FILE = "checkpoint"
_PREFIX = "ckpt"
_CHECKPOINT_FILE = re.compile(rf"^{_PREFIX}-(\d+)\.(index|data-\d{{5}}-of-\d{{5}})$")
_GLOB_CHARACTERS = set("*?[]\\{}")
_FRESH_LOCK_SECONDS = 10.0  # a lock file being written may not hold its pid yet
_HELD_HERE: set[str] = set()  # folders locked by this process (its pid may be reused later)


class CheckpointFolderInUseError(OSError):
    """Another running process holds the checkpoint folder's lock."""


class CheckpointSaveError(OSError):
    """A checkpoint could not be written (full disk, read-only folder, ...).

    ``str()`` is the whole message; ``strerror`` is the system's reason (such
    as ``"No space left on device"``) and ``filename`` the checkpoint folder,
    as for any ``OSError``.
    """

    def __init__(self, message: str, reason: str, folder: Path) -> None:
        super().__init__(None, reason, str(folder))
        self.message = message

    def __str__(self) -> str:
        return self.message


class TrainingState:
    """Where a run stands: global ``step``, completed ``epoch``, ``position`` in the epoch.

    The numbers are plain ints while training; [`push`][cnn_tutorial.checkpointing.TrainingState.push] copies them into
    the ``tf.Variable`` objects that the checkpoint saves and [`pull`][cnn_tutorial.checkpointing.TrainingState.pull]
    reads them back after a restore.

    Examples:
        >>> state = TrainingState()
        >>> state.step, state.epoch, state.position = 7, 1, 96
        >>> state.push(); state.step = 0; state.pull(); state.step
        7
    """

    NAMES = ("step", "epoch", "position")

    def __init__(self, strategy: tf.distribute.Strategy | None = None) -> None:
        self.step = self.epoch = self.position = 0
        with (strategy or tf.distribute.get_strategy()).scope():
            self.variables = {name: tf.Variable(0, dtype=tf.int64, trainable=False, name=name)
                              for name in self.NAMES}

    def push(self) -> None:
        """Copy the numbers into the variables (before saving)."""
        for name in self.NAMES:
            self.variables[name].assign(getattr(self, name))

    def pull(self) -> None:
        """Copy the variables into the numbers (after restoring)."""
        for name in self.NAMES:
            setattr(self, name, int(self.variables[name].numpy()))


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "message", None) or error).strip()
    # TensorFlow's op errors start with the function's node and end with the op's name.
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*|\s*\[Op:\w+\]", "", text).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__


def _system_reason(text: str) -> str:
    """The system's words for a write failure named in ``text`` (else ``text`` itself)."""
    for name in ("ENOSPC", "EDQUOT", "EFBIG", "EROFS", "EACCES", "EPERM", "EIO"):
        code = getattr(errno, name, None)
        if code is not None and os.strerror(code) in text:
            return os.strerror(code)
    return text


def _process_exists(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would terminate it there: assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class CheckpointFolder:
    """Numbered checkpoints ``ckpt-N`` of one run in one folder (a context manager).

    Entering creates the folder and locks it; leaving unlocks it.

    Args:
        folder: The folder (created if missing).
        keep: How many of the newest checkpoints to keep.
        log: Where notes about recovered problems go (default: stderr).

    Raises:
        CheckpointFolderInUseError: another running process holds the folder.
        PermissionError: the folder cannot be created or written.

    Examples:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp()) / "runs[1]"
        >>> state = TrainingState()
        >>> checkpoint = tf.train.Checkpoint(**state.variables)
        >>> with CheckpointFolder(folder, keep=2) as checkpoints:
        ...     for step in (1, 2, 3):
        ...         state.step = step
        ...         path = checkpoints.save(checkpoint, state)
        ...     checkpoints.numbers()
        [2, 3]
        >>> state.step = 0
        >>> with CheckpointFolder(folder, keep=2) as checkpoints:
        ...     Path(checkpoints.restore(checkpoint, state)).name, state.step
        ('ckpt-3', 3)
    """

    def __init__(self, folder: str | os.PathLike, keep: int = 3, log: Any = None) -> None:
        self.folder = Path(folder)
        self.keep = keep
        self._log = log
        self._locked = False
        self.last_saved: str | None = None
        self._last_saved_step: int | None = None

    # -- lock ---------------------------------------------------------------------------

    def __enter__(self) -> CheckpointFolder:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise NotADirectoryError(
                f"checkpoint_dir {self.folder} exists and is not a folder") from None
        except OSError as error:
            raise type(error)(f"checkpoint_dir {self.folder} cannot be created: "
                              f"{error.strerror or error}") from None
        self._lock()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._locked:
            path = self.folder / LOCK_FILE
            _HELD_HERE.discard(str(path.resolve()))
            path.unlink(missing_ok=True)
            self._locked = False

    def _lock(self) -> None:
        path = self.folder / LOCK_FILE
        for _ in range(3):
            try:
                descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._check_lock_owner(path)
                continue
            except OSError as error:
                raise PermissionError(f"checkpoint_dir {self.folder} is not writable: "
                                      f"{error.strerror or error}") from None
            with os.fdopen(descriptor, "w") as file:
                file.write(f"{os.getpid()} {socket.gethostname()}\n")
            self._locked = True
            _HELD_HERE.add(str(path.resolve()))
            return
        raise CheckpointFolderInUseError(
            f"checkpoint_dir {self.folder} could not be locked ({path} keeps coming back)")

    def _check_lock_owner(self, path: Path) -> None:
        """Raise if a live process holds ``path``; remove the lock of a dead one."""
        try:
            fields = path.read_text().split()
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return  # released meanwhile: try again
        except OSError as error:
            raise PermissionError(f"checkpoint_dir {self.folder}: its lock {path} cannot be "
                                  f"read: {error.strerror or error}") from None
        alive, who = self._lock_owner(path, fields, age)
        if alive:
            raise CheckpointFolderInUseError(
                f"checkpoint_dir {self.folder} is in use by another run ({who}, see {path}); "
                f"wait for it to finish or use another folder (delete {path.name} only if "
                f"no such run exists)")
        self._note(f"checkpoint_dir {self.folder}: taking over the stale lock of {who}")
        path.unlink(missing_ok=True)

    @staticmethod
    def _lock_owner(path: Path, fields: list[str], age: float) -> tuple[bool, str]:
        """Whether the lock's owner may still run, and who it is (for messages)."""
        pid = int(fields[0]) if fields and fields[0].isdigit() else None
        host = fields[1] if len(fields) > 1 else socket.gethostname()
        if pid is None:  # being written right now, or garbage
            return age < _FRESH_LOCK_SECONDS, "a process that wrote no id"
        if host != socket.gethostname():  # its processes cannot be seen from here
            return True, f"process {pid} on {host}"
        if pid == os.getpid():  # held by a call still running here, or a reused pid
            return str(path.resolve()) in _HELD_HERE, f"process {pid}, this one"
        return _process_exists(pid), f"process {pid}"

    # -- listing and metadata ---------------------------------------------------------------

    def numbers(self) -> list[int]:
        """Numbers ``N`` of the checkpoints here (those with a ``ckpt-N.index``), sorted."""
        found = set()
        for name in os.listdir(self.folder):
            match = _CHECKPOINT_FILE.match(name)
            if match and match.group(2) == "index":
                found.add(int(match.group(1)))
        return sorted(found)

    def path(self, number: int) -> str:
        """The prefix of checkpoint ``number`` (what TensorFlow calls its path)."""
        return str(self.folder / f"{_PREFIX}-{number}")

    def read_signature(self) -> dict[str, Any] | None:
        """The saved model signature, or ``None`` when there is none.

        Raises:
            ValueError: the file is not a JSON object (or not a file).
        """
        path = self.folder / METADATA_FILE
        if not path.exists():
            return None
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            saved = error
        if not isinstance(saved, dict) or not isinstance(saved.get("model", ""), str) or \
                not isinstance(saved.get("variables", {}), dict):
            what = (f"could not be read ({_first_line(saved)})" if isinstance(saved, BaseException)
                    else f"holds a JSON {type(saved).__name__}")
            raise ValueError(f"checkpoint metadata {path} must be a JSON object with the "
                             f"model's signature, but it {what}; remove it (the checkpoints "
                             f"are then checked by TensorFlow alone) or use another folder")
        return saved

    def check_signature(self, signature: dict[str, Any]) -> None:
        """Raise ``ValueError`` if the folder holds checkpoints of a different model."""
        saved = self.read_signature()
        if saved is None or "model" not in saved or not self.numbers():
            return
        if saved["model"] != signature["model"]:
            raise ValueError(
                f"checkpoint_dir {self.folder} holds checkpoints of a {saved['model']!r} model, "
                f"not of this {signature['model']!r} model; use another folder (or the "
                f"matching --model)")
        ours, theirs = signature["variables"], saved.get("variables", {})
        for key in sorted(set(ours) | set(theirs)):
            if ours.get(key) != theirs.get(key):
                raise ValueError(
                    f"checkpoint_dir {self.folder} holds a different model: variable {key!r} "
                    f"has shape {theirs.get(key)} there but {ours.get(key)} here "
                    f"(e.g. another n_classes); use another folder")

    def write_signature(self, signature: dict[str, Any]) -> None:
        """Write the model's signature beside the checkpoints."""
        self.read_signature()  # refuses a folder or a broken file where the file goes
        try:
            _atomic_write(self.folder / METADATA_FILE, json.dumps(signature, indent=1))
        except OSError as error:
            raise PermissionError(f"checkpoint_dir {self.folder} is not writable: "
                                  f"{error.strerror or error}") from None

    # -- restore ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _readable_path(self, number: int) -> Iterator[str]:
        """A path to checkpoint ``number`` that TensorFlow's reader (a glob) finds literally."""
        if not _GLOB_CHARACTERS & set(str(self.folder.resolve())):
            yield self.path(number)
            return
        with tempfile.TemporaryDirectory(prefix="cnn_tutorial_ckpt") as alias:
            if _GLOB_CHARACTERS & set(alias):
                raise ValueError(f"checkpoint_dir {self.folder} has glob characters and so has "
                                 f"the temporary folder {alias}; rename one of them")
            link = Path(alias) / "folder"
            try:
                link.symlink_to(self.folder.resolve(), target_is_directory=True)
            except OSError:  # no symbolic links here: copy the checkpoint's files
                link.mkdir()
                for name in os.listdir(self.folder):
                    match = _CHECKPOINT_FILE.match(name)
                    if match and int(match.group(1)) == number:
                        shutil.copy2(self.folder / name, link / name)
            yield str(link / f"{_PREFIX}-{number}")

    def _unreadable_reason(self, number: int) -> str | None:
        """Why checkpoint ``number`` cannot be read (every tensor is read), or ``None``."""
        try:
            with self._readable_path(number) as path:
                reader = tf.train.load_checkpoint(path)
                for key in reader.get_variable_to_shape_map():
                    reader.get_tensor(key)
        except (tf.errors.OpError, OSError, IndexError, RuntimeError, ValueError) as error:
            return _first_line(error)
        return None

    def _set_aside(self, number: int) -> None:
        for name in os.listdir(self.folder):
            match = _CHECKPOINT_FILE.match(name)
            if match and int(match.group(1)) == number:
                os.replace(self.folder / name, self.folder / f"{name}.unreadable")

    def _state_file_names(self) -> str | None:
        """The newest checkpoint the state file names, or ``None`` if it is missing/broken."""
        try:
            text = (self.folder / STATE_FILE).read_text(encoding="utf-8")
        except (OSError, ValueError):
            return None
        match = re.search(r'^model_checkpoint_path:\s*"([^"]+)"', text, re.MULTILINE)
        return Path(match.group(1)).name if match else None

    def _newest_readable(self, numbers: list[int]) -> int:
        """The newest readable of ``numbers``; newer unreadable ones are set aside, saying so."""
        unreadable: list[tuple[int, str]] = []
        for number in reversed(numbers):
            reason = self._unreadable_reason(number)
            if reason is None:
                break
            unreadable.append((number, reason))
        else:
            problems = "; ".join(f"{_PREFIX}-{n}: {reason}" for n, reason in unreadable)
            raise ValueError(f"checkpoint_dir {self.folder} has no readable checkpoint "
                             f"({problems}); move the ckpt-* files away to start again")
        for bad, reason in unreadable:
            self._set_aside(bad)
            self._note(f"checkpoint_dir {self.folder}: {_PREFIX}-{bad} is unreadable ({reason}); "
                       f"renamed its files to *.unreadable and resuming from the previous "
                       f"checkpoint, {_PREFIX}-{number}")
        return number

    def restore(self, checkpoint: tf.train.Checkpoint, state: TrainingState) -> str | None:
        """Restore the newest readable checkpoint into ``checkpoint`` and ``state``.

        Returns:
            The restored checkpoint's path, or ``None`` when the folder has none.

        Raises:
            ValueError: no checkpoint is readable, or the newest readable one
                does not fit the model.
        """
        numbers = self.numbers()
        if not numbers:
            return None
        if self._state_file_names() is None:
            self._note(f"checkpoint_dir {self.folder}: the state file {STATE_FILE!r} is missing "
                       f"or unreadable; looking for the newest readable checkpoint instead")
        number = self._newest_readable(numbers)
        try:
            with self._readable_path(number) as path:
                status = checkpoint.read(path)
                status.assert_existing_objects_matched()
        except (AssertionError, ValueError, tf.errors.OpError) as error:
            raise ValueError(f"checkpoint_dir {self.folder} holds a checkpoint "
                             f"({self.path(number)}) that does not fit this model: "
                             f"{_first_line(error)}") from None
        state.pull()
        self._last_saved_step = state.step
        self.last_saved = self.path(number)
        return self.last_saved

    # -- save -------------------------------------------------------------------------------

    def save(self, checkpoint: tf.train.Checkpoint, state: TrainingState) -> str:
        """Save ``checkpoint`` as ``ckpt-<state.step>`` and remove the oldest beyond ``keep``.

        Nothing is written when this step is already saved.

        Raises:
            CheckpointSaveError: the checkpoint could not be written (partial
                files are removed first).
        """
        if state.step == self._last_saved_step and self.last_saved is not None:
            return self.last_saved
        state.push()
        prefix = self.path(state.step)
        try:
            checkpoint.write(prefix)
        except (tf.errors.OpError, OSError) as error:
            self._remove(state.step, temporary_too=True)
            detail = _first_line(error)
            raise CheckpointSaveError(
                f"could not save a checkpoint in checkpoint_dir {self.folder} (is the disk full "
                f"or the folder read-only?): {detail}; the partial files were removed",
                _system_reason(detail), self.folder) from None
        self.last_saved, self._last_saved_step = prefix, state.step
        self._rotate()
        return prefix

    def _remove(self, number: int, temporary_too: bool = False) -> None:
        for name in os.listdir(self.folder):
            match = _CHECKPOINT_FILE.match(name)
            if match and int(match.group(1)) == number:
                (self.folder / name).unlink(missing_ok=True)
        if temporary_too:
            shutil.rmtree(self.folder / f"{_PREFIX}-{number}_temp", ignore_errors=True)

    def _rotate(self) -> None:
        numbers = self.numbers()
        kept = numbers[-self.keep:]
        for number in numbers[:-self.keep]:
            self._remove(number)
        lines = [f'model_checkpoint_path: "{_PREFIX}-{kept[-1]}"']
        lines += [f'all_model_checkpoint_paths: "{_PREFIX}-{n}"' for n in kept]
        try:
            _atomic_write(self.folder / STATE_FILE, "\n".join(lines) + "\n")
        except OSError as error:
            reason = error.strerror or _first_line(error)
            raise CheckpointSaveError(f"could not update {self.folder / STATE_FILE}: {reason}",
                                      reason, self.folder) from None

    def _note(self, message: str) -> None:
        print(message, file=self._log or sys.stderr)

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
  ``ckpt-N_temp/`` folder are removed and a clear ``OSError`` is raised; the
  ``ckpt-N_temp/`` folders of a killed run are removed once the folder is
  locked (no other run can be writing them then) and after each save.
* **A UTF-8 name.** TensorFlow writes checkpoints only under UTF-8 paths, so
  another name is refused on entering, before any training.
* **Nothing read from elsewhere.** The lock, the metadata and the state file
  are read only when they are small regular files of the folder (not links,
  devices or pipes), and a checkpoint whose files are links is set aside
  like an unreadable one.

The pieces: [`FolderLock`][cnn_tutorial.checkpointing.FolderLock] is the lock,
[`CheckpointFiles`][cnn_tutorial.checkpointing.CheckpointFiles] the numbered
checkpoints and their metadata, and
[`CheckpointFolder`][cnn_tutorial.checkpointing.CheckpointFolder] both: the
files of a folder that it creates and locks.
[`ModelSignature`][cnn_tutorial.checkpointing.ModelSignature] is what the
metadata holds: which model the checkpoints are of.

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
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tensorflow as tf

from cnn_tutorial._validation import check_folder

__all__ = ["METADATA_FILE", "CheckpointFiles", "CheckpointFolder", "CheckpointFolderInUseError",
           "CheckpointSaveError", "FolderLock", "ModelSignature", "TrainingState"]

#: The model's signature (kind and variable shapes), beside the checkpoints.
METADATA_FILE = "cnn_tutorial_checkpoint.json"
#: The lock: the process id of the run using the folder.
LOCK_FILE = "cnn_tutorial.lock"
#: TensorFlow's state file (kept up to date for ``tf.train.latest_checkpoint``).
STATE_FILE = "checkpoint"
_PREFIX = "ckpt"
_CHECKPOINT_FILE = re.compile(rf"^{_PREFIX}-(\d+)\.(index|data-\d{{5}}-of-\d{{5}})$")
_TEMPORARY_FOLDER = re.compile(rf"^{_PREFIX}-\d+_temp$")  # TensorFlow's, while it saves
_GLOB_CHARACTERS = set("*?[]\\{}")
_FRESH_LOCK_SECONDS = 10.0  # a lock file being written may not hold its pid yet
_HELD_HERE: set[str] = set()  # folders locked by this process (its pid may be reused later)
# Upper bounds on what is read of the small files (a signature of a big model is a few kB).
_LOCK_BYTES = 4096
_METADATA_BYTES = 1 << 20
_STATE_BYTES = 1 << 20


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


class _Refused(ValueError):
    """A small file that is not what it should be; ``str()`` says so, starting with "it"."""


def _read_small(path: Path, limit: int) -> str:
    """The UTF-8 text of ``path``, a regular file (not a link) of at most ``limit`` bytes.

    Raises:
        FileNotFoundError: there is no such file.
        ValueError: it is a link, a folder, a device or a pipe, is larger, or
            is not UTF-8 (the message says which).
        OSError: it cannot be opened or read.
    """
    if path.is_symlink():
        raise _Refused("it is a symbolic link")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, flags)  # non-blocking: a pipe must not hang the run
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise _Refused("it is not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise _Refused(f"it is larger than {limit} bytes")
    return data.decode("utf-8")


def _note(log: Any, message: str) -> None:
    print(message, file=log or sys.stderr)


class FolderLock:
    """An exclusive lock on a folder: the file ``cnn_tutorial.lock`` in it (a context manager).

    The file holds the process id and host name of the holder. A lock whose
    process is gone (on this host), or one left without an id for longer
    than a few seconds, is stale and taken over, saying so.

    Args:
        folder: The folder to lock (it must exist).
        log: Where the note about a stale lock goes (default: stderr).

    Raises:
        CheckpointFolderInUseError: another running process (or a lock
            still held in this one) has the folder.
        PermissionError: the lock cannot be written or read.

    Examples:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> with FolderLock(folder):
        ...     FolderLock(folder).acquire()
        Traceback (most recent call last):
        ...
        cnn_tutorial.checkpointing.CheckpointFolderInUseError: checkpoint_dir ... is in use by another run (process ..., this one, ...
        >>> (folder / LOCK_FILE).exists()
        False
    """

    def __init__(self, folder: str | os.PathLike, log: Any = None) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self._log = log
        self.held = False

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock (or raise: see the class)."""
        for _ in range(3):
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._check_owner()
                continue
            except OSError as error:
                raise PermissionError(f"checkpoint_dir {self.folder} is not writable: "
                                      f"{error.strerror or error}") from None
            with os.fdopen(descriptor, "w") as file:
                file.write(f"{os.getpid()} {socket.gethostname()}\n")
            self.held = True
            _HELD_HERE.add(str(self.path.resolve()))
            return
        raise CheckpointFolderInUseError(
            f"checkpoint_dir {self.folder} could not be locked ({self.path} keeps coming back)")

    def release(self) -> None:
        """Remove the lock if this object holds it (otherwise nothing)."""
        if self.held:
            _HELD_HERE.discard(str(self.path.resolve()))
            self.path.unlink(missing_ok=True)
            self.held = False

    def _check_owner(self) -> None:
        """Raise if a live process holds the lock; remove the lock of a dead one."""
        try:
            age = time.time() - os.lstat(self.path).st_mtime
            fields = _read_small(self.path, _LOCK_BYTES).split()
        except FileNotFoundError:
            return  # released meanwhile: try again
        except ValueError:  # not a lock this package wrote: judged as one without an id
            fields = []
        except OSError as error:
            raise PermissionError(f"checkpoint_dir {self.folder}: its lock {self.path} cannot be "
                                  f"read: {error.strerror or error}") from None
        alive, who = self._owner(fields, age)
        if alive:
            raise CheckpointFolderInUseError(
                f"checkpoint_dir {self.folder} is in use by another run ({who}, see {self.path}); "
                f"wait for it to finish or use another folder (delete {self.path.name} only if "
                f"no such run exists)")
        _note(self._log, f"checkpoint_dir {self.folder}: taking over the stale lock of {who}")
        self.path.unlink(missing_ok=True)

    def _owner(self, fields: list[str], age: float) -> tuple[bool, str]:
        """Whether the lock's owner may still run, and who it is (for messages)."""
        pid = int(fields[0]) if fields and fields[0].isdigit() else None
        host = fields[1] if len(fields) > 1 else socket.gethostname()
        if pid is None:  # being written right now, or garbage
            return age < _FRESH_LOCK_SECONDS, "a process that wrote no id"
        if host != socket.gethostname():  # its processes cannot be seen from here
            return True, f"process {pid} on {host}"
        if pid == os.getpid():  # held by a call still running here, or a reused pid
            return str(self.path.resolve()) in _HELD_HERE, f"process {pid}, this one"
        return _process_exists(pid), f"process {pid}"


@dataclass(frozen=True)
class ModelSignature:
    """Which model a folder's checkpoints are of: its kind and its variables' shapes.

    It is saved beside the checkpoints as ``cnn_tutorial_checkpoint.json``
    (``METADATA_FILE``), so that a run
    of another model (or another ``n_classes``) is refused with one clear line
    instead of TensorFlow's long error or, worse, a partial restore.

    Attributes:
        model: ``"lowlevel"``, ``"keras"`` or the model's class name; ``None``
            in a file that names none (then nothing is compared).
        variables: Each trainable variable's path and shape.

    Examples:
        >>> ours = ModelSignature("lowlevel", {"dense/kernel": [1024, 10]})
        >>> ModelSignature.from_json(ours.to_json()) == ours
        True
        >>> ours.mismatch(ModelSignature("lowlevel", {"dense/kernel": [1024, 5]}))
        "a different model: variable 'dense/kernel' has shape [1024, 5] there but [1024, 10] here (e.g. another n_classes)"
    """

    model: str | None
    variables: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, model: Any) -> ModelSignature:
        """The signature of ``model`` (a [`ConvNet`][cnn_tutorial.model.ConvNet] or a Keras model)."""
        from cnn_tutorial.model import ConvNet
        from cnn_tutorial.recorder import (
            _variable_key,  # the names TensorBoard shows too
        )

        kind = "lowlevel" if isinstance(model, ConvNet) else (
            "keras" if hasattr(model, "get_layer") else type(model).__name__)
        return cls(kind, {_variable_key(v): list(v.shape) for v in model.trainable_variables})

    @classmethod
    def from_json(cls, data: Any) -> ModelSignature:
        """The signature a parsed metadata file holds.

        Raises:
            ValueError: ``data`` is not an object with a string ``model`` and
                an object ``variables`` (both may be missing).
        """
        if not isinstance(data, dict) or not isinstance(data.get("model", ""), str) or \
                not isinstance(data.get("variables", {}), dict):
            raise _Refused(f"it holds a JSON {type(data).__name__}" if not isinstance(data, dict)
                             else "its 'model' is not a string or its 'variables' not an object")
        return cls(data.get("model"), data.get("variables", {}))

    def to_json(self) -> dict[str, Any]:
        """What the metadata file holds."""
        return {"model": self.model, "variables": self.variables}

    def mismatch(self, saved: ModelSignature) -> str | None:
        """How ``saved`` (the folder's) differs from this one (``None``: it fits)."""
        if saved.model is None:
            return None
        if saved.model != self.model:
            return (f"checkpoints of a {saved.model!r} model, not of this {self.model!r} model")
        ours, theirs = self.variables, saved.variables
        for key in sorted(set(ours) | set(theirs)):
            if ours.get(key) != theirs.get(key):
                return (f"a different model: variable {key!r} has shape {theirs.get(key)} there "
                        f"but {ours.get(key)} here (e.g. another n_classes)")
        return None


class CheckpointFiles:
    """The numbered checkpoints ``ckpt-N`` in a folder and their metadata (no lock).

    It lists the folder itself (and never lets TensorFlow glob it), restores
    the newest readable checkpoint, saves and rotates.
    [`CheckpointFolder`][cnn_tutorial.checkpointing.CheckpointFolder] is the one
    to train with: these files, in a folder it creates and locks. Alone, this
    class reads a folder that another process owns (as the workers of a
    multi-worker run read the chief's).

    Args:
        folder: The folder (it must exist for every method but
            [`path`][cnn_tutorial.checkpointing.CheckpointFiles.path]).
        keep: How many of the newest checkpoints to keep.
        log: Where notes about recovered problems go (default: stderr).
    """

    def __init__(self, folder: str | os.PathLike, keep: int = 3, log: Any = None) -> None:
        self.folder = Path(folder)
        self.keep = keep
        self._log = log
        self.last_saved: str | None = None
        self._last_saved_step: int | None = None

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

    def _files_of(self, number: int) -> list[str]:
        """The names of checkpoint ``number``'s files (found by listing: no glob)."""
        return [name for name in os.listdir(self.folder)
                if (match := _CHECKPOINT_FILE.match(name)) and int(match.group(1)) == number]

    def read_signature(self) -> ModelSignature | None:
        """The saved model signature, or ``None`` when there is none.

        Raises:
            ValueError: the file is not a JSON object with the signature (or
                not a small regular file).
        """
        path = self.folder / METADATA_FILE
        if not path.exists() and not path.is_symlink():
            return None
        try:
            return ModelSignature.from_json(json.loads(_read_small(path, _METADATA_BYTES)))
        except (OSError, ValueError) as error:
            what = (str(error) if isinstance(error, _Refused) else
                    f"it could not be read ({_first_line(error)})")
            raise ValueError(f"checkpoint metadata {path} must be a JSON object with the "
                             f"model's signature, but {what}; remove it (the checkpoints "
                             f"are then checked by TensorFlow alone) or use another folder"
                             ) from None

    def check_signature(self, signature: ModelSignature) -> None:
        """Raise ``ValueError`` if the folder holds checkpoints of a different model."""
        saved = self.read_signature()
        if saved is None or not self.numbers():
            return
        mismatch = signature.mismatch(saved)
        if mismatch is not None:
            raise ValueError(f"checkpoint_dir {self.folder} holds {mismatch}; use another "
                             f"folder" + (" (or the matching --model)"
                                          if saved.model != signature.model else ""))

    def write_signature(self, signature: ModelSignature) -> None:
        """Write the model's signature beside the checkpoints."""
        self.read_signature()  # refuses a folder or a broken file where the file goes
        try:
            _atomic_write(self.folder / METADATA_FILE, json.dumps(signature.to_json(), indent=1))
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
                for name in self._files_of(number):
                    shutil.copy2(self.folder / name, link / name)
            yield str(link / f"{_PREFIX}-{number}")

    def _unreadable_reason(self, number: int) -> str | None:
        """Why checkpoint ``number`` cannot be read (every tensor is read), or ``None``."""
        for name in self._files_of(number):
            if (self.folder / name).is_symlink():  # its data would come from elsewhere
                return f"{name} is a symbolic link, and checkpoints are read only from the folder"
        try:
            with self._readable_path(number) as path:
                reader = tf.train.load_checkpoint(path)
                for key in reader.get_variable_to_shape_map():
                    reader.get_tensor(key)
        except (tf.errors.OpError, OSError, IndexError, RuntimeError, ValueError) as error:
            return _first_line(error)
        return None

    def _set_aside(self, number: int) -> None:
        for name in self._files_of(number):
            os.replace(self.folder / name, self.folder / f"{name}.unreadable")

    def _state_file_readable(self) -> bool:
        """Whether the state file is there and names a newest checkpoint."""
        try:
            text = _read_small(self.folder / STATE_FILE, _STATE_BYTES)
        except (OSError, ValueError):
            return False
        return re.search(r'^model_checkpoint_path:\s*"([^"]+)"', text, re.MULTILINE) is not None

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
        if not self._state_file_readable():
            self._note(f"checkpoint_dir {self.folder}: the state file {STATE_FILE!r} is missing "
                       f"or unreadable; looking for the newest readable checkpoint instead")
        number = self._newest_readable(numbers)
        try:
            with self._readable_path(number) as path:
                checkpoint.read(path).assert_existing_objects_matched()
        except (AssertionError, ValueError, tf.errors.OpError) as error:
            raise ValueError(f"checkpoint_dir {self.folder} holds a checkpoint "
                             f"({self.path(number)}) that does not fit this model: "
                             f"{_first_line(error)}") from None
        state.pull()
        self.last_saved, self._last_saved_step = self.path(number), state.step
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
        for name in self._files_of(number):
            (self.folder / name).unlink(missing_ok=True)
        if temporary_too:
            shutil.rmtree(self.folder / f"{_PREFIX}-{number}_temp", ignore_errors=True)

    def remove_temporary_folders(self) -> None:
        """Remove the ``ckpt-N_temp/`` folders of killed saves (call it only on a folder you own)."""
        for name in os.listdir(self.folder):
            path = self.folder / name
            if _TEMPORARY_FOLDER.match(name) and path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
                self._note(f"checkpoint_dir {self.folder}: removed {name}/, left by a save "
                           f"that was interrupted")

    def _rotate(self) -> None:
        self.remove_temporary_folders()
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
        _note(self._log, message)


class CheckpointFolder(CheckpointFiles):
    """Numbered checkpoints ``ckpt-N`` of one run in one folder (a context manager).

    The [`CheckpointFiles`][cnn_tutorial.checkpointing.CheckpointFiles] of a
    folder that entering creates and locks (with a
    [`FolderLock`][cnn_tutorial.checkpointing.FolderLock]); leaving unlocks it.

    Args:
        folder: The folder (created if missing).
        keep: How many of the newest checkpoints to keep.
        log: Where notes about recovered problems go (default: stderr).

    Raises:
        CheckpointFolderInUseError: another running process holds the folder.
        PermissionError: the folder cannot be created or written.
        NotADirectoryError: the folder, or one above it, is a file.
        ValueError: the folder's name is not UTF-8 (TensorFlow writes
            checkpoints only under UTF-8 names).

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
        super().__init__(folder, keep, log)
        self.lock = FolderLock(self.folder, log)

    def __enter__(self) -> CheckpointFolder:
        check_folder("checkpoint_dir", self.folder, create=True)
        with contextlib.ExitStack() as unlock_on_error:
            unlock_on_error.enter_context(self.lock)
            self.remove_temporary_folders()  # no other run can be writing them now
            unlock_on_error.pop_all()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.lock.release()

"""Training on several worker processes with ``tf.distribute.MultiWorkerMirroredStrategy``.

Every worker runs the same [`train`][cnn_tutorial.train.train] call;
TensorFlow's ``MultiWorkerMirroredStrategy`` keeps one copy of the variables
per worker and sums the gradients of each step over all workers (a collective
all-reduce over gRPC). What this module adds around it:

* **Configuration checked before TensorFlow sees it.** ``TF_CONFIG`` (the
  standard JSON: ``{"cluster": {"worker": ["host:port", ...]}, "task":
  {"type": "worker", "index": 0}}``) is parsed by
  [`parse_tf_config`][cnn_tutorial.distributed.parse_tf_config], which names
  the missing key or the bad value in one line;
  [`tf_config`][cnn_tutorial.distributed.tf_config] writes the same JSON from
  a list of addresses and an index (what ``cnn-tutorial train --worker ...
  --task-index ...`` does).
* **A bounded wait for the other workers.**
  [`wait_for_workers`][cnn_tutorial.distributed.wait_for_workers] listens on
  this worker's port and connects to every other one until all answer or
  ``timeout`` seconds pass; then it names the address that did not answer.
* **Data.** The training set is shuffled the same way on every worker (same
  seed) and batched with the *global* batch;
  [`distribute_dataset`][cnn_tutorial.distributed.distribute_dataset] shards
  it with ``tf.data``'s ``AutoShardPolicy.DATA``: each worker keeps its slice
  of every global batch (``FILE`` needs a dataset read from several files;
  this one is built from arrays in memory). A step over two workers with 64
  images each therefore sees the same 128 images as one process with batch
  128, and the gradient is their mean over all 128.
* **Checkpoints.** Only the chief (worker 0) writes to the checkpoint folder,
  through the usual locked
  [`CheckpointFolder`][cnn_tutorial.checkpointing.CheckpointFolder]
  ([`ChiefCheckpoints`][cnn_tutorial.distributed.ChiefCheckpoints]); the
  others save into a temporary folder that exists only during the save
  ([`WorkerCheckpoints`][cnn_tutorial.distributed.WorkerCheckpoints]), as
  TensorFlow's rules for multi-worker saving ask. On a start, the chief picks
  the checkpoint to resume and every other worker restores exactly that one
  from the chief's folder, which they must be able to read (a shared file
  system; on one machine, the same folder).
* **Failures.** When a worker dies, the others' next step fails with
  ``UnavailableError``; [`describe_failure`][cnn_tutorial.distributed.describe_failure]
  words it. A collective group cannot take in a new process, so every worker
  is started again and they resume from the chief's last checkpoint.

See the chapter "Training on several machines" (multi-worker.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # TensorFlow loads only when a strategy or a checkpoint is made
    from cnn_tutorial.checkpointing import ModelSignature, TrainingState

__all__ = ["ChiefCheckpoints", "ClusterConfig", "WorkerCheckpoints",
           "WorkerUnavailableError", "check_same_settings", "checkpoint_folder",
           "cluster_of", "describe_failure", "distribute_dataset", "free_ports",
           "make_multi_worker_strategy", "parse_tf_config", "run_local_workers",
           "start_local_workers", "tf_config", "wait_for_workers"]

#: Seconds that ``make_multi_worker_strategy`` waits for every worker to answer.
DEFAULT_CONNECT_TIMEOUT = 60.0
#: The environment variable TensorFlow reads the cluster from.
TF_CONFIG = "TF_CONFIG"

_STRATEGY: dict[str, Any] = {}  # one MultiWorkerMirroredStrategy per process


class WorkerUnavailableError(TimeoutError):
    """Another worker of the cluster did not answer (at the start, or during training)."""


class ClusterConfig:
    """The checked content of a ``TF_CONFIG``: the workers' addresses and this task's index.

    Attributes:
        workers: ``host:port`` of every worker, chief first.
        index: This process's position in ``workers``.

    Examples:
        >>> config = parse_tf_config(tf_config(["127.0.0.1:2001", "127.0.0.1:2002"], 1))
        >>> config.workers, config.index, config.is_chief, config.address
        (['127.0.0.1:2001', '127.0.0.1:2002'], 1, False, '127.0.0.1:2002')
    """

    def __init__(self, workers: list[str], index: int) -> None:
        self.workers, self.index = workers, index

    @property
    def is_chief(self) -> bool:
        """Whether this is worker 0, the one that writes checkpoints and logs."""
        return self.index == 0

    @property
    def address(self) -> str:
        """This worker's own ``host:port``."""
        return self.workers[self.index]

    def __repr__(self) -> str:
        return f"ClusterConfig(workers={self.workers!r}, index={self.index})"


def _check_address(where: str, address: Any) -> str:
    if not isinstance(address, str) or address.count(":") < 1:
        raise ValueError(f"{where} must be a 'host:port' string, got {address!r}")
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{where} must be 'host:port' with a port from 1 to 65535, "
                         f"got {address!r}")
    return address


def parse_tf_config(text: str | None, source: str = TF_CONFIG) -> ClusterConfig:
    """Check a ``TF_CONFIG`` JSON text for ``MultiWorkerMirroredStrategy``.

    Only ``worker`` tasks (worker 0 is the chief) are accepted: the strategy
    has no parameter servers, and an evaluator or separate chief job is not
    used here.

    Args:
        text: The JSON (``None`` or empty: not set).
        source: How to call it in messages.

    Returns:
        A [`ClusterConfig`][cnn_tutorial.distributed.ClusterConfig].

    Raises:
        ValueError: not set, not JSON, a missing key or a value out of range;
            the message names the key.

    Examples:
        >>> parse_tf_config('{"cluster": {"worker": ["a:1", "b:2"]}, '
        ...                 '"task": {"type": "worker", "index": 0}}').is_chief
        True
        >>> parse_tf_config('{"cluster": {"worker": ["a:1"]}}')
        Traceback (most recent call last):
        ...
        ValueError: TF_CONFIG has no "task" key: it needs {"task": {"type": "worker", "index": N}}
        >>> parse_tf_config('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", '
        ...                 '"index": 3}}')
        Traceback (most recent call last):
        ...
        ValueError: TF_CONFIG task.index must be from 0 to 0 (cluster.worker has 1 address), got 3
    """
    if not text or not text.strip():
        raise ValueError(f"{source} is not set: strategy 'multi-worker' needs the cluster "
                         f"(TF_CONFIG, or --worker HOST:PORT for each worker and --task-index)")
    try:
        config = json.loads(text)
    except ValueError as error:
        raise ValueError(f"{source} is not valid JSON ({error})") from None
    if not isinstance(config, dict):
        raise ValueError(f"{source} must be a JSON object with \"cluster\" and \"task\", "
                         f"got a JSON {type(config).__name__}")
    for key, example in (("cluster", '{"cluster": {"worker": ["host:port", ...]}}'),
                         ("task", '{"task": {"type": "worker", "index": N}}')):
        if key not in config:
            raise ValueError(f"{source} has no \"{key}\" key: it needs {example}")
        if not isinstance(config[key], dict):
            raise ValueError(f"{source} \"{key}\" must be a JSON object, like {example}")
    cluster, task = config["cluster"], config["task"]
    others = sorted(set(cluster) - {"worker"})
    if others:
        raise ValueError(f"{source} cluster has job {others[0]!r}: MultiWorkerMirroredStrategy "
                         f"here takes only \"worker\" (worker 0 is the chief)")
    workers = cluster.get("worker")
    if not isinstance(workers, list) or not workers:
        raise ValueError(f"{source} cluster.worker must be a non-empty list of 'host:port' "
                         f"addresses, got {workers!r}")
    for number, address in enumerate(workers):
        _check_address(f"{source} cluster.worker[{number}]", address)
    if len(set(workers)) < len(workers):
        duplicate = next(a for a in workers if workers.count(a) > 1)
        raise ValueError(f"{source} cluster.worker lists {duplicate} twice")
    for key in ("type", "index"):
        if key not in task:
            raise ValueError(f"{source} task has no \"{key}\" key: it needs "
                             f"{{\"type\": \"worker\", \"index\": N}}")
    if task["type"] != "worker":
        raise ValueError(f"{source} task.type must be \"worker\", got {task['type']!r}")
    index = task["index"]
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(workers):
        plural = "address" if len(workers) == 1 else "addresses"
        raise ValueError(f"{source} task.index must be from 0 to {len(workers) - 1} "
                         f"(cluster.worker has {len(workers)} {plural}), got {index!r}")
    return ClusterConfig(list(workers), index)


def tf_config(workers: Sequence[str], index: int) -> str:
    """The ``TF_CONFIG`` JSON for ``workers`` (``host:port`` each) and this task's ``index``.

    Examples:
        >>> tf_config(["127.0.0.1:2001"], 0)
        '{"cluster": {"worker": ["127.0.0.1:2001"]}, "task": {"type": "worker", "index": 0}}'
    """
    text = json.dumps({"cluster": {"worker": list(workers)},
                       "task": {"type": "worker", "index": index}})
    parse_tf_config(text, source="--worker/--task-index")
    return text


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def wait_for_workers(config: ClusterConfig, timeout: float = DEFAULT_CONNECT_TIMEOUT) -> None:
    """Return once every other worker answers on its address; raise after ``timeout`` seconds.

    This worker listens on its own address meanwhile (without accepting), so
    that the others' probes reach it before TensorFlow's server starts there.

    Raises:
        WorkerUnavailableError: a worker did not answer in time (named with
            its index and address).
        OSError: this worker's own address cannot be listened on (in use,
            or not an address of this machine).

    Examples:
        >>> wait_for_workers(ClusterConfig(["127.0.0.1:1"], 0))  # alone: nothing to wait for
    """
    if len(config.workers) == 1:
        return
    host, port = _split(config.address)
    try:
        listener = socket.create_server((host, port), backlog=64)
    except OSError as error:
        raise OSError(f"worker {config.index} cannot listen on its address {config.address}: "
                      f"{error.strerror or error}") from None
    deadline = time.monotonic() + timeout
    with listener:
        for number, address in enumerate(config.workers):
            if number != config.index:
                _wait_for(number, address, deadline, timeout)


def _wait_for(number: int, address: str, deadline: float, timeout: float) -> None:
    host, port = _split(address)
    while True:
        left = deadline - time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=max(0.1, min(1.0, left))):
                return
        except OSError:
            if left <= 0:
                raise WorkerUnavailableError(
                    f"worker {number} at {address} did not answer within {timeout:g} s "
                    f"(is it started, with the same worker list?)") from None
            time.sleep(min(0.2, max(left, 0.0)))


def make_multi_worker_strategy(connect_timeout: float = DEFAULT_CONNECT_TIMEOUT):
    """``MultiWorkerMirroredStrategy`` for the cluster in ``TF_CONFIG``, once every worker answers.

    The strategy can be created once per process; later calls with the same
    ``TF_CONFIG`` return it.

    Raises:
        ValueError: ``TF_CONFIG`` missing or wrong (see
            [`parse_tf_config`][cnn_tutorial.distributed.parse_tf_config]), or
            changed since the strategy was made.
        WorkerUnavailableError: a worker did not answer within ``connect_timeout``.
    """
    text = os.environ.get(TF_CONFIG)
    config = parse_tf_config(text)
    if _STRATEGY:
        if _STRATEGY["tf_config"] != text:
            raise ValueError("TF_CONFIG changed since this process made its "
                             "MultiWorkerMirroredStrategy; a process joins one cluster only")
        return _STRATEGY["strategy"]
    wait_for_workers(config, connect_timeout)
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    strategy.cluster_config = config
    _STRATEGY.update(strategy=strategy, tf_config=text)
    return strategy


def cluster_of(strategy: Any) -> ClusterConfig | None:
    """The cluster of a strategy made by this module, else ``None``.

    That is the [`ClusterConfig`][cnn_tutorial.distributed.ClusterConfig] that
    [`make_multi_worker_strategy`][cnn_tutorial.distributed.make_multi_worker_strategy]
    read.

    Examples:
        >>> cluster_of(None) is None
        True
    """
    return getattr(strategy, "cluster_config", None)


def distribute_dataset(strategy: Any, dataset: Any) -> Any:
    """``dataset`` (batched with the global batch) split over ``strategy``'s replicas.

    Across workers the split is ``AutoShardPolicy.DATA``: every worker builds
    the same dataset and keeps its own slice of each global batch.
    """
    import tensorflow as tf

    if cluster_of(strategy) is not None:
        options = tf.data.Options()
        policy = tf.data.experimental.AutoShardPolicy.DATA
        options.experimental_distribute.auto_shard_policy = policy
        dataset = dataset.with_options(options)
    return strategy.experimental_distribute_dataset(dataset)


def _chief_value(strategy: Any, value: int, is_chief: bool) -> int:
    """``value`` as the chief has it, on every worker (an all-reduce of it and zeros)."""
    import tensorflow as tf

    contribution = tf.constant(value if is_chief else 0, tf.int64)

    @tf.function
    def reduce():
        per_replica = strategy.run(lambda: tf.identity(contribution))
        return strategy.reduce("SUM", per_replica, axis=None)

    # Every replica of the chief contributes: divide by the chief's local replicas.
    local = strategy.num_replicas_in_sync // len(cluster_of(strategy).workers)
    return int(reduce()) // max(local, 1)


class ChiefCheckpoints:
    """The chief's checkpoint folder, which tells the other workers what it resumed.

    A locked [`CheckpointFolder`][cnn_tutorial.checkpointing.CheckpointFolder]
    (every attribute is that folder's) whose
    [`restore`][cnn_tutorial.distributed.ChiefCheckpoints.restore] also sends
    the restored step to every worker.
    """

    def __init__(self, folder: str | os.PathLike, keep: int, strategy: Any) -> None:
        from cnn_tutorial.checkpointing import CheckpointFolder

        self.inner = CheckpointFolder(folder, keep)
        self.strategy = strategy

    def __enter__(self) -> ChiefCheckpoints:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.inner.__exit__(*exc_info)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def restore(self, checkpoint: Any, state: TrainingState) -> str | None:
        """Restore as the folder does, then share the restored step (-1: none)."""
        path = self.inner.restore(checkpoint, state)
        _chief_value(self.strategy, -1 if path is None else state.step, True)
        return path


class WorkerCheckpoints:
    """What a non-chief worker has instead of a checkpoint folder (a context manager).

    It restores the checkpoint the chief chose, from the chief's folder, and
    saves into a temporary folder that exists only during the save: the write
    runs on every worker, as TensorFlow's multi-worker rules ask, and only the
    chief's copy is kept.
    """

    def __init__(self, folder: str | os.PathLike, keep: int, strategy: Any) -> None:
        from cnn_tutorial.checkpointing import CheckpointFiles

        self.chief = CheckpointFiles(folder, keep)  # read only: never locked or written
        self.strategy = strategy
        self.last_saved: str | None = None

    def __enter__(self) -> WorkerCheckpoints:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def check_signature(self, signature: ModelSignature) -> None:
        """As the chief does (reading the chief's folder only)."""
        if self.chief.folder.is_dir():
            self.chief.check_signature(signature)

    def write_signature(self, signature: ModelSignature) -> None:
        """Nothing: the chief writes it."""

    def restore(self, checkpoint: Any, state: TrainingState) -> str | None:
        """Restore the checkpoint the chief restored (``None`` when it restored none)."""
        step = _chief_value(self.strategy, 0, False)
        if step < 0:
            return None
        path = self.chief.path(step)
        try:
            checkpoint.read(path).assert_existing_objects_matched()
        except Exception as error:  # noqa: BLE001 - whatever failed, the folder is not shared
            raise ValueError(f"checkpoint_dir {self.chief.folder}: worker "
                             f"{cluster_of(self.strategy).index} cannot read {path}, which the "
                             f"chief resumed from; every worker needs the chief's checkpoint "
                             f"folder (a shared file system) ({str(error).splitlines()[0]})"
                             ) from None
        state.pull()
        self.last_saved = path
        return path

    def save(self, checkpoint: Any, state: TrainingState) -> str | None:
        """Write the checkpoint into a temporary folder and delete it."""
        state.push()
        index = cluster_of(self.strategy).index
        with tempfile.TemporaryDirectory(prefix=f"cnn_tutorial_worker{index}_") as scratch:
            checkpoint.write(os.path.join(scratch, f"ckpt-{state.step}"))
        return self.last_saved


def checkpoint_folder(strategy: Any, folder: str | os.PathLike, keep: int
                      ) -> ChiefCheckpoints | WorkerCheckpoints:
    """This worker's checkpoint folder (a context manager): the real one on the chief."""
    if cluster_of(strategy).is_chief:
        return ChiefCheckpoints(folder, keep, strategy)
    return WorkerCheckpoints(folder, keep, strategy)


def check_same_settings(strategy: Any, config: Any, train_size: int) -> None:
    """Raise ``ValueError`` on a worker whose settings differ from the chief's.

    Every worker must shuffle alike (same seed), take the same steps and
    checkpoint at the same moments; a mismatch would pair one worker's
    all-reduce with another's different one.
    """
    if config.seed is None:
        raise ValueError("seed must be an int under strategy 'multi-worker' (every worker "
                         "shuffles the training set the same way), got None")
    settings = [train_size, config.epochs, config.batch_size, config.max_steps,
                config.checkpoint_every, config.checkpoint_dir is None, config.seed,
                config.lr_schedule, repr(config.learning_rate)]
    digest = int.from_bytes(hashlib.sha256(repr(settings).encode()).digest()[:4], "big")
    chief = _chief_value(strategy, digest, cluster_of(strategy).is_chief)
    if chief != digest:
        raise ValueError(f"worker {cluster_of(strategy).index} was started with other settings "
                         f"than the chief (worker 0): give every worker the same data, epochs, "
                         f"batch size, max steps, checkpoint settings, seed and learning rate")


def describe_failure(error: BaseException, strategy: Any, step: int,
                     last_checkpoint: str | None) -> str | None:
    """One line for a step that failed because another worker went away, else ``None``."""
    import tensorflow as tf

    config = cluster_of(strategy)
    if config is None or not isinstance(error, (tf.errors.UnavailableError,
                                                tf.errors.DeadlineExceededError,
                                                tf.errors.CancelledError,
                                                tf.errors.AbortedError)):
        return None
    kept = f"the last checkpoint is {last_checkpoint}" if last_checkpoint else "no checkpoint"
    return (f"worker {config.index}: another worker stopped answering after step {step} "
            f"({type(error).__name__}); {kept}; start every worker again to resume")


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` TCP ports free on ``host`` now (for a cluster of local workers).

    Examples:
        >>> ports = free_ports(2)
        >>> len(set(ports)), all(1024 <= port < 65536 for port in ports)
        (2, True)
    """
    sockets = [socket.create_server((host, 0)) for _ in range(count)]
    try:
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def start_local_workers(arguments: Sequence[str], workers: int = 2,
                        ports: Sequence[int] | None = None, env: dict[str, str] | None = None,
                        host: str = "127.0.0.1", program: Sequence[str] | None = None
                        ) -> list[Any]:
    """Start ``workers`` processes of one local cluster, on free ports of ``host``.

    By default each runs ``cnn-tutorial train ARGUMENTS --strategy
    multi-worker`` with the same ``--worker`` list (``host`` is the loopback
    interface unless told otherwise) and its own ``--task-index``. With
    ``program`` (a command line, such as ``[sys.executable, "-c", code]``),
    each runs ``program + arguments`` with its ``TF_CONFIG`` set instead.
    Their output is captured. See
    [`run_local_workers`][cnn_tutorial.distributed.run_local_workers].

    Returns:
        The ``subprocess.Popen`` objects, chief first.
    """
    import subprocess
    import sys

    ports = list(ports) if ports is not None else free_ports(workers, host)
    addresses = [f"{host}:{port}" for port in ports]
    environment = {**os.environ, **(env or {})}
    environment.pop(TF_CONFIG, None)
    processes = []
    for index in range(len(ports)):
        if program is None:
            command = [sys.executable, "-m", "cnn_tutorial", "train", *arguments,
                       "--strategy", "multi-worker", "--task-index", str(index),
                       *(option for address in addresses for option in ("--worker", address))]
            worker_env = environment
        else:
            command = [*program, *arguments]
            worker_env = {**environment, TF_CONFIG: tf_config(addresses, index)}
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True, env=worker_env))
    return processes


def run_local_workers(arguments: Sequence[str], workers: int = 2, timeout: float = 600,
                      env: dict[str, str] | None = None,
                      program: Sequence[str] | None = None) -> list[Any]:
    """Run ``cnn-tutorial train ARGUMENTS`` on ``workers`` local processes until all end.

    Args:
        arguments: The ``train`` options every worker gets (without the
            multi-worker ones).
        workers: How many processes.
        timeout: Seconds to wait for all of them; then all are killed.
        env: Extra environment variables.
        program: Another command line to run (it reads ``TF_CONFIG``), see
            [`start_local_workers`][cnn_tutorial.distributed.start_local_workers].

    Returns:
        One ``subprocess.CompletedProcess`` per worker, chief first
        (``returncode``, ``stdout``, ``stderr``).

    Raises:
        TimeoutError: they did not all end within ``timeout`` seconds.
    """
    import subprocess

    processes = start_local_workers(arguments, workers, env=env, program=program)
    deadline = time.monotonic() + timeout
    results = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=max(deadline - time.monotonic(), 0.1))
            results.append(subprocess.CompletedProcess(process.args, process.returncode,
                                                       out, err))
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"the {workers} workers did not end within {timeout:g} s") from None
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    return results

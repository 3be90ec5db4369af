"""Recorded results: the lecture's numbers, the project's full training run, TensorBoard tags.

The chapter "A convnet on MNIST" (convnet-mnist.md) trains on a small subset
so that the site builds in seconds, and shows the full five-epoch run from
its record in ``benchmarks/results/`` instead of training it again. This
module holds that plumbing, so that the chapter's cells only teach:

* [`LECTURE_TEST_ACCURACY`][cnn_tutorial.records.LECTURE_TEST_ACCURACY] and [`LECTURE_SECONDS_PER_EPOCH`][cnn_tutorial.records.LECTURE_SECONDS_PER_EPOCH]: what the
  lecture reported;
* [`find_record`][cnn_tutorial.records.find_record] / [`load_record`][cnn_tutorial.records.load_record]: the JSON record of a run, looked
  up beside the working directory and beside the package's sources;
* [`comparison_table`][cnn_tutorial.records.comparison_table]: the record's validation accuracies beside the
  lecture's, and the test accuracy of the schedule chosen on validation
  ([`chosen_schedule`][cnn_tutorial.records.chosen_schedule]);
* [`tensorboard_tags`][cnn_tutorial.records.tensorboard_tags]: which tags a TensorBoard log holds, per plugin.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["LECTURE_SECONDS_PER_EPOCH", "LECTURE_TEST_ACCURACY", "RESULTS_FOLDER",
           "chosen_schedule", "comparison_table", "find_record", "load_record", "tensorboard_tags"]

LECTURE_TEST_ACCURACY = {1: 0.9131, 2: 0.9363, 3: 0.9478, 5: 0.9573, 10: 0.971, 25: 0.9818}
"""Test accuracy the lecture reported after each number of epochs."""
LECTURE_SECONDS_PER_EPOCH = 250
"""Seconds per epoch the lecture reported (about)."""
#: Where the project keeps its records, relative to the repository's root.
RESULTS_FOLDER = Path("benchmarks", "results")


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.endswith(".json") or Path(name).name != name:
        raise ValueError(f"name must be the file name of a JSON record such as "
                         f"'mnist_5_epochs.json', got {name!r}")
    return name


def find_record(name: str = "mnist_5_epochs.json") -> Path | None:
    """The path of a recorded result, or ``None`` when this copy has none.

    Looks in ``benchmarks/results/`` under the working directory and under
    every folder above the package's sources (a clone of the repository has
    it; an installed wheel does not).

    Args:
        name: File name of the record inside ``benchmarks/results/``.

    Returns:
        The first path found, or ``None``.

    Raises:
        ValueError: ``name`` is not a plain ``*.json`` file name.

    Examples:
        >>> find_record("no_such_record.json") is None
        True
        >>> find_record("../secret.json")
        Traceback (most recent call last):
        ...
        ValueError: name must be the file name of a JSON record such as 'mnist_5_epochs.json', got '../secret.json'
    """
    name = _check_name(name)
    folders = [Path.cwd(), *Path(__file__).resolve().parents]
    return next((folder / RESULTS_FOLDER / name for folder in folders
                 if (folder / RESULTS_FOLDER / name).is_file()), None)


def load_record(name: str = "mnist_5_epochs.json") -> dict[str, Any]:
    """A recorded result as a dict (``{}`` when [`find_record`][cnn_tutorial.records.find_record] finds none).

    Examples:
        >>> load_record("no_such_record.json")
        {}
    """
    path = find_record(name)
    return json.loads(path.read_text(encoding="utf-8")) if path else {}


def _runs(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if not isinstance(record, dict):
        raise TypeError(f"record must be a dict as load_record returns it, "
                        f"got {type(record).__name__}")
    runs = record.get("runs", {})
    if not isinstance(runs, dict):
        raise TypeError(f"record['runs'] must map a schedule to its run, got "
                         f"{type(runs).__name__}")
    return runs


def chosen_schedule(record: dict[str, Any]) -> str | None:
    """The schedule whose last validation accuracy is highest (``None`` without runs).

    This is the choice the record lets you make *without* the test set: its
    runs are compared on the validation split only.

    Examples:
        >>> chosen_schedule({"runs": {
        ...     "cosine": {"summary": {"epochs": [{"epoch": 1, "eval_accuracy": 0.98}]}},
        ...     "constant": {"summary": {"epochs": [{"epoch": 1, "eval_accuracy": 0.97}]}}}})
        'cosine'
        >>> chosen_schedule({}) is None
        True
    """
    last = {name: run["summary"]["epochs"][-1]["eval_accuracy"]
            for name, run in _runs(record).items() if run.get("summary", {}).get("epochs")}
    return max(last, key=last.get) if last else None


def comparison_table(record: dict[str, Any]) -> str:
    """The record's validation accuracy per epoch beside the lecture's, as plain text.

    Columns: the epoch, the validation accuracy of the record's default run
    (cosine schedule) with its seconds, that of its constant-rate run (the
    lecture's schedule) and the *test* accuracy the lecture reported (the
    lecture evaluated the test set after every epoch). The last line gives
    the test accuracy of the schedule chosen on validation
    ([`chosen_schedule`][cnn_tutorial.records.chosen_schedule]), measured once, after its last epoch. ``-``
    marks a missing value.

    Args:
        record: What [`load_record`][cnn_tutorial.records.load_record] returns (``{}`` gives the lecture's
            column alone).

    Raises:
        TypeError: ``record`` is not a dict.

    Examples:
        >>> run = lambda acc, test: {"summary": {"test_accuracy": test, "epochs": [
        ...     {"epoch": 1, "eval_accuracy": acc, "seconds": 80}]}}
        >>> table = comparison_table({"runs": {"cosine": run(0.98, 0.985),
        ...                                    "constant": run(0.97, 0.975)}})
        >>> print("\\n".join(table.splitlines()[2:3] + table.splitlines()[-1:]))
            1    0.9800       80     0.9700   0.9131
        test, once, after epoch 1 (cosine, chosen on validation): 0.9850 (lecture, 5 epochs: 0.9573)
    """
    runs = _runs(record)

    def epochs(name: str) -> dict[int, dict[str, Any]]:
        return {e["epoch"]: e for e in runs.get(name, {}).get("summary", {}).get("epochs", [])}

    def cell(value: float | None, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    cosine, constant = epochs("cosine"), epochs("constant")
    lines = [f"{'epoch':>5}  {'cosine':>8}  {'s/epoch':>7}  {'constant':>9}  {'lecture':>7}",
             f"{'':>5}  {'(validation accuracy)':>29}  {'(test)':>7}"]
    for epoch in sorted(set(cosine) | set(constant) | set(LECTURE_TEST_ACCURACY)):
        mine = cosine.get(epoch, {})
        lines.append(f"{epoch:>5}  {cell(mine.get('eval_accuracy'), '.4f'):>8}  "
                     f"{cell(mine.get('seconds'), '.0f'):>7}  "
                     f"{cell(constant.get(epoch, {}).get('eval_accuracy'), '.4f'):>9}  "
                     f"{cell(LECTURE_TEST_ACCURACY.get(epoch), '.4f'):>7}")
    chosen = chosen_schedule(record)
    if chosen is not None:
        summary = runs[chosen]["summary"]
        lines.append(f"test, once, after epoch {summary['epochs'][-1]['epoch']} ({chosen}, "
                     f"chosen on validation): {summary['test_accuracy']:.4f} "
                     f"(lecture, 5 epochs: {LECTURE_TEST_ACCURACY[5]:.4f})")
    return "\n".join(lines)


def tensorboard_tags(log_dir: str | os.PathLike) -> dict[str, list[str]]:
    """The tags a TensorBoard log holds, by the plugin that shows them.

    Reads every ``events.out.tfevents.*`` file of ``log_dir`` (not its
    sub-folders) record by record, as TensorBoard does.

    Args:
        log_dir: A folder written by ``tf.summary`` (``train(log_dir=...)``).

    Returns:
        ``{plugin name: sorted tags}``, plugins in alphabetical order.

    Raises:
        FileNotFoundError: ``log_dir`` is not a folder or holds no event file.

    Examples:
        >>> import tempfile, tensorflow as tf
        >>> folder = tempfile.mkdtemp()
        >>> with tf.summary.create_file_writer(folder).as_default():
        ...     _ = tf.summary.scalar("loss", 0.5, step=1)
        >>> tensorboard_tags(folder)
        {'scalars': ['loss']}
    """
    import tensorflow as tf  # noqa: PLC0415 (the other functions need no TensorFlow)

    folder = Path(log_dir)
    files = sorted(folder.glob("events.out.tfevents.*")) if folder.is_dir() else []
    if not files:
        raise FileNotFoundError(f"log_dir must be a folder holding TensorBoard event files "
                                f"(events.out.tfevents.*), got {str(log_dir)!r}")
    tags: dict[str, set[str]] = {}
    for event_file in files:
        for raw in tf.data.TFRecordDataset(str(event_file)):
            event = tf.compat.v1.Event.FromString(raw.numpy())
            for value in event.summary.value:
                plugin = value.metadata.plugin_data.plugin_name or "scalars"
                tags.setdefault(plugin, set()).add(value.tag)
            if event.graph_def:
                tags.setdefault("graphs", set()).add("graph")
    return {plugin: sorted(names) for plugin, names in sorted(tags.items())}

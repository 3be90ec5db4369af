"""Recorder: history windows, epoch means, the non-finite check, TensorBoard logs, log_dir errors."""

from __future__ import annotations

import math

import pytest
import tensorflow as tf

from cnn_tutorial.recorder import EpochStats, NonFiniteLossError, Recorder


def _epoch(recorder, steps, loss=0.5, correct=4.0, images=8, first_step=1):
    """Run one epoch of ``steps`` steps through ``recorder``; its EpochStats."""
    recorder.start_epoch(epoch=0, epochs=1, batches=steps, done=0)
    for index in range(steps):
        step = first_step + index
        value = loss(step) if callable(loss) else loss
        recorder.add(tf.constant(value), tf.constant(correct), images, step,
                     last=index == steps - 1)
    return recorder.end_epoch(epoch=1, step=first_step + steps - 1)


def _images(stats):
    """The images an epoch counted (EpochStats keeps their rate and the time)."""
    return round(stats.images_per_second * stats.seconds)


class _Model:
    """What check_healthy reads of a model: its trainable variables."""

    def __init__(self, *values):
        self.trainable_variables = [tf.Variable(v) for v in values]


def test_one_history_point_per_window_and_a_short_last_window():
    with Recorder(None, log_every=2, progress=False) as recorder:
        totals = _epoch(recorder, 5, loss=lambda step: float(step))
    assert recorder.history["step"] == [2, 4, 5]
    assert recorder.history["loss"] == [1.5, 3.5, 5.0]  # window means
    assert recorder.history["accuracy"] == [0.5, 0.5, 0.5]
    assert isinstance(totals, EpochStats)
    assert (totals.epoch, totals.step, totals.eval_accuracy, totals.resumed) == (1, 5, None, False)
    assert (totals.loss, totals.accuracy, _images(totals)) == (3.0, 0.5, 40)
    assert totals.seconds > 0


def test_an_epoch_stopped_inside_a_window_counts_it_but_records_no_point():
    with Recorder(None, log_every=10, progress=False) as recorder:
        recorder.start_epoch(epoch=0, epochs=1, batches=5, done=0)
        for step in (1, 2, 3):
            recorder.add(tf.constant(2.0), tf.constant(1.0), 4, step, last=False)
        totals = recorder.end_epoch(epoch=1, step=3, resumed=True)
    assert recorder.history["step"] == []
    assert (totals.loss, totals.accuracy, _images(totals), totals.resumed) == (2.0, 0.25, 12, True)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_a_non_finite_loss_stops_at_the_end_of_its_window(bad):
    with Recorder(None, log_every=2, progress=False) as recorder:
        recorder.start_epoch(epoch=0, epochs=1, batches=4, done=0)
        recorder.add(tf.constant(1.0), tf.constant(1.0), 4, 1, last=False)
        recorder.add(tf.constant(1.0), tf.constant(1.0), 4, 2, last=False)
        recorder.add(tf.constant(bad), tf.constant(1.0), 4, 3, last=False)  # window still open
        with pytest.raises(NonFiniteLossError, match=r"became (nan|inf) by step 4"):
            recorder.add(tf.constant(1.0), tf.constant(1.0), 4, 4, last=False)
    assert recorder.history["step"] == [2]  # nothing recorded from the bad window
    assert issubclass(NonFiniteLossError, ValueError)


def test_check_healthy_finds_a_bad_open_window_and_a_bad_weight():
    with Recorder(None, log_every=10, progress=False) as recorder:
        recorder.start_epoch(epoch=0, epochs=1, batches=2, done=0)
        recorder.check_healthy(_Model([1.0, 2.0]), step=0)  # nothing yet: fine
        recorder.add(tf.constant(math.nan), tf.constant(0.0), 4, 1, last=False)
        with pytest.raises(NonFiniteLossError, match="by step 1"):
            recorder.check_healthy(_Model([1.0]), step=1)
    with Recorder(None, progress=False) as recorder, pytest.raises(
            NonFiniteLossError, match="became nan by step 7"):
        recorder.check_healthy(_Model([1.0], [2.0, math.inf]), step=7)


def test_eval_accuracy_is_recorded_with_its_step():
    with Recorder(None, progress=False) as recorder:
        recorder.eval_accuracy(0.25, step=3)
        recorder.eval_accuracy(0.5, step=6)
    assert (recorder.history["eval_step"], recorder.history["eval_accuracy"]) == ([3, 6],
                                                                                 [0.25, 0.5])


def test_tensorboard_gets_the_scalars_and_histograms(tmp_path):
    model = _Model([1.0, 2.0])
    with Recorder(tmp_path / "logs", log_every=1, progress=False) as recorder:
        _epoch(recorder, 2)
        recorder.eval_accuracy(0.75, step=2)
        recorder.histograms(model, step=2)
    events = list((tmp_path / "logs").glob("events.out.tfevents.*"))
    assert len(events) == 1
    tags = {}
    for event in tf.compat.v1.train.summary_iterator(str(events[0])):
        for value in event.summary.value:
            tags.setdefault(value.tag, []).append(event.step)
    assert tags["loss"] == tags["accuracy"] == [1, 2]
    assert tags["eval_accuracy"] == [2]
    assert [tag for tag in tags if tag not in ("loss", "accuracy", "eval_accuracy")]  # histograms


def test_without_a_log_dir_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with Recorder(None, log_every=1, progress=False) as recorder:
        _epoch(recorder, 2)
        recorder.histograms(_Model([1.0]), step=2)
    assert recorder.writer is None and list(tmp_path.iterdir()) == []


def test_a_log_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        Recorder(tmp_path / "file" / "logs").__enter__()


def test_progress_bar_only_when_asked(capsys):
    with Recorder(None, log_every=1, progress=False) as recorder:
        _epoch(recorder, 2)
    assert capsys.readouterr().err == ""
    with Recorder(None, log_every=1, progress=True) as recorder:
        _epoch(recorder, 2)
    assert "epoch 1/1" in capsys.readouterr().err

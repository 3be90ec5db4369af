"""Tests of cnn_tutorial.records: the recorded runs the MNIST chapter shows."""

from __future__ import annotations

import json

import pytest

from cnn_tutorial import records


def test_the_five_epoch_record_compares_schedules_on_validation_and_tests_once():
    record = records.load_record()
    assert record["split"] == {"train": 55_000, "validation": 5_000, "test": 10_000}
    for run in record["runs"].values():
        summary = run["summary"]
        assert [e["epoch"] for e in summary["epochs"]] == [1, 2, 3, 4, 5]
        assert summary["split"] == record["split"]
        assert all("eval_accuracy" in e and "test_accuracy" not in e for e in summary["epochs"])
        assert 0.98 < summary["test_accuracy"] < 1.0  # one number: the test set, at the end
    assert set(record["runs"]) == {"cosine", "constant"}


def test_chosen_schedule_looks_at_validation_only():
    run = lambda val, test: {"summary": {"test_accuracy": test, "epochs": [  # noqa: E731
        {"epoch": 1, "eval_accuracy": val}]}}
    record = {"runs": {"cosine": run(0.97, 0.99), "constant": run(0.98, 0.96)}}
    assert records.chosen_schedule(record) == "constant"   # not the better test accuracy
    assert "0.9600" in records.comparison_table(record).splitlines()[-1]
    with pytest.raises(TypeError, match="record must be a dict"):
        records.chosen_schedule([])


def test_comparison_table_puts_each_run_in_its_column():
    table = records.comparison_table(records.load_record()).splitlines()
    assert table[0].split() == ["epoch", "cosine", "s/epoch", "constant", "lecture"]
    assert table[1].split() == ["(validation", "accuracy)", "(test)"]
    first = table[2].split()
    assert first[0] == "1" and first[4] == "0.9131"
    assert table[-2].split() == ["25", "-", "-", "-", "0.9818"]
    assert table[-1].startswith("test, once, after epoch 5 (")


def test_comparison_table_of_an_empty_record_has_the_lecture_only():
    rows = records.comparison_table({}).splitlines()[2:]
    assert [row.split()[-1] for row in rows] == [f"{v:.4f}" for v in
                                                 records.LECTURE_TEST_ACCURACY.values()]


def test_find_record_looks_under_the_working_directory(tmp_path, monkeypatch):
    folder = tmp_path / records.RESULTS_FOLDER
    folder.mkdir(parents=True)
    (folder / "mine.json").write_text(json.dumps({"x": 1}))
    monkeypatch.chdir(tmp_path)
    assert records.find_record("mine.json") == folder / "mine.json"
    assert records.load_record("mine.json") == {"x": 1}


@pytest.mark.parametrize("name", ["mnist", "../x.json", 3, "a/b.json"])
def test_bad_record_names_are_refused(name):
    with pytest.raises(ValueError, match="name must be the file name"):
        records.find_record(name)


def test_comparison_table_refuses_a_non_dict():
    with pytest.raises(TypeError, match="record must be a dict"):
        records.comparison_table([])


def test_tensorboard_tags_of_a_training_log(tmp_path):
    import numpy as np

    from cnn_tutorial.train import train

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (32, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, 32)
    train("lowlevel", (x, y), (x[:8], y[:8]), epochs=1, batch_size=16, log_dir=tmp_path,
          log_every=1, progress=False)
    tags = records.tensorboard_tags(tmp_path)
    assert {"loss", "accuracy", "eval_accuracy"} <= set(tags["scalars"])
    assert "conv1/kernel" in " ".join(tags.get("histograms", []))


def test_tensorboard_tags_needs_event_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="log_dir must be a folder"):
        records.tensorboard_tags(tmp_path)
    with pytest.raises(FileNotFoundError, match="log_dir must be a folder"):
        records.tensorboard_tags(tmp_path / "missing")

"""Multi-worker training: TF_CONFIG checks, sharding, chief-only checkpoints, a killed worker.

Every cluster here is two ``cnn-tutorial train`` processes on 127.0.0.1 with
free ports (``cnn_tutorial.distributed.start_local_workers``), on a tiny IDX
data set; every process is waited for with a timeout and killed after it, so
no test can hang.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import write_idx_folder

from cnn_tutorial import cli, distributed
from cnn_tutorial.data import load_mnist
from cnn_tutorial.distributed import (
    ClusterConfig,
    WorkerUnavailableError,
    free_ports,
    parse_tf_config,
    start_local_workers,
    tf_config,
    wait_for_workers,
)

WAIT = 240  # seconds any one process may take before the test fails (2 busy cores)


def _config(workers, index):
    return json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})


@pytest.mark.parametrize(("text", "message"), [
    (None, "TF_CONFIG is not set"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}, "task": ', "TF_CONFIG is not valid JSON"),
    ('["127.0.0.1:1"]', "TF_CONFIG must be a JSON object"),
    ('{"task": {"type": "worker", "index": 0}}', 'TF_CONFIG has no "cluster" key'),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}}', 'TF_CONFIG has no "task" key'),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker"}}',
     'TF_CONFIG task has no "index" key'),
    (_config(["127.0.0.1:1", "127.0.0.1:2"], 2), "task.index must be from 0 to 1"),
    (_config(["127.0.0.1:1"], -1), "task.index must be from 0 to 0"),
    (_config(["127.0.0.1:1"], "0"), "got '0'"),
    (_config([], 0), "cluster.worker must be a non-empty list"),
    (_config(["127.0.0.1"], 0), "cluster.worker[0] must be a 'host:port' string"),
    (_config(["127.0.0.1:70000"], 0), "port from 1 to 65535"),
    (_config(["127.0.0.1:1", "127.0.0.1:1"], 0), "lists 127.0.0.1:1 twice"),
    ('{"cluster": {"worker": ["a:1"], "ps": ["b:2"]}, "task": {"type": "worker", "index": 0}}',
     "cluster has job 'ps'"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}',
     'task.type must be "worker"'),
])
def test_a_bad_tf_config_is_one_line_naming_the_key(text, message):
    with pytest.raises(ValueError) as error:
        parse_tf_config(text)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_worker_options_write_the_same_tf_config_as_by_hand():
    workers = ["127.0.0.1:2001", "127.0.0.1:2002"]
    assert json.loads(tf_config(workers, 1)) == json.loads(_config(workers, 1))
    config = parse_tf_config(tf_config(workers, 1))
    assert (config.workers, config.index, config.is_chief) == (workers, 1, False)


@pytest.mark.parametrize(("argv", "environment", "message"), [
    (["--strategy", "multi-worker"], None, "TF_CONFIG is not set"),
    (["--strategy", "multi-worker"], "{not json", "TF_CONFIG is not valid JSON"),
    (["--strategy", "multi-worker"], '{"cluster": {"worker": ["127.0.0.1:1"]}}',
     'TF_CONFIG has no "task" key'),
    (["--strategy", "multi-worker", "--worker", "127.0.0.1:1", "--task-index", "1"], None,
     "--worker/--task-index task.index must be from 0 to 0"),
    (["--strategy", "multi-worker", "--worker", "127.0.0.1:1"], None, "--task-index is missing"),
    (["--worker", "127.0.0.1:1", "--task-index", "0"], None, "go with --strategy multi-worker"),
    (["--strategy", "multi-worker", "--worker", "127.0.0.1:1", "--task-index", "0"],
     _config(["127.0.0.1:1"], 0), "give one of them"),
])
def test_the_command_refuses_a_bad_cluster_in_one_line(argv, environment, message, monkeypatch,
                                                      capsys):
    if environment is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", environment)
    assert cli.main(["train", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_an_address_nobody_listens_on_is_one_line_and_exit_1(tmp_path):
    """A fresh process: the wait is bounded, the line names the silent worker, no traceback."""
    own, silent = free_ports(2)
    started = subprocess.run(
        [sys.executable, "-m", "cnn_tutorial", "train", "--strategy", "multi-worker",
         "--worker", f"127.0.0.1:{own}", "--worker", f"127.0.0.1:{silent}", "--task-index", "0",
         "--connect-timeout", "1"],
        capture_output=True, text=True, timeout=WAIT, check=False,
        env={k: v for k, v in os.environ.items() if k != "TF_CONFIG"})
    assert started.returncode == 1, started.stderr
    lines = started.stderr.strip().splitlines()
    assert lines == [f"cnn-tutorial: error: worker 1 at 127.0.0.1:{silent} did not answer "
                     f"within 1 s (is it started, with the same worker list?)"]


def test_wait_for_workers_returns_once_the_other_one_listens():
    ports = free_ports(2)
    config = ClusterConfig([f"127.0.0.1:{p}" for p in ports], 0)
    with pytest.raises(WorkerUnavailableError, match="worker 1 at 127.0.0.1"):
        wait_for_workers(config, timeout=0.3)
    import socket

    with socket.create_server(("127.0.0.1", ports[1])):
        wait_for_workers(config, timeout=5)


# -- clusters of two processes --------------------------------------------------------------

_SHARD_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    from cnn_tutorial import distributed
    from cnn_tutorial.data import make_dataset
    strategy = distributed.make_multi_worker_strategy(connect_timeout=60)
    index = distributed.cluster_of(strategy).index
    x = np.zeros((10, 28, 28), np.uint8)
    dataset = make_dataset(x, np.arange(10), batch_size=4, seed=3, reshuffle_each_iteration=False)
    seen = [[int(v) for r in strategy.experimental_local_results(batch[1]) for v in r.numpy()]
            for batch in distributed.distribute_dataset(strategy, dataset)]
    everything = [batch[1].numpy().tolist() for batch in dataset]
    shared = distributed._chief_value(strategy, 1234, index == 0)
    print(json.dumps({"seen": seen, "global": everything, "shared": shared}))
""")


def _communicate(process, timeout=WAIT):
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"a worker did not end within {timeout} s:\n{err[-2000:]}")


def _finish(processes):
    try:
        outputs = [_communicate(p) for p in processes]
        return [(p.returncode, *output) for p, output in zip(processes, outputs)]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.communicate()


@pytest.mark.slow
def test_each_worker_keeps_its_slice_of_every_global_batch():
    ports = free_ports(2)
    workers = [f"127.0.0.1:{p}" for p in ports]
    processes = [subprocess.Popen([sys.executable, "-c", _SHARD_SCRIPT], text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env={**os.environ, "TF_CONFIG": _config(workers, i),
                                       "TF_CPP_MIN_LOG_LEVEL": "2"})
                 for i in range(2)]
    outputs = []
    for process in processes:
        out, err = _communicate(process)
        assert process.returncode == 0, err[-2000:]
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    chief, worker = outputs
    assert chief["global"] == worker["global"]  # same seed: the same global batches
    # AutoShardPolicy.DATA: worker 0 takes the first half of each global batch, worker 1 the rest.
    assert [a + b for a, b in zip(chief["seen"], worker["seen"])] == chief["global"]
    assert [len(b) for b in chief["seen"]] == [2, 2, 1]
    assert chief["shared"] == worker["shared"] == 1234  # the chief's value reaches every worker


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_idx_folder(tmp_path_factory.mktemp("idx"), train=1024, test=64)


def _train_options(data_dir, folder, max_steps, *extra):
    # --validation 0: all 1024 images train (16 steps of 64 per epoch), as in train() below.
    return ["--data-dir", str(data_dir), "--validation", "0", "--batch-size", "64",
            "--max-steps", str(max_steps),
            "--checkpoint-every", "4", "--checkpoint-dir", str(folder), "--no-progress",
            "--json", "--connect-timeout", "60", *extra]


def _numbers(folder: Path) -> list[int]:
    return sorted(int(p.name[5:-6]) for p in folder.glob("ckpt-*.index"))


def _summary(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.slow
def test_checkpoints_go_from_one_process_to_two_workers_and_back(data_dir, tmp_path):
    from cnn_tutorial.train import train

    folder, logs, history = tmp_path / "ckpt", tmp_path / "logs", tmp_path / "history.json"
    data = load_mnist(data_dir)
    first = train("lowlevel", *data, batch_size=64, max_steps=4, checkpoint_dir=folder,
                  checkpoint_every=4, progress=False)
    assert first.step == 4
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {"TMPDIR": str(scratch)}  # the non-chief's scratch folders must vanish
    processes = start_local_workers(_train_options(data_dir, folder, 12, "--log-dir", str(logs),
                                                   "--history", str(history)), env=env)
    (chief_rc, chief_out, chief_err), (rc, out, err) = _finish(processes)
    assert chief_rc == 0 and rc == 0, chief_err[-2000:] + err[-2000:]
    for text in (chief_out, out):
        assert _summary(text)["resumed_from_step"] == 4 and _summary(text)["step"] == 12
    assert _summary(chief_out)["checkpoint"] == str(folder / "ckpt-12")
    assert _numbers(folder) == [4, 8, 12]
    assert not list(scratch.glob("cnn_tutorial_worker*"))
    assert not (folder / "cnn_tutorial.lock").exists()
    # TensorBoard: one event file, written by the chief's process (its pid is in the name).
    events = [p.name for p in logs.iterdir()]
    assert len(events) == 1 and f".{processes[0].pid}." in events[0], events
    assert {"step", "loss", "eval_step"} <= set(json.loads(history.read_text()))
    back = train("lowlevel", *data, batch_size=64, max_steps=16, checkpoint_dir=folder,
                 checkpoint_every=4, progress=False)
    assert (back.resumed_from_step, back.step) == (12, 16)


@pytest.mark.slow
def test_a_killed_worker_restarted_resumes_from_the_last_checkpoint(data_dir, tmp_path):
    folder = tmp_path / "ckpt"
    options = _train_options(data_dir, folder, 16)  # one epoch: 1024 images, batch 64
    chief, worker = start_local_workers(options)
    try:
        deadline = time.monotonic() + WAIT
        while not [n for n in _numbers(folder) if n >= 8]:
            assert chief.poll() is None and worker.poll() is None, "a worker ended early"
            assert time.monotonic() < deadline, "no checkpoint 8 in time"
            time.sleep(0.2)
        worker.send_signal(signal.SIGKILL)
        _communicate(worker)
        out, err = _communicate(chief)  # the chief stops by itself
    finally:
        _finish([chief, worker])
    assert chief.returncode == 1, err[-2000:]
    last_line = err.strip().splitlines()[-1]
    assert last_line.startswith("cnn-tutorial: error: worker 0: another worker stopped "
                                "answering after step "), last_line
    kept = _numbers(folder)
    assert kept and last_line.count(f"the last checkpoint is {folder / f'ckpt-{kept[-1]}'}") == 1
    assert not (folder / "cnn_tutorial.lock").exists()
    results = _finish(start_local_workers(options))
    for rc, out, err in results:
        assert rc == 0, err[-2000:]
        summary = _summary(out)
        # Resumed from the newest checkpoint: the step never goes back past it.
        assert (summary["resumed_from_step"], summary["step"]) == (kept[-1], 16)
    assert _numbers(folder)[-1] == 16


@pytest.mark.slow
def test_sigterm_to_the_chief_saves_where_it_stopped_and_the_other_worker_stops(data_dir,
                                                                              tmp_path):
    folder = tmp_path / "ckpt"
    chief, worker = start_local_workers(_train_options(data_dir, folder, 16))
    try:
        deadline = time.monotonic() + WAIT
        while not _numbers(folder):
            assert chief.poll() is None and worker.poll() is None, "a worker ended early"
            assert time.monotonic() < deadline, "no checkpoint in time"
            time.sleep(0.2)
        chief.send_signal(signal.SIGTERM)
        (chief_rc, _, chief_err), (rc, _, err) = _finish([chief, worker])
    finally:
        _finish([chief, worker])
    assert chief_rc == 130, chief_err[-2000:]
    saved = re.search(r"interrupted at step (\d+) by SIGTERM; checkpoint saved to (\S+);",
                      chief_err)
    assert saved, chief_err[-2000:]
    assert saved.group(2) == str(folder / f"ckpt-{saved.group(1)}")
    assert _numbers(folder)[-1] == int(saved.group(1))  # saved by the chief alone
    assert rc == 1 and "worker 1: another worker stopped answering" in err.strip().splitlines()[-1]

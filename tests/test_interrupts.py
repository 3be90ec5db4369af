"""StopSignals: SIGINT, SIGTERM and SIGHUP set a flag between steps; a second Ctrl+C stops now."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from cnn_tutorial.interrupts import StopSignals, TrainingInterrupted


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_only_sets_the_flag_and_is_raised_when_asked(name):
    signum = getattr(signal, name)
    with StopSignals() as stop:
        stop.raise_if_requested()  # nothing came yet
        os.kill(os.getpid(), signum)
        assert stop.signum == signum
        with pytest.raises(TrainingInterrupted) as raised:
            stop.raise_if_requested()
    assert raised.value.signum == signum and str(raised.value) == name
    assert isinstance(raised.value, KeyboardInterrupt)  # handled like Ctrl+C


def test_a_second_ctrl_c_raises_at_once():
    with StopSignals() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        with pytest.raises(KeyboardInterrupt) as raised:
            os.kill(os.getpid(), signal.SIGINT)
    assert not isinstance(raised.value, TrainingInterrupted)
    assert stop.signum == signal.SIGTERM


def test_the_previous_handlers_come_back():
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        with StopSignals():
            assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
        assert {s: signal.getsignal(s) for s in before} == before
        os.kill(os.getpid(), signal.SIGTERM)
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_outside_the_main_thread_it_changes_nothing():
    result = {}

    def work():
        before = signal.getsignal(signal.SIGTERM)
        with StopSignals() as stop:
            result["same"] = signal.getsignal(signal.SIGTERM) is before
            result["signum"] = stop.signum

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=30)
    assert result == {"same": True, "signum": None}


def test_a_second_sigterm_only_updates_the_flag():
    # Only Ctrl+C twice means "now": a supervisor repeating SIGTERM waits for the step.
    with StopSignals() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        try:
            os.kill(os.getpid(), signal.SIGHUP)
        except KeyboardInterrupt:
            pytest.fail("a second SIGHUP raised at once; only a second Ctrl+C may")
        assert stop.signum == signal.SIGHUP
        with pytest.raises(TrainingInterrupted, match="SIGHUP"):
            stop.raise_if_requested()


def test_the_previous_handlers_come_back_when_the_block_raises():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(RuntimeError), StopSignals():
        raise RuntimeError("a failing step")
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_flag_stays_readable_after_the_block():
    stop = StopSignals()
    assert stop.signum is None
    with stop:
        os.kill(os.getpid(), signal.SIGTERM)
    assert stop.signum == signal.SIGTERM  # after the block, train() still asks it

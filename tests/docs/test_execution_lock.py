"""The execution cache's key lock: a chapter that one process is running is not run again.

No kernel runs here: the lock is a file lock, and ``_execute_missing`` is checked
with an entry that "another process" stored while this one waited.
"""

from __future__ import annotations

import logging
import threading

import pytest

from docs_hooks.notebooks import chapters, execute, store

FRONT_MATTER = ("---\njupyter:\n  kernelspec:\n    display_name: Python 3\n"
                "    language: python\n    name: python3\n---\n")


def test_a_held_key_makes_another_taker_wait(tmp_path):
    cache = store.ExecutionCache(tmp_path / "cache")
    entered = threading.Event()

    def second_taker():
        with cache.lock("abc"):
            entered.set()

    with cache.lock("abc"):
        taker = threading.Thread(target=second_taker)
        taker.start()
        assert not entered.wait(0.5), "a second holder got the key while it was held"
        with cache.lock("other"):  # other keys are free
            pass
    assert entered.wait(30), "the key was never handed over"
    taker.join()
    assert (tmp_path / "cache" / "abc.lock").is_file()


def test_a_folder_that_cannot_be_written_locks_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = store.ExecutionCache(blocker / "cache")
    with cache.lock("abc"):  # no error: a store never fails a build
        pass


def test_lock_files_go_by_the_retention_rule(tmp_path):
    cache = store.ExecutionCache(tmp_path)
    with cache.lock("old"):
        pass
    assert cache.prune(max_age_days=30) == 0
    assert cache.prune(max_age_days=-1) == 1 and not (tmp_path / "old.lock").exists()


def test_a_chapter_stored_meanwhile_is_read_not_run(tmp_path, monkeypatch, caplog):
    page = tmp_path / "ch.md"
    page.write_text(FRONT_MATTER + "# Title\n\n```python\nprint(1)\n```\n", encoding="utf-8")
    chapter = execute.load_chapter(page, "package", versions={"python": "3"})
    assert chapters.code_cells(chapter.notebook) == ["print(1)"]
    cache = store.ExecutionCache(tmp_path / "cache")
    # What another process stored while this one waited for the key.
    cache.put(chapter.key, {"cells": [{"outputs": [], "execution_count": 1}]})

    def no_second_run(*args, **kwargs):
        pytest.fail("the chapter ran again although its entry was stored")

    monkeypatch.setattr(execute, "execute_cells", no_second_run)
    with caplog.at_level(logging.INFO, logger="mkdocs.hooks.notebooks"):
        entries = execute._execute_missing([chapter], cache, jobs=1, cwd=tmp_path)
    assert entries[chapter.key]["cells"][0]["execution_count"] == 1
    assert any("executed meanwhile by another process" in r.getMessage() for r in caplog.records)

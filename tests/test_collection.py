"""Any folder of tests can be run by its path, alone or with the others."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


FOLDERS = ["tests/playground", "tests/explainer", "tests/trainer"]  # each has a conftest.py


def test_folders_with_their_own_conftest_collect_together_by_path():
    # Two conftest.py files once clashed as one module name under --doctest-modules
    # (tests/playground and tests/explainer are packages since).
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *FOLDERS],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert all(f"{folder}/" in result.stdout for folder in FOLDERS), result.stdout[-2000:]


def test_workers_share_one_site_build(tmp_path):
    import threading
    import time

    from shared_build import SiteBuild, shared_site_build

    calls = []

    def build(folder):
        calls.append(folder)
        time.sleep(0.3)  # long enough for the other worker to arrive and wait
        return SiteBuild(folder, "built once", 0)

    outcomes = []
    workers = [threading.Thread(target=lambda: outcomes.append(shared_site_build(tmp_path, build)))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert calls == [tmp_path / "site"]
    assert outcomes == [SiteBuild(tmp_path / "site", "built once", 0)] * 2


class _Item:
    """What pytest_collection_modifyitems reads of a collected test."""

    def __init__(self, nodeid, fixturenames=()):
        self.nodeid, self.fixturenames, self.markers = nodeid, list(fixturenames), set()

    def add_marker(self, marker):
        self.markers.add(marker.name)

    def get_closest_marker(self, name):
        return name if name in self.markers else None


def test_files_that_need_the_site_run_after_the_others():
    from browser import mark_items
    from shared_build import run_site_files_last

    items = [_Item("tests/docs/test_a.py::test_text"),
             _Item("tests/docs/test_a.py::test_page", ["built_site"]),
             _Item("tests/test_b.py::test_one"), _Item("tests/test_b.py::test_two"),
             _Item("tests/docs/test_c.py::test_box", ["chromium", "site_url"]),
             _Item("tests/test_d.py::test_three")]
    mark_items(items)
    run_site_files_last(items)
    assert [item.nodeid for item in items] == [
        "tests/test_b.py::test_one", "tests/test_b.py::test_two", "tests/test_d.py::test_three",
        "tests/docs/test_a.py::test_text", "tests/docs/test_a.py::test_page",
        "tests/docs/test_c.py::test_box"]
    assert items[-1].markers == {"browser", "site"}


def test_temporary_files_of_a_run_go_to_its_own_folder():
    # tests/conftest.py removes this folder when the run ends (mkdtemp() in docstrings).
    import tempfile

    assert Path(tempfile.gettempdir()).name.startswith("cnn-tutorial-tests-")
    assert Path(tempfile.mkdtemp()).parent == Path(tempfile.gettempdir())

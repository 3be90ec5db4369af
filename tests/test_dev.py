"""dev.py repairs what an interrupted run leaves: a half-created venv, a failed install.

Every test points dev.py at a temporary ROOT (never the project's own .venv).
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import dev  # noqa: E402


@pytest.fixture
def root(tmp_path, monkeypatch):
    """dev.py's paths moved under ``tmp_path`` (with this project's lock and pyproject)."""
    for name in ("pyproject.toml", "requirements.lock"):
        (tmp_path / name).write_bytes((dev.ROOT / name).read_bytes())
    env = tmp_path / ".venv"
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev, "VENV", env)
    monkeypatch.setattr(dev, "PYTHON", dev._python(env))
    monkeypatch.setattr(dev, "STAMP", env / ".installed")
    return tmp_path


def test_a_half_created_venv_without_pip_is_rebuilt(root, capsys):
    env = root / ".venv"
    venv.EnvBuilder(with_pip=False).create(env)  # what Ctrl+C during the creation leaves
    (env / "leftover").write_text("x")
    assert not dev._usable(env)
    python = dev._create(env)
    assert "is incomplete (its creation was interrupted?): creating it again" in \
        capsys.readouterr().out
    assert subprocess.run([str(python), "-c", "import pip"]).returncode == 0
    assert not (env / "leftover").exists() and dev._usable(env)
    assert dev._create(env) == python  # whole now: left as it is
    assert capsys.readouterr().out == ""


def test_a_venv_that_is_someone_else_s_link_is_not_deleted(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep").write_text("x")
    link = tmp_path / ".venv"
    link.symlink_to(target, target_is_directory=True)
    with pytest.raises(SystemExit, match="is not a usable virtual environment"):
        dev._create(link)
    assert (target / "keep").exists()


def test_a_failed_install_is_one_line_and_leaves_nothing_trusted(root, monkeypatch, capsys):
    monkeypatch.setattr(dev, "_create", lambda env: dev._python(env))
    dev.VENV.mkdir()
    dev.STAMP.write_text("fingerprint of an earlier, different lock")

    def failing(*cmd, **kwargs):
        raise subprocess.CalledProcessError(1, [str(c) for c in cmd])

    monkeypatch.setattr(dev, "_run", failing)
    status = dev.main(["install"])
    err = capsys.readouterr().err
    assert status == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "dev.py: '" in err and "-m pip install" in err and "failed with exit status 1" in err
    # The old stamp is gone: a run with the earlier lock must install again too.
    assert not dev.STAMP.exists()


@pytest.mark.parametrize("argv, markers", [(["test"], []),
                                           (["test", "--fast", "-x"], ["-m", dev.FAST_MARKERS])])
def test_the_tests_run_on_every_core_and_extra_arguments_come_last(monkeypatch, argv, markers):
    calls = []
    monkeypatch.setattr(dev, "install", lambda: None)
    monkeypatch.setattr(dev, "_ensure_chromium", lambda: None)
    monkeypatch.setattr(dev.subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    assert dev.main(argv) == 0
    [cmd] = calls
    # Last wins for "-n", so "dev.py test -n 0" runs in one process (for --pdb).
    assert cmd[1:] == ["-m", "pytest", "-n", "auto", *markers,
                       *argv[2:]]


def test_a_python_too_old_for_the_lock_is_one_line_before_anything_is_created(root, monkeypatch,
                                                                              capsys):
    monkeypatch.setattr(dev.sys, "version_info", (3, 11, 2, "final", 0))
    monkeypatch.setattr(dev.sys, "version", "3.11.2 (main)")
    with pytest.raises(SystemExit) as stopped:
        dev.install()
    assert str(stopped.value) == ("dev.py: the site's locked tools need Python 3.11.5 or newer "
                                  "(pymdown-extensions 13.1); this is 3.11.2. Run dev.py with a "
                                  "newer python3.")
    assert not (root / ".venv").exists()

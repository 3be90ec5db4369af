"""pyproject.toml's ranges and requirements.lock agree (issue 11, issue 13).

Runtime dependencies are ranges with a floor (which ``dev.py test-floor``
installs) and a ceiling; the lock pins every package with hashes, inside
those ranges and equal to the docs/test extras' exact pins.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dev  # noqa: E402

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
LOCK_TEXT = (ROOT / "requirements.lock").read_text(encoding="utf-8")
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)", re.MULTILINE)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


LOCK = {_normal(name): version for name, version in _PIN.findall(LOCK_TEXT)}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_runtime_dependencies_are_ranges_with_a_floor_and_a_ceiling():
    for requirement in PROJECT["dependencies"]:
        assert re.fullmatch(r"[\w.\-]+>=[\d.]+,<[\d.]+", requirement), requirement
    floors = dev.floor_requirements()
    assert floors[0].startswith("tensorflow==")
    assert len(floors) == len(PROJECT["dependencies"])


def test_lock_pins_every_dependency_inside_its_range():
    for requirement in PROJECT["dependencies"]:
        name, floor, ceiling = re.fullmatch(r"([\w.\-]+)>=([\d.]+),<([\d.]+)", requirement).groups()
        locked = LOCK[_normal(name)]
        assert _version(floor) <= _version(locked) < _version(ceiling), (requirement, locked)


def test_lock_has_the_extras_exact_pins():
    for extra in ("docs", "test"):
        for requirement in PROJECT["optional-dependencies"][extra]:
            name, version = requirement.split("==")
            assert LOCK.get(_normal(name)) == version, f"{requirement}: run python3 dev.py lock"


def test_every_locked_package_has_a_hash():
    blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", LOCK_TEXT)
    pinned = [block for block in blocks if _PIN.match(block)]
    assert len(pinned) == len(LOCK) > 50
    missing = [block.split()[0] for block in pinned if "--hash=sha256:" not in block]
    assert missing == [], f"pins without a hash (pip install --require-hashes fails): {missing}"

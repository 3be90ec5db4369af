"""The GitHub Actions workflows: pinned actions, tests on every push and pull request, and a
Pages deploy that publishes only a commit whose tests passed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def _load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha(path):
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", path.read_text(), re.MULTILINE)
    assert uses
    for action, rest in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), action
        assert re.match(r"\s+#\s*v\d", rest), f"{action}: no '# vX.Y.Z' comment"


def test_the_readme_test_command_runs_on_every_push_and_pull_request():
    tests = _load("tests.yml")
    assert {"push", "pull_request"} <= set(tests["on"])
    assert tests["on"]["push"] is None  # every branch
    command = re.search(r"python3 dev\.py test", (ROOT / "README.md").read_text()).group(0)
    runs = [step.get("run", "") for step in _steps(tests)]
    assert any(run.strip() == command for run in runs)
    apt = next(run for run in runs if "apt-get install" in run)
    assert re.search(r"\bchromium\b", apt)


def test_both_workflows_restore_the_same_notebook_cache():
    def notebook_cache(workflow):
        (step,) = [s for s in _steps(workflow) if s.get("with", {}).get("path") ==
                   ".cache/notebooks"]
        return step["uses"], step["with"]

    tests, pages = _load("tests.yml"), _load("pages.yml")
    assert notebook_cache(tests) == notebook_cache(pages)
    assert tests["jobs"]["test"]["container"] == pages["jobs"]["deploy"]["container"]


def test_pages_publishes_only_a_commit_whose_tests_passed():
    pages, tests = _load("pages.yml"), _load("tests.yml")
    assert set(pages["on"]) == {"workflow_run"}  # no path around the tests
    trigger = pages["on"]["workflow_run"]
    assert trigger["workflows"] == [tests["name"]] and trigger["types"] == ["completed"]
    assert trigger["branches"] == ["main"]
    deploy = pages["jobs"]["deploy"]
    assert "github.event.workflow_run.conclusion == 'success'" in deploy["if"]
    checkout = next(s for s in deploy["steps"] if s["uses"].startswith("actions/checkout@"))
    assert checkout["with"]["ref"] == "${{ github.event.workflow_run.head_sha }}"

"""Fixtures shared by the whole test suite.

``built_site`` builds the site once per test session (``mkdocs build --strict``
into a temporary folder) and returns the folder. The build reuses the notebook
execution cache in ``.cache/notebooks`` (see ``docs_hooks/notebooks/``), so it
only executes chapters whose code, package source or library versions changed.
``CNN_TUTORIAL_SITE_DIR=/path/to/site`` tests a site built beforehand instead.

The browser fixtures (``chromium``, ``tab``, ``site_dir``, ``site_url``) live in
``tests/browser.py``; markers (``browser``, ``site``, ``slow``, registered in
``pyproject.toml``) are set here from what each test needs, so that
``pytest -m "not browser and not site and not slow"`` runs the fast part.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser import chromium, mark_items, site_dir, site_url, tab  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent
MKDOCS = [sys.executable, "-m", "mkdocs"]


@dataclass(frozen=True)
class SiteBuild:
    """The outcome of one ``mkdocs build --strict``."""

    site_dir: Path
    log: str
    returncode: int


@pytest.fixture(scope="session")
def site_build(tmp_path_factory) -> SiteBuild:
    """Run ``mkdocs build --strict`` once; the build's folder, log and exit status.

    ``CNN_TUTORIAL_SITE_DIR=/path/to/site`` skips the build and tests that
    folder instead (for iterating on the site tests after a manual build; build
    it with ``SITE_REPO_URL`` set, as this fixture does).
    """
    reuse = os.environ.get("CNN_TUTORIAL_SITE_DIR")
    if reuse:
        return SiteBuild(Path(reuse), "", 0)
    site_dir = tmp_path_factory.mktemp("site") / "site"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # With a repository the chapters get their edit/report/Colab links and install cell.
    env.setdefault("SITE_REPO_URL", "https://github.com/cnn-tutorial/cnn-tutorial")
    result = subprocess.run(
        [*MKDOCS, "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return SiteBuild(site_dir, result.stdout + result.stderr, result.returncode)


@pytest.fixture(scope="session")
def built_site(site_build: SiteBuild) -> Path:
    """The folder of the site built with ``mkdocs build --strict`` (fails if the build did)."""
    if site_build.returncode != 0:
        tail = "\n".join(site_build.log.splitlines()[-60:])
        pytest.fail(f"mkdocs build --strict failed (exit {site_build.returncode}):\n{tail}",
                    pytrace=False)
    return site_build.site_dir


# Tests that execute chapters or train for seconds to minutes, by node id prefix
# (measured with --durations on a 2-core machine; each took 3 s or more).
# A prefix that matches no collected test of its collected file is reported.
SLOW = (
    "tests/docs/test_pages.py::test_page_code_runs",
    "tests/docs/test_pages.py::test_chapter_runs_without_errors_or_warnings",
    "tests/docs/test_exercises.py::test_solutions_run",
    "tests/docs/test_execution_cache.py::",
    "tests/docs/test_claims.py::test_a_false_claim_fails_the_execution",
    "tests/test_checkpointing.py::",  # subprocesses, signals and training steps
    "tests/trainer/test_trainer_training.py::test_validation_accuracy_agrees_after_300_steps",
    "tests/test_distributed.py::test_each_worker_keeps_its_slice_of_every_global_batch",
    "tests/test_distributed.py::test_checkpoints_go_from_one_process_to_two_workers_and_back",
    "tests/test_distributed.py::test_a_killed_worker_restarted_resumes_from_the_last_checkpoint",
    "tests/test_distributed.py::test_sigterm_to_the_chief_saves_where_it_stopped",
    "tests/test_cli.py::test_cli_prints_no_tensorflow_startup_lines",
    "tests/test_cli.py::test_full_disk_while_saving_a_checkpoint",
    "tests/test_cli.py::test_cli_errors_after_the_quiet_import_are_printed",
    "tests/test_arithmetic.py::test_same_padding_reproduces_tf_same_with_tf_pad_and_valid",
    "tests/test_arithmetic.py::test_conv_output_size_matches_tf_conv2d_on_the_whole_grid",
    "tests/test_arithmetic.py::test_pool_output_size_matches_tf_max_pool2d_on_the_whole_grid",
    "tests/test_benchmarks.py::test_training_speed_quick_run_writes_every_configuration",
    "tests/test_cli.py::test_train_killed_then_resumed",
    "tests/test_cli.py::test_train_max_steps_and_limit",
    "tests/test_compat_v1.py::test_the_lecture_initialiser_starts_with_a_huge_loss",
    "tests/test_compat_v1.py::test_a_few_steps_lower_the_loss_and_accuracy_is_a_fraction",
    "tests/test_compat_v1.py::test_accuracy_counts_every_test_batch_with_dropout_off",
    "tests/test_compat_v1.py::test_log_dir_gets_a_tensorboard_event_file",
    "tests/test_figures.py::test_every_public_figure_shows_once_as_png",
    "tests/test_kernels.py::test_data_format_support_reports_both_onednn_settings",  # 2 processes
    "tests/test_model.py::test_a_few_adam_steps_lower_the_loss",
    "tests/test_model.py::test_copy_weights_errors",
    "tests/test_model.py::test_the_same_seed_gives_the_same_model",
    "tests/test_optimizer.py::test_every_replica_of_a_mirrored_variable_is_updated",
    "tests/test_optimizer.py::test_convnet_training_matches_keras_adam",
    "tests/test_optimizer.py::test_checkpoint_of_keras_adam_restores_into_fused_adam",
    "tests/test_train.py::test_resumed_run_equals_uninterrupted_run",
    "tests/test_train.py::test_mirrored_strategy_on_two_logical_cpus",
    "tests/test_train.py::test_cosine_schedule_reaches_zero_at_the_end_of_the_epochs",
    "tests/test_train.py::test_tensorboard_logs",
    "tests/test_train.py::test_checkpoint_of_another_model_is_refused",
    "tests/test_train.py::test_keyboard_interrupt_saves_a_checkpoint_and_keeps_other_files",
    "tests/docs/test_notebook_export.py::test_built_wheel_holds_the_package",  # pip wheel
    "tests/docs/test_notebook_export.py::test_embedded_install_cell_installs",
    "tests/docs/test_notebook_export.py::test_a_downloaded_notebook_runs_outside",
)


def pytest_collection_modifyitems(config, items):
    """``browser``/``site`` from the fixtures a test uses; ``slow`` from ``SLOW``."""
    mark_items(items)
    used = set()
    for item in items:
        for prefix in SLOW:
            if item.nodeid.startswith(prefix):
                item.add_marker(pytest.mark.slow)
                used.add(prefix)
    files = {item.nodeid.partition("::")[0] for item in items}
    for prefix in SLOW:
        if prefix not in used and prefix.partition("::")[0] in files:
            config.issue_config_time_warning(pytest.PytestConfigWarning(
                f"tests/conftest.py SLOW: {prefix!r} matches no test (renamed?)"), stacklevel=2)

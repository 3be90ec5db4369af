"""cnn_tutorial.choices: one TensorFlow-free source for the names the CLI and the package accept."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from cnn_tutorial import choices


def _train_actions():
    from cnn_tutorial import cli

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a for a in sub.choices["train"]._actions}


def test_the_command_offers_the_package_choices():
    actions = _train_actions()
    for dest, names in (("model", choices.MODELS), ("strategy", choices.STRATEGIES),
                        ("lr_schedule", choices.LR_SCHEDULES),
                        ("precision", choices.COMPUTE_DTYPES)):
        # The very same tuple, not a copy: nothing to keep in step.
        assert actions[dest].choices is names, dest
        assert actions[dest].default == names[0], dest


def test_train_checks_against_the_same_tuples():
    from cnn_tutorial import train

    assert train.MODELS is choices.MODELS
    assert train.STRATEGIES is choices.STRATEGIES
    assert train.LR_SCHEDULES is choices.LR_SCHEDULES


def test_the_parser_and_choices_import_no_tensorflow():
    script = ("import sys\n"
              "from cnn_tutorial import choices, cli\n"
              "cli.build_parser().parse_args(['train', '--model', 'keras'])\n"
              "print(sorted(m for m in ('tensorflow', 'keras', 'numpy') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "tensorflow" not in done.stdout and "keras" not in done.stdout, done.stdout

"""Plugin part: the training images of the in-browser trainer (``docs/assets/trainer/``).

The chapter "Train it in your browser" (``docs/*/train-in-browser.md``) trains
a small convnet in the reader's browser. Its images are not pasted into the
repository: after each build this part writes
``cnn_tutorial.browser_training.export_subset`` (the first ``N_TRAIN`` MNIST
training images and the ``N_VAL`` after them, as :func:`cnn_tutorial.data.load_mnist`
reads them, packed as bytes and gzipped) beside every built copy of
``assets/trainer/trainer.js`` (mkdocs-static-i18n builds the assets once per
language), where the widget fetches it when the reader reaches it.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("mkdocs.plugins.cnn_tutorial.trainer")

#: Images the widget trains on and validates on (the chapter states the sizes).
N_TRAIN = 4000
N_VAL = 1000


def write_subset(folder: Path) -> Path:
    """Write the widget's subset into ``folder``; returns the file's path."""
    from cnn_tutorial.browser_training import export_subset

    return export_subset(folder, N_TRAIN, N_VAL)


def write(site_dir: Path) -> None:
    """Write the subset beside every built ``assets/trainer/trainer.js``."""
    scripts = sorted(Path(site_dir).glob("**/assets/trainer/trainer.js"))
    if not scripts:
        return
    first = write_subset(scripts[0].parent)
    data = first.read_bytes()
    for script in scripts[1:]:
        (script.parent / first.name).write_bytes(data)
    log.info("trainer: %s (%d bytes) written in %d place(s)", first.name, len(data), len(scripts))

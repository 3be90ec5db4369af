"""Test accuracy of every checkpoint in a folder written by ``cnn-tutorial train``.

Useful to read the accuracy after each epoch of a long run from its epoch-end
checkpoints (``ckpt-<step>``; an epoch of MNIST at batch 128 is 469 steps).

Run:  .venv/bin/python benchmarks/evaluate_checkpoints.py CHECKPOINT_DIR [--model lowlevel|keras]
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", choices=("lowlevel", "keras"), default="lowlevel")
    args = parser.parse_args()

    import tensorflow as tf

    from cnn_tutorial.data import load_mnist
    from cnn_tutorial.model import ConvNet, keras_convnet
    from cnn_tutorial.train import evaluate

    _, (x_test, y_test) = load_mnist()
    paths = sorted({p.with_suffix("") for p in args.folder.glob("ckpt-*.index")},
                   key=lambda p: int(re.sub(r"\D", "", p.name)))
    for path in paths:
        model = ConvNet() if args.model == "lowlevel" else keras_convnet()
        tf.train.Checkpoint(model=model).restore(str(path)).expect_partial()
        step = int(path.name.split("-")[1])
        print(f"{path.name}: step {step}, test accuracy {evaluate(model, x_test, y_test):.4f}",
              flush=True)


if __name__ == "__main__":
    main()

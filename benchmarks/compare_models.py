"""The package's ConvNet against keras_convnet(), trained on the same batches.

Both models start from the same weights (``copy_weights``), get the same
batches in the same order from ``cnn_tutorial.data.make_dataset`` and are
trained by the same step (``cnn_tutorial.train.make_train_step``: Adam 0.001,
softmax cross entropy), so the only difference is how the network is written:
``tf.nn`` ops on ``tf.Variable``\\ s, or Keras layers. The two take turns in
blocks of ``--block`` batches (ABAB...), so load from other processes falls on
both alike; the script prints the median images/second of each, their ratio,
and the loss of each model over the same batches (without dropout they would be
equal; dropout draws differ, so they are close, not equal).

Run:  CNN_TUTORIAL_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/compare_models.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--blocks", type=int, default=5, help="blocks per model")
    parser.add_argument("--block", type=int, default=8, help="batches per block")
    parser.add_argument("--warmup", type=int, default=2, help="untimed batches per model")
    args = parser.parse_args()

    import tensorflow as tf

    from cnn_tutorial.data import load_mnist, make_dataset
    from cnn_tutorial.model import ConvNet, copy_weights, keras_convnet
    from cnn_tutorial.train import make_optimizer, make_train_step

    (x_train, y_train), _ = load_mnist()
    needed = (args.warmup + args.blocks * args.block) * args.batch_size
    dataset = make_dataset(x_train[:needed], y_train[:needed], args.batch_size, seed=0,
                           drop_remainder=True)
    batches = list(dataset)  # the same tensors for both models
    models = {"ConvNet (tf.nn)": ConvNet(seed=0), "keras_convnet()": keras_convnet(seed=0)}
    copy_weights(models["ConvNet (tf.nn)"], models["keras_convnet()"])
    steps = {name: make_train_step(model, make_optimizer(model))
             for name, model in models.items()}
    losses = {name: [] for name in models}
    speeds = {name: [] for name in models}
    for name, step in steps.items():
        for batch in batches[:args.warmup]:
            losses[name].append(float(step(batch)[0]))
    for block in range(args.blocks):
        chunk = batches[args.warmup + block * args.block:
                        args.warmup + (block + 1) * args.block]
        for name, step in steps.items():
            start = time.perf_counter()
            block_losses = [step(batch)[0] for batch in chunk]
            float(block_losses[-1])
            speeds[name].append(len(chunk) * args.batch_size / (time.perf_counter() - start))
            losses[name].extend(float(loss) for loss in block_losses)
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPU cores, batch {args.batch_size}, "
          f"{args.blocks} blocks of {args.block} batches per model (median)")
    for name in models:
        print(f"{name:18} {statistics.median(speeds[name]):8.0f} images/s   "
              f"mean loss {statistics.fmean(losses[name]):.4f}   "
              f"last block loss {statistics.fmean(losses[name][-args.block:]):.4f}")
    low, keras = (statistics.median(speeds[n]) for n in models)
    print(f"ratio ConvNet / keras_convnet(): {low / keras:.2f}")


if __name__ == "__main__":
    main()

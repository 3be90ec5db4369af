"""Training speed of the lecture's convnet on this machine.

In one run, on the same MNIST images, this measures images per second of:

* the package's training step (``cnn_tutorial.train.make_train_step`` on a
  ``ConvNet``, fed by ``cnn_tutorial.data.make_dataset``): the configuration
  ``cnn-tutorial train`` uses by default, and the levers (precision, XLA,
  input pipeline, batch size, thread settings);
* ``keras_convnet()`` trained with ``model.fit`` and Keras' defaults (batch
  32, float32), and with batch 128 (the lecture's);
* the ``cnn-tutorial train`` command end to end (loading, pipeline, tracing
  and the epoch, in a fresh process), with its peak resident memory.

Every figure is the median over ``--repeats`` repeats, and the repeats are
interleaved (A B C ..., A B C ...) so that load from other processes on the
machine falls on every configuration alike; ratios are to the Keras figure of
the same run. Each timed run skips its first ``--warmup`` batches (tracing).

Run:  CNN_TUTORIAL_DATA_DIR=/path/to/mnist .venv/bin/python benchmarks/training_speed.py
Options: ``--quick`` (fewer steps, for a smoke test), ``--json FILE`` (also
write the results), ``--only NAME[,NAME]`` (a subset of the configurations).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------
# FLOPs per image and the CPU's peak
# --------------------------------------------------------------------------

@functools.cache  # report() runs after every repeat; the answer never changes
def flops_per_image() -> dict[str, float]:
    """Multiply-adds of the lecture's network counted from its layer shapes (2 FLOP each).

    Forward: a convolution costs ``2 * H_out * W_out * K * K * C_in * C_out``,
    a dense layer ``2 * n_in * n_out``. Backward: the weight gradients cost as
    much again, and so do the input gradients, except for the first layer
    (nothing needs the gradient of the images). Pooling, ReLU, the loss and
    Adam are a fraction of a percent and left out.
    """
    from cnn_tutorial.arithmetic import LECTURE_NETWORK, Conv, Dense, describe_stack

    shape, forward, first = (28, 28, 1), [], None
    for layer, row in zip(LECTURE_NETWORK, describe_stack(LECTURE_NETWORK, (28, 28, 1))):
        if isinstance(layer, Conv):
            flops = 2 * row.output_shape[0] * row.output_shape[1] * layer.kernel_size ** 2 \
                * shape[2] * layer.filters
        elif isinstance(layer, Dense):
            flops = 2 * shape[0] * layer.units
        else:
            flops = 0
        if flops and first is None:
            first = flops
        forward.append(flops)
        shape = row.output_shape
    total_forward = sum(forward)
    training = total_forward + total_forward + (total_forward - first)
    return {"forward": total_forward, "training": training}


@functools.cache
def cpu_peak() -> dict[str, float | str]:
    """fp32 peak = cores x GHz x FLOP per cycle per core.

    Zen 3 (and other AVX2 + FMA x86 cores) has two 256-bit FMA pipes: 2 pipes x
    8 float32 lanes x 2 FLOP (multiply + add) = 32 FLOP per cycle per core. The
    clock is the one Linux reports (``cpu MHz``); no boost is assumed.
    """
    model, mhz, flags = platform.processor(), None, ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key == "model name":
                model = value
            elif key == "cpu MHz" and mhz is None:
                mhz = float(value)
            elif key == "flags" and not flags:
                flags = value
    except OSError:
        pass
    cores = os.cpu_count() or 1
    per_cycle = 32 if ("avx2" in flags.split() and "fma" in flags.split()) else 8
    if "avx512f" in flags.split():
        per_cycle = 64
    ghz = (mhz or 0) / 1000
    return {"cpu": model, "cores": cores, "ghz": ghz, "flop_per_cycle": per_cycle,
            "peak_gflops": cores * ghz * per_cycle,
            "avx512": "avx512f" in flags.split(), "avx512_bf16": "avx512_bf16" in flags.split()}


# --------------------------------------------------------------------------
# The measurements (in this process)
# --------------------------------------------------------------------------

class Bench:
    def __init__(self, images: int, steps: int, warmup: int) -> None:
        import numpy as np

        from cnn_tutorial.data import load_mnist

        (x_train, y_train), _ = load_mnist()
        self.x, self.y = x_train[:images], y_train[:images].astype(np.int64)
        self.x_float = (self.x.astype(np.float32) / 255.0)[..., None]
        self.steps, self.warmup = steps, warmup

    def _time_step(self, step, batches, batch_size: int, slow: bool = False) -> float:
        """Images/s of ``step`` over ``self.steps`` batches after ``self.warmup``.

        ``slow`` configurations (an order of magnitude slower here) run fewer batches.
        """
        warmup, steps = (min(self.warmup, 1), min(self.steps, 2)) if slow else \
            (self.warmup, self.steps)
        iterator = iter(batches)
        for _ in range(warmup):
            step(next(iterator))
        start = time.perf_counter()
        for _ in range(steps):
            loss, _ = step(next(iterator))
        float(loss)  # wait for the last step
        return steps * batch_size / (time.perf_counter() - start)

    def package(self, batch_size: int = 128, compute_dtype: str = "float32",
                jit_compile: bool = False, pipeline: str = "default",
                gradients: str = "auto", optimizer: str = "fused") -> float:
        """Images/s of the package's training step.

        ``gradients`` is :mod:`cnn_tutorial.backprop`'s switch: ``"auto"`` (the
        package's default, timed on this machine), ``"forward"`` (gradients as
        forward ops) or ``"tensorflow"`` (TensorFlow differentiates
        ``tf.nn.conv2d`` and ``tf.matmul``);
        ``optimizer="keras"`` uses Keras' Adam instead of ``FusedAdam``. Both
        together are the training step before those two changes.
        """
        import keras
        import tensorflow as tf

        from cnn_tutorial import backprop
        from cnn_tutorial.data import make_dataset
        from cnn_tutorial.model import ConvNet
        from cnn_tutorial.train import make_optimizer, make_train_step

        model = ConvNet(compute_dtype=compute_dtype, seed=0)
        if optimizer == "keras":
            adam = keras.optimizers.Adam(1e-3)
            adam.build(model.trainable_variables)
        else:
            adam = make_optimizer(model, compute_dtype=compute_dtype)
        step = make_train_step(model, adam, jit_compile=jit_compile)
        if pipeline == "default":  # uint8 in memory, shuffled indices, batch gather
            dataset = make_dataset(self.x, self.y, batch_size, seed=0, drop_remainder=True)
        elif pipeline == "float-in-memory":  # pre-normalised float32 copy of the images
            dataset = make_dataset(self.x_float, self.y, batch_size, seed=0,
                                   drop_remainder=True)
        elif pipeline == "no-prefetch":
            dataset = make_dataset(self.x, self.y, batch_size, seed=0, drop_remainder=True,
                                   prefetch=False)
        elif pipeline == "per-image":  # the textbook pipeline: shuffle images, map each
            dataset = (tf.data.Dataset.from_tensor_slices((self.x, self.y))
                       .shuffle(10_000, seed=0)
                       .map(lambda x, y: (tf.cast(x, tf.float32)[..., None] / 255.0, y),
                            num_parallel_calls=tf.data.AUTOTUNE)
                       .batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
        elif pipeline == "per-image-cached":  # normalise once, cache, then shuffle
            dataset = (tf.data.Dataset.from_tensor_slices((self.x, self.y))
                       .map(lambda x, y: (tf.cast(x, tf.float32)[..., None] / 255.0, y))
                       .cache().shuffle(10_000, seed=0)
                       .batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
        else:
            raise ValueError(pipeline)
        # The switch is read when the step is traced, i.e. on its first call.
        with backprop.using_gradients(gradients):
            return self._time_step(step, dataset.repeat(), batch_size,
                                   slow=compute_dtype == "bfloat16")

    def keras_fit(self, batch_size: int | None = None, policy: str = "float32") -> float:
        import keras

        from cnn_tutorial.model import keras_convnet

        keras.config.set_dtype_policy(policy)
        try:
            model = keras_convnet(seed=0)
        finally:
            keras.config.set_dtype_policy("float32")
        model.compile(keras.optimizers.Adam(1e-3),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        size = batch_size or 32  # Keras' default batch size
        warmup, steps = (1, 2) if policy != "float32" else (self.warmup, self.steps)
        marks: list[float] = []

        class Clock(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                marks.append(time.perf_counter())

        # fit()'s own default batch when batch_size is None: that is Keras' default.
        count = (warmup + steps) * size
        model.fit(self.x_float[:count], self.y[:count], batch_size=batch_size, epochs=1,
                  verbose=0, shuffle=True, callbacks=[Clock()])
        timed = marks[warmup - 1:]
        return (len(timed) - 1) * size / (timed[-1] - timed[0])


def configurations(bench: Bench) -> dict[str, callable]:
    return {
        "keras_fit_defaults_b32": lambda: bench.keras_fit(None),
        "keras_fit_b128": lambda: bench.keras_fit(128),
        "package_default": lambda: bench.package(),
        "package_tf_gradients": lambda: bench.package(gradients="tensorflow"),
        "package_forward_gradients": lambda: bench.package(gradients="forward"),
        "package_keras_adam": lambda: bench.package(optimizer="keras"),
        "package_before_backprop_and_fused_adam": lambda: bench.package(
            gradients="tensorflow", optimizer="keras"),
        "package_bfloat16": lambda: bench.package(compute_dtype="bfloat16"),
        "package_float16": lambda: bench.package(compute_dtype="float16"),
        "package_xla": lambda: bench.package(jit_compile=True),
        "package_float_in_memory": lambda: bench.package(pipeline="float-in-memory"),
        "package_no_prefetch": lambda: bench.package(pipeline="no-prefetch"),
        "package_per_image_pipeline": lambda: bench.package(pipeline="per-image"),
        "package_per_image_cached": lambda: bench.package(pipeline="per-image-cached"),
        "package_b64": lambda: bench.package(batch_size=64),
        "package_b256": lambda: bench.package(batch_size=256),
        "keras_fit_b128_mixed_bfloat16": lambda: bench.keras_fit(128, "mixed_bfloat16"),
    }


# --------------------------------------------------------------------------
# Subprocesses: thread settings and the command end to end
# --------------------------------------------------------------------------

def _python() -> str:
    return sys.executable


def run_threads_worker(intra: int, inter: int, args) -> float:
    """Package default step in a fresh process with the given thread pools."""
    code = (
        "import sys, tensorflow as tf\n"
        f"tf.config.threading.set_intra_op_parallelism_threads({intra})\n"
        f"tf.config.threading.set_inter_op_parallelism_threads({inter})\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import training_speed as t\n"
        f"b = t.Bench({args.images}, {args.steps}, {args.warmup})\n"
        "print('RESULT', b.package())\n")
    out = subprocess.run([_python(), "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.split("RESULT")[-1])


def run_cli(images: int, epochs: int = 1, extra: tuple[str, ...] = ()) -> dict:
    """``cnn-tutorial train`` in a fresh process: its JSON, wall time and peak RSS."""
    with tempfile.TemporaryDirectory() as folder:
        command = [_python(), "-m", "cnn_tutorial", "train", "--epochs", str(epochs),
                   "--limit", str(images), "--no-progress", "--json",
                   "--checkpoint-dir", str(Path(folder) / "ckpt"), *extra]
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        # wait4 gives this child's own peak resident set (ru_maxrss, KiB on Linux).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        stdout = process.stdout.read()
        stderr = process.stderr.read()
        if status != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-2000:]}")
    summary = json.loads(stdout.strip().splitlines()[-1])
    seconds = summary["epochs"][-1]["seconds"]
    # The command trains on what its validation split leaves (55,000 of MNIST's 60,000).
    trained = summary["split"]["train"]
    return {"images": trained, "epoch_seconds": seconds,
            "images_per_second_epoch": trained / seconds,
            "wall_seconds": wall, "images_per_second_wall": trained * epochs / wall,
            "peak_rss_mib": usage.ru_maxrss / 1024, "test_accuracy": summary["test_accuracy"]}


# --------------------------------------------------------------------------

DEFAULTS = {"images": 128 * 60, "steps": 10, "warmup": 3, "repeats": 3,
            "threads": "1x1,2x1", "cli_images": 128 * 10}
QUICK_DEFAULTS = {"images": 2048, "steps": 3, "warmup": 2, "repeats": 1,
                  "threads": "1x1", "cli_images": 512}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=None,
                        help="training images loaded (default 7680, with --quick 2048)")
    parser.add_argument("--steps", type=int, default=None,
                        help="timed batches per run (default 10, with --quick 3)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="untimed batches per run (default 3, with --quick 2)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="default 3, with --quick 1")
    parser.add_argument("--only", default=None, help="comma-separated configuration names")
    parser.add_argument("--threads", default=None,
                        help="INTRAxINTER thread settings to try in fresh processes ('' for "
                             "none; default 1x1,2x1, with --quick 1x1)")
    parser.add_argument("--cli-images", type=int, default=None,
                        help="images for the end-to-end command run (0: skip; default 1280, "
                             "with --quick 512)")
    parser.add_argument("--quick", action="store_true", help="smoke test: tiny runs")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args()
    # Options not given take the defaults of the chosen mode; given ones are kept.
    for name, value in (QUICK_DEFAULTS if args.quick else DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, value)

    bench = Bench(args.images, args.steps, args.warmup)
    configs = configurations(bench)
    if args.only:
        wanted = args.only.split(",")
        configs = {k: v for k, v in configs.items() if k in wanted or k.startswith("keras_fit_d")}
    threads = [tuple(map(int, t.split("x"))) for t in args.threads.split(",") if t]
    results: dict[str, list[float]] = {name: [] for name in configs}
    results.update({f"package_threads_{a}x{b}": [] for a, b in threads})
    cli_runs: list[dict] = []
    for repeat in range(args.repeats):
        for name, run in configs.items():
            results[name].append(run())
            print(f"[{repeat + 1}/{args.repeats}] {name}: {results[name][-1]:.0f} images/s",
                  flush=True)
        for intra, inter in threads:
            value = run_threads_worker(intra, inter, args)
            results[f"package_threads_{intra}x{inter}"].append(value)
            print(f"[{repeat + 1}/{args.repeats}] threads {intra}x{inter}: {value:.0f} images/s",
                  flush=True)
        if args.cli_images:
            cli_runs.append(run_cli(args.cli_images))
            print(f"[{repeat + 1}/{args.repeats}] cnn-tutorial train: {cli_runs[-1]}", flush=True)

        report(results, cli_runs, args, repeat + 1)


def report(results, cli_runs, args, done: int) -> None:
    import tensorflow as tf

    flops = flops_per_image()
    peak = cpu_peak()
    baseline = statistics.median(results["keras_fit_defaults_b32"])
    baseline_128 = statistics.median(results.get("keras_fit_b128") or [float("nan")])
    rows = []
    for name, values in results.items():
        median = statistics.median(values)
        rows.append({"name": name, "median_images_per_second": median, "runs": values,
                     "ratio_to_keras_defaults": median / baseline,
                     "ratio_to_keras_b128": median / baseline_128,
                     "gflops": median * flops["training"] / 1e9})
    if cli_runs:
        median = statistics.median(r["images_per_second_epoch"] for r in cli_runs)
        rows.append({"name": "cnn_tutorial_train_command", "median_images_per_second": median,
                     "runs": [r["images_per_second_epoch"] for r in cli_runs],
                     "ratio_to_keras_defaults": median / baseline,
                     "ratio_to_keras_b128": median / baseline_128,
                     "gflops": median * flops["training"] / 1e9,
                     "wall_seconds": [r["wall_seconds"] for r in cli_runs],
                     "peak_rss_mib": max(r["peak_rss_mib"] for r in cli_runs)})

    print()
    print(f"CPU: {peak['cpu']}, {peak['cores']} cores at {peak['ghz']:.2f} GHz; fp32 peak "
          f"{peak['cores']} x {peak['ghz']:.2f} GHz x {peak['flop_per_cycle']} FLOP/cycle = "
          f"{peak['peak_gflops']:.0f} GFLOP/s (AVX-512: {peak['avx512']}, "
          f"AVX512-BF16: {peak['avx512_bf16']})")
    print(f"FLOP per training image (forward + backward, from the layer shapes): "
          f"{flops['training'] / 1e6:.1f} M (forward {flops['forward'] / 1e6:.1f} M)")
    from cnn_tutorial import backprop

    print(f"median of {done} interleaved repeats, {args.steps} timed batches each; "
          f"TensorFlow {tf.__version__}; the package's default gradients here "
          f"('auto'): {backprop.gradients()}")
    print(f"{'configuration':36} {'images/s':>9} {'x Keras b32':>11} {'x Keras b128':>12} "
          f"{'GFLOP/s':>8} {'% peak':>7}")
    for row in rows:
        print(f"{row['name']:36} {row['median_images_per_second']:9.0f} "
              f"{row['ratio_to_keras_defaults']:11.2f} {row['ratio_to_keras_b128']:12.2f} "
              f"{row['gflops']:8.1f} {100 * row['gflops'] / peak['peak_gflops']:6.0f}%")
    if cli_runs:
        print(f"cnn-tutorial train ({args.cli_images} images, 1 epoch): peak RSS "
              f"{rows[-1]['peak_rss_mib']:.0f} MiB, wall "
              f"{statistics.median(rows[-1]['wall_seconds']):.1f} s (start-up included)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": peak, "flops_per_image": flops, "tensorflow": tf.__version__,
            "auto_gradients": backprop.gradients(),
            "repeats": done, "steps": args.steps, "rows": rows}, indent=1))



if __name__ == "__main__":
    main()

"""The ``cnn-tutorial`` command: apply kernels to a photo, print layer shapes, train the convnet.

Three subcommands (``cnn-tutorial SUBCOMMAND --help`` for each):

* ``kernels``: filter an image file (or the bundled sample photo) with every
  kernel of :data:`cnn_tutorial.kernels.KERNELS` and write the figure as a PNG.
* ``shape``: the output shape and parameter count of each layer of a stack
  (default: the lecture's network).
* ``train``: train the convnet on MNIST (:func:`cnn_tutorial.train.train`),
  with TensorBoard logs and checkpoints; running the same command again after
  an interruption resumes from the latest checkpoint.

Bad input (a missing file, an unknown name, a number out of range) prints one
line on stderr and exits with status 2; ``python -m cnn_tutorial`` works too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cnn_tutorial import __version__
from cnn_tutorial.choices import COMPUTE_DTYPES, LR_SCHEDULES, MODELS, STRATEGIES

__all__ = ["build_parser", "main"]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block) and exit status 2."""

    def error(self, message: str):  # noqa: D401 - argparse's signature
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _int_at_least(minimum: int):
    """An argparse ``type`` for integers >= ``minimum``, with a message that says so."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value

    return parse


_positive_int = _int_at_least(1)
_non_negative_int = _int_at_least(0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser (used by :func:`main` and the docs).

    Examples:
        >>> args = build_parser().parse_args(["train", "--epochs", "2", "--model", "keras"])
        >>> args.command, args.epochs, args.model, args.batch_size
        ('train', 2, 'keras', 128)
    """
    parser = _Parser(prog="cnn-tutorial", description=(
        "Convolutions in TensorFlow (Stanford CS 20, lecture 7): apply hand-made kernels to "
        "a photo, print the output shape of each layer of a convnet, train the lecture's "
        "convnet on MNIST."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    kernels = commands.add_parser(
        "kernels", help="apply every kernel to a photo and write a figure (PNG)",
        description="Filter an image (or the bundled sample photo) with every kernel of "
                    "cnn_tutorial.kernels.KERNELS and write the results side by side as a PNG.")
    kernels.add_argument("image", nargs="?", type=Path,
                         help="image file (PNG, JPEG, ...); default: the sample photo")
    kernels.add_argument("-o", "--output", type=Path, default=Path("kernels.png"),
                         help="PNG file to write (default: %(default)s)")
    kernels.add_argument("--color", action="store_true",
                         help="filter each colour channel (default: grayscale, as the lecture)")
    kernels.add_argument("--size", type=_positive_int, default=None,
                         help="resize the central square of the photo to SIZE x SIZE first")
    kernels.add_argument("--stride", type=_positive_int, default=1,
                         help="stride of the convolution (the lecture's demo used 3)")
    kernels.add_argument("--padding", choices=("SAME", "VALID", "same", "valid"),
                         default="SAME", help="padding (default: %(default)s)")

    shape = commands.add_parser(
        "shape", help="print each layer's output shape and parameter count",
        description="Print the output shape and parameter count of every layer of a stack. "
                    "Layers: conv:FILTERS:KERNEL[:STRIDE[:PADDING]], pool:SIZE[:STRIDE["
                    ":PADDING]], flatten, dense:UNITS, dropout[:RATE], comma-separated; "
                    "'lecture' is the lecture's convnet.")
    shape.add_argument("layers", nargs="?", default="lecture",
                       help="the stack, e.g. 'conv:32:5,pool:2,flatten,dense:10' "
                            "(default: %(default)s)")
    shape.add_argument("--input", default="28x28x1", metavar="HxWxC",
                       help="input shape (default: %(default)s)")

    train = commands.add_parser(
        "train", help="train the convnet on MNIST (resumes from its checkpoints)",
        description="Train the lecture's convnet on MNIST with Adam, evaluate it on the test "
                    "set after each epoch, write TensorBoard logs and checkpoints. Running "
                    "the same command again resumes from the latest checkpoint in "
                    "--checkpoint-dir; --epochs and --max-steps are totals over all runs.")
    train.add_argument("--data-dir", type=Path, default=None,
                       help="folder with the four MNIST IDX files (.gz or not); default: "
                            "$CNN_TUTORIAL_DATA_DIR, then the cache, then a download")
    train.add_argument("--epochs", type=_positive_int, default=1,
                       help="total epochs (default: %(default)s)")
    train.add_argument("--batch-size", type=_positive_int, default=128,
                       help="global batch size (default: %(default)s, as the lecture)")
    train.add_argument("--learning-rate", type=_positive_float, default=1e-3,
                       help="Adam's initial learning rate (default: %(default)s)")
    train.add_argument("--lr-schedule", choices=LR_SCHEDULES, default=LR_SCHEDULES[0],
                       help="cosine: the rate falls to 0 at the end of --epochs; constant: "
                            "the lecture's fixed rate (default: %(default)s)")
    train.add_argument("--model", choices=MODELS, default=MODELS[0],
                       help="lowlevel: ConvNet from tf.nn ops; keras: keras_convnet() "
                            "(default: %(default)s)")
    train.add_argument("--precision", choices=COMPUTE_DTYPES,
                       default=COMPUTE_DTYPES[0],
                       help="compute dtype (variables stay float32; default: %(default)s)")
    train.add_argument("--xla", action="store_true",
                       help="compile the training step with XLA (jit_compile)")
    train.add_argument("--log-dir", type=Path, default=None,
                       help="TensorBoard folder (default: no logs)")
    train.add_argument("--checkpoint-dir", type=Path, default=None,
                       help="checkpoint folder; an existing one is resumed (default: none)")
    train.add_argument("--checkpoint-every", type=_positive_int, default=500,
                       help="steps between checkpoints, besides each epoch's end "
                            "(default: %(default)s)")
    train.add_argument("--max-steps", type=_positive_int, default=None,
                       help="stop when the global step reaches this number")
    train.add_argument("--strategy", choices=STRATEGIES, default=STRATEGIES[0],
                       help="tf.distribute strategy (default: %(default)s)")
    train.add_argument("--seed", type=_non_negative_int, default=0,
                       help="seed of the weights and of the shuffled order (default: "
                            "%(default)s)")
    train.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                       help="use only the first N training and N test images (quick runs)")
    train.add_argument("--threads", type=_non_negative_int, default=None,
                       help="TensorFlow intra-op threads (default: TensorFlow's choice, "
                            "one per core)")
    train.add_argument("--no-progress", action="store_true",
                       help="no progress bar (it is shown only on a terminal anyway)")
    train.add_argument("--json", action="store_true",
                       help="print a JSON summary as the last line (step, epoch, "
                            "test_accuracy, seconds_per_epoch, ...)")
    return parser


def _fail(message: str) -> int:
    print(f"cnn-tutorial: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _parse_input_shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.lower().split("x"))
    except ValueError:
        shape = ()
    if len(shape) not in (1, 3) or min(shape) < 1:
        raise ValueError(f"--input must be HxWxC (e.g. 28x28x1) or a number of features, "
                         f"got {text!r}")
    return shape


def _run_shape(args: argparse.Namespace) -> int:
    from cnn_tutorial.arithmetic import describe_stack, format_stack, parse_stack

    input_shape = _parse_input_shape(args.input)
    rows = describe_stack(parse_stack(args.layers), input_shape)
    print(format_stack(rows, input_shape))
    return 0


def _read_image(path: Path):
    import numpy as np

    if not path.is_file():
        raise FileNotFoundError(f"image {path} does not exist")
    import matplotlib.image

    try:
        image = matplotlib.image.imread(path)
    except Exception as error:  # Pillow/matplotlib raise many types for bad files
        raise ValueError(f"image {path} could not be read as an image: {error}") from None
    image = np.asarray(image)
    if image.dtype == np.uint8:
        image = image.astype(np.float32) / 255
    if image.ndim == 3 and image.shape[-1] == 4:  # drop the alpha channel
        image = image[..., :3]
    return image.astype(np.float32)


def _run_kernels(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from cnn_tutorial.figures import kernel_grid
    from cnn_tutorial.kernels import KERNELS, apply_kernel, load_sample_image

    if args.output.suffix.lower() != ".png":
        raise ValueError(f"--output must end in .png, got {str(args.output)!r}")
    if args.image is None:
        image = load_sample_image(gray=not args.color, size=args.size)
    else:
        image = _read_image(args.image)
        if not args.color and image.ndim == 3:
            image = image[..., :3] @ np.array([0.2989, 0.5870, 0.1140], np.float32)
        if args.size is not None:
            import tensorflow as tf

            side = min(image.shape[:2])
            top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
            square = image[top:top + side, left:left + side]
            square = square[..., None] if square.ndim == 2 else square
            image = tf.image.resize(square, (args.size, args.size), antialias=True).numpy()
            image = image[..., 0] if not args.color or image.shape[-1] == 1 else image
    panels = {"input": image}
    for name, kernel in KERNELS.items():
        if name == "identity":
            continue
        panels[name] = apply_kernel(image, kernel, strides=args.stride, padding=args.padding)
    figure = kernel_grid(panels, ncols=4, normalize="clip")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.output, dpi=100)
    print(f"wrote {args.output} ({len(panels) - 1} kernels on a "
          f"{'x'.join(map(str, image.shape))} image)")
    return 0


def _run_train(args: argparse.Namespace) -> int:
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    from cnn_tutorial.data import load_mnist
    from cnn_tutorial.train import train

    (x_train, y_train), (x_test, y_test) = load_mnist(args.data_dir)
    if args.limit is not None:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]
    progress = False if args.no_progress else None
    try:
        result = train(args.model, (x_train, y_train), (x_test, y_test), epochs=args.epochs,
                       batch_size=args.batch_size, learning_rate=args.learning_rate,
                       lr_schedule=args.lr_schedule,
                       max_steps=args.max_steps, log_dir=args.log_dir,
                       checkpoint_dir=args.checkpoint_dir,
                       checkpoint_every=args.checkpoint_every, strategy=args.strategy,
                       compute_dtype=args.precision, jit_compile=args.xla, seed=args.seed,
                       progress=progress)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    if result.resumed_from_step is not None:
        print(f"resumed from step {result.resumed_from_step}")
    for stats in result.epochs:
        accuracy = "n/a" if stats.test_accuracy is None else f"{stats.test_accuracy:.4f}"
        print(f"epoch {stats.epoch}: step {stats.step}, loss {stats.loss:.4f}, "
              f"test accuracy {accuracy}, {stats.seconds:.1f} s "
              f"({stats.images_per_second:.0f} images/s)")
    if result.stopped == "max_steps":
        print(f"stopped at step {result.step} (--max-steps)")
    if args.json:
        print(json.dumps(result.summary()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0, 2 for bad input, 130 on Ctrl+C).

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Examples:
        >>> main(["shape", "conv:8:3,pool:2", "--input", "8x8x1"])
        layer    kind    output shape    parameters
        input            8 x 8 x 1                0
        conv1    conv    8 x 8 x 8               80
        pool1    pool    4 x 4 x 8                0
        total                                    80
        0
    """
    # TensorFlow's C++ start-up chatter (CUDA probing, CPU flags) is not for users.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    runners = {"kernels": _run_kernels, "shape": _run_shape, "train": _run_train}
    try:
        return runners[args.command](args)
    except (ValueError, TypeError, FileNotFoundError, NotADirectoryError,
            PermissionError) as error:
        return _fail(str(error).splitlines()[0] if str(error) else type(error).__name__)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``cnn-tutorial`` command: apply kernels to a photo, print layer shapes, train the convnet.

Three subcommands (``cnn-tutorial SUBCOMMAND --help`` for each):

* ``kernels``: filter an image file (or the bundled sample photo) with every
  kernel of [`cnn_tutorial.kernels.KERNELS`][cnn_tutorial.kernels.KERNELS] and write the figure as a PNG.
* ``shape``: the output shape and parameter count of each layer of a stack
  (default: the lecture's network).
* ``train``: train the convnet on MNIST ([`cnn_tutorial.train.train`][cnn_tutorial.train.train]),
  with TensorBoard logs and checkpoints; running the same command again after
  an interruption resumes from the latest checkpoint.

Whatever goes wrong, the user sees one line on stderr that names the argument
or file and what was expected, and the exit status says what happened:

* 2: bad input (a missing file, an unknown name, a number out of range, a
  path that names a file where a folder is expected, a broken data file);
* 1: the environment failed (a read-only folder, a full disk, no memory);
* 130: interrupted (Ctrl+C), at any moment.

``CNN_TUTORIAL_DEBUG=1`` shows the full traceback instead (for bug reports).
``python -m cnn_tutorial`` works too.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from cnn_tutorial import __version__
from cnn_tutorial._quiet import import_tensorflow
from cnn_tutorial._validation import check_folder
from cnn_tutorial.config import TrainConfig
from cnn_tutorial.distributed import WorkerUnavailableError
from cnn_tutorial.interrupts import TrainingInterrupted

__all__ = ["build_parser", "main"]

EXIT_USAGE = 2
EXIT_ENVIRONMENT = 1
EXIT_INTERRUPTED = 130

#: TensorFlow's counts, sizes and seeds are 32-bit: larger numbers are refused here
#: (instead of overflowing inside TensorFlow with a message that names nothing).
_MAX_INT = 2**31 - 1
#: More intra-op threads than this only slow TensorFlow down, and about 100,000
#: of them crash it (out of memory for thread stacks).
MAX_THREADS = max(256, 4 * (os.cpu_count() or 1))
#: Largest side for ``kernels --size`` and largest stride for ``kernels --stride``.
MAX_KERNELS_SIDE = 8192
#: Largest image ``kernels`` opens (pixels): a 20000 x 20000 PNG can be a few
#: hundred kilobytes on disk and tens of gigabytes once decoded.
MAX_IMAGE_PIXELS = 50_000_000
#: Largest image ``kernels`` filters (pixels). Filtering and drawing the figure
#: cost about 500 bytes per pixel in colour (200 in gray; measured with
#: ``/usr/bin/time -v`` on 2000 x 2000 images), so this keeps the command near
#: 2 GB; a larger image (or ``--size``) is scaled down first, with a note. The
#: figure's panels are 260 pixels wide, so nothing visible is lost.
MAX_FILTER_PIXELS = 2048 * 2048


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block) and exit status 2."""

    def error(self, message: str):  # noqa: D401 - argparse's signature
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class _CommandError(Exception):
    """A failure already worded for the user, with its exit status."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status


def _int_in_range(minimum: int, maximum: int = _MAX_INT, why: str = ""):
    """An argparse ``type`` for integers in ``[minimum, maximum]``, with a message that says so."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not minimum <= value <= maximum:
            expected = (f"an integer >= {minimum}"
                        if maximum == _MAX_INT and (value is None or value < minimum)
                        else f"an integer from {minimum} to {maximum}")
            raise argparse.ArgumentTypeError(f"expected {expected}{why}, got {text!r}")
        return value

    return parse


_positive_int = _int_in_range(1)
_non_negative_int = _int_in_range(0)
_thread_count = _int_in_range(
    0, MAX_THREADS, f" (0: TensorFlow's choice; this machine has {os.cpu_count()} cores)")
_side = _int_in_range(1, MAX_KERNELS_SIDE)


def _path(text: str) -> Path:
    """An argparse ``type`` for paths: ``~`` expanded, the empty string refused."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a path, got an empty string")
    return Path(text).expanduser()


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _add_settings(parser: argparse.ArgumentParser) -> None:
    """One option for each field of [`TrainConfig`][cnn_tutorial.config.TrainConfig] that has a flag.

    The option's range, choices, default and help come from the field's
    [`Setting`][cnn_tutorial.config.Setting]; nothing about a setting is written here.
    """
    group = parser.add_argument_group(
        "training settings", "the fields of cnn_tutorial.config.TrainConfig (see train())")
    for field in dataclasses.fields(TrainConfig):
        setting = field.metadata["setting"]
        if setting.flag is None:
            continue
        if setting.kind == "switch":
            group.add_argument(setting.flag, action="store_true", help=setting.help)
            continue
        reads = {"integer": {"type": _int_in_range(setting.minimum)},
                 "number": {"type": _positive_float}, "choice": {"choices": setting.choices},
                 "folder": {"type": _path}, "path": {"type": _path}}[setting.kind]
        group.add_argument(setting.flag, default=field.default, help=setting.help, **reads)


def _settings_of(args: argparse.Namespace) -> dict:
    """The [`TrainConfig`][cnn_tutorial.config.TrainConfig] fields given by ``args``."""
    settings = {}
    for field in dataclasses.fields(TrainConfig):
        setting = field.metadata["setting"]
        if setting.flag is not None:
            value = getattr(args, setting.flag[2:].replace("-", "_"))
            if setting.kind == "switch":
                value = setting.when_given if value else field.default
            settings[field.name] = value
    return settings


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser (used by [`main`][cnn_tutorial.cli.main] and the docs).

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
    _add_kernels(commands)
    _add_shape(commands)
    _add_train(commands)
    return parser


def _add_kernels(commands: argparse._SubParsersAction) -> None:
    """The ``kernels`` subcommand's options."""
    kernels = commands.add_parser(
        "kernels", help="apply every kernel to a photo and write a figure (PNG)",
        description="Filter an image (or the bundled sample photo) with every kernel of "
                    "cnn_tutorial.kernels.KERNELS and write the results side by side as a PNG.")
    kernels.add_argument("image", nargs="?", type=_path,
                         help="image file (PNG, JPEG, ...); default: the sample photo")
    kernels.add_argument("-o", "--output", type=_path, default=Path("kernels.png"),
                         help="PNG file to write (default: %(default)s)")
    kernels.add_argument("--color", action="store_true",
                         help="filter each colour channel (default: grayscale, as the lecture)")
    kernels.add_argument("--size", type=_side, default=None,
                         help="resize the central square of the photo to SIZE x SIZE first")
    kernels.add_argument("--stride", type=_side, default=1,
                         help="stride of the convolution (the lecture's demo used 3)")
    kernels.add_argument("--padding", choices=("SAME", "VALID", "same", "valid"),
                         default="SAME", help="padding (default: %(default)s)")


def _add_shape(commands: argparse._SubParsersAction) -> None:
    """The ``shape`` subcommand's options."""
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


def _add_train(commands: argparse._SubParsersAction) -> None:
    """The ``train`` subcommand: the training settings, then the command's own options."""
    train = commands.add_parser(
        "train", help="train the convnet on MNIST (resumes from its checkpoints)",
        description="Train the lecture's convnet on MNIST with Adam on the first 55,000 "
                    "training images, evaluate it on the last 5,000 (the lecture's validation "
                    "split) after each epoch and on the test set once at the end, write "
                    "TensorBoard logs and checkpoints. Running "
                    "the same command again resumes from the latest checkpoint in "
                    "--checkpoint-dir; --epochs and --max-steps are totals over all runs.")
    _add_settings(train)
    train.add_argument("--worker", action="append", default=None, metavar="HOST:PORT",
                       help="with --strategy multi-worker: one worker's address, once per "
                            "worker, the chief first (written to TF_CONFIG)")
    train.add_argument("--task-index", type=_non_negative_int, default=None, metavar="N",
                       help="with --worker: this process's position in the --worker list")
    train.add_argument("--connect-timeout", type=_positive_float, default=60.0, metavar="S",
                       help="with --strategy multi-worker: seconds to wait for every worker "
                            "to answer (default: %(default)s)")
    train.add_argument("--validation", type=_non_negative_int, default=None, metavar="N",
                       help="hold out the last N training images as the validation split, "
                            "evaluated after each epoch; 0: none (default: one twelfth, "
                            "the lecture's 5,000 of MNIST's 60,000)")
    train.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                       help="use only the first N training, N validation and N test images "
                            "(quick runs)")
    train.add_argument("--threads", type=_thread_count, default=None,
                       help=f"TensorFlow intra-op threads, at most {MAX_THREADS} (default: "
                            "TensorFlow's choice, one per core)")
    train.add_argument("--history", type=_path, default=None, metavar="FILE",
                       help="write the per-step loss/accuracy and test accuracy history as "
                            "JSON (under multi-worker: the chief only)")
    train.add_argument("--json", action="store_true",
                       help="print a JSON summary as the last line (step, epoch, "
                            "eval_accuracy: the validation split's, test_accuracy: the test "
                            "set's at the end, seconds_per_epoch, ...)")


def _fail(message: str, status: int = EXIT_USAGE) -> int:
    print(f"cnn-tutorial: error: {message}", file=sys.stderr)
    return status


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


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


def _read_image(path: Path, size: int | None = None):
    """Open an image file as float32 in [0, 1], refusing decompression bombs.

    With ``size``, the central square is cut out (still as uint8, so no
    float copy of the whole file is made); otherwise an image of more than
    ``MAX_FILTER_PIXELS`` is scaled down (box filter) to fit, saying so.
    """
    import warnings

    import numpy as np
    from PIL import Image

    if not path.is_file():
        if path.is_dir():
            raise _CommandError(f"image {path} is a folder; expected an image file")
        if path.exists():
            raise _CommandError(f"image {path} is not a regular file; expected an image file")
        raise FileNotFoundError(f"image {path} does not exist")
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:  # reads the header only
                width, height = opened.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _CommandError(
                        f"image {path} is {width} x {height} pixels; at most "
                        f"{MAX_IMAGE_PIXELS:,} pixels are accepted (make it smaller first)")
                gray = opened.mode in ("1", "L", "LA", "P;L", "I", "I;16", "F")
                converted = opened.convert("L" if gray else "RGB")
            if size is not None:
                side = min(width, height)
                left, top = (width - side) // 2, (height - side) // 2
                converted = converted.crop((left, top, left + side, top + side))
                largest = int(MAX_FILTER_PIXELS ** 0.5)  # >= size (see _filter_size)
                if side > largest:  # the float copy and the resize stay small
                    converted = converted.resize((largest, largest), Image.Resampling.BOX)
            elif width * height > MAX_FILTER_PIXELS:
                factor = (width * height / MAX_FILTER_PIXELS) ** 0.5
                smaller = (max(1, int(width / factor)), max(1, int(height / factor)))
                converted = converted.resize(smaller, Image.Resampling.BOX)
                _note(f"image {path} is {width} x {height} pixels; filtering it scaled down to "
                      f"{smaller[0]} x {smaller[1]} (at most {MAX_FILTER_PIXELS:,} pixels are "
                      f"filtered, to keep memory near 2 GB)")
            image = np.asarray(converted)
    except _CommandError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _CommandError(f"image {path} declares more pixels than the {MAX_IMAGE_PIXELS:,} "
                            f"accepted (a decompression bomb?)") from None
    except MemoryError:
        raise _CommandError(f"image {path} is too large to decode in memory",
                            EXIT_ENVIRONMENT) from None
    except Exception as error:  # Pillow raises many types for broken files
        raise ValueError(f"image {path} could not be read as an image: "
                         f"{_first_line(error)}") from None
    return image.astype(np.float32) / np.float32(255)


def _note(message: str) -> None:
    print(f"cnn-tutorial: note: {message}", file=sys.stderr, flush=True)


def _filter_size(size: int | None) -> int | None:
    """``--size``, lowered (with a note) to the largest square of ``MAX_FILTER_PIXELS``."""
    largest = int(MAX_FILTER_PIXELS ** 0.5)
    if size is not None and size > largest:
        _note(f"--size {size} is more than the {largest} x {largest} pixels filtered (to keep "
              f"memory near 2 GB); using --size {largest}")
        return largest
    return size


def _check_output_file(option: str, path: Path, suffix: str) -> Path:
    if path.suffix.lower() != suffix:
        raise ValueError(f"{option} must end in {suffix}, got {str(path)!r}")
    if path.is_dir():
        raise _CommandError(f"{option} names the folder {path}; expected a {suffix} file")
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise _CommandError(f"{option}: cannot write {path} because {existing} is a file, "
                            f"not a folder")
    check_folder(option, path.parent, create=True)
    return path


def _run_kernels(args: argparse.Namespace) -> int:
    output = _check_output_file("--output", args.output, ".png")
    import_tensorflow()
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from cnn_tutorial.figures import kernel_grid
    from cnn_tutorial.kernels import KERNELS, apply_kernel, load_sample_image

    size = _filter_size(args.size)
    if args.image is None:
        image = load_sample_image(gray=not args.color, size=size)
    else:
        image = _read_image(args.image, size)
        if not args.color and image.ndim == 3:
            image = image[..., :3] @ np.array([0.2989, 0.5870, 0.1140], np.float32)
        if size is not None:
            import tensorflow as tf

            square = image[..., None] if image.ndim == 2 else image  # already the centre
            image = tf.image.resize(square, (size, size), antialias=True).numpy()
            image = image[..., 0] if not args.color or image.shape[-1] == 1 else image
    panels = {"input": image}
    for name, kernel in KERNELS.items():
        if name == "identity":
            continue
        panels[name] = apply_kernel(image, kernel, strides=args.stride, padding=args.padding)
    figure = kernel_grid(panels, ncols=4, normalize="clip")
    try:
        figure.savefig(output, dpi=100)
    except OSError as error:
        raise _CommandError(f"--output: cannot write {output}: {error.strerror or error}",
                            EXIT_ENVIRONMENT) from None
    print(f"wrote {output} ({len(panels) - 1} kernels on a "
          f"{'x'.join(map(str, image.shape))} image)")
    return 0


def _cluster_from_args(args: argparse.Namespace):
    """Check the multi-worker options and TF_CONFIG (before TensorFlow loads); wait for peers."""
    from cnn_tutorial import distributed

    given = args.worker is not None or args.task_index is not None
    if args.strategy != "multi-worker":
        if given:
            raise _CommandError("--worker and --task-index go with --strategy multi-worker")
        return None
    if given:
        if args.worker is None or args.task_index is None:
            missing = "--task-index" if args.task_index is None else "--worker"
            raise _CommandError(f"--worker and --task-index go together: {missing} is missing")
        if os.environ.get(distributed.TF_CONFIG):
            raise _CommandError("TF_CONFIG is set and so are --worker/--task-index: give one "
                                "of them (unset TF_CONFIG or drop the options)")
        os.environ[distributed.TF_CONFIG] = distributed.tf_config(args.worker, args.task_index)
    config = distributed.parse_tf_config(os.environ.get(distributed.TF_CONFIG))
    distributed.wait_for_workers(config, args.connect_timeout)
    return config


def _run_train(args: argparse.Namespace) -> int:
    for option, folder in (("--checkpoint-dir", args.checkpoint_dir),
                           ("--log-dir", args.log_dir)):
        check_folder(option, folder, optional=True, create=True)
    config = TrainConfig(**_settings_of(args))
    cluster = _cluster_from_args(args)
    tf = import_tensorflow()
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    from cnn_tutorial.data import load_mnist
    from cnn_tutorial.train import evaluate, train

    (x_train, y_train), (x_test, y_test) = load_mnist(args.data_dir)
    held_out = len(x_train) // 12 if args.validation is None else args.validation
    if held_out >= len(x_train):
        raise ValueError(f"--validation must be smaller than the {len(x_train):,} training "
                         f"images, got {held_out}")
    split = len(x_train) - held_out
    x_val, y_val = x_train[split:], y_train[split:]
    x_train, y_train = x_train[:split], y_train[:split]
    if args.limit is not None:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
        x_val, y_val = x_val[:args.limit], y_val[:args.limit]
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]
    if cluster is not None:
        from cnn_tutorial.distributed import make_multi_worker_strategy

        config = config.replace(strategy=make_multi_worker_strategy(args.connect_timeout))
    validation = (x_val, y_val) if len(x_val) else None
    result = train(train_data=(x_train, y_train), eval_data=validation, config=config)
    if result.resumed_from_step is not None:
        print(f"resumed from step {result.resumed_from_step}")
    for stats in result.epochs:
        accuracy = "n/a" if stats.eval_accuracy is None else f"{stats.eval_accuracy:.4f}"
        print(f"epoch {stats.epoch}: step {stats.step}, loss {stats.loss:.4f}, "
              f"validation accuracy {accuracy}, {stats.seconds:.1f} s "
              f"({stats.images_per_second:.0f} images/s)")
    if result.stopped == "max_steps":
        print(f"stopped at step {result.step} (--max-steps)")
    # The test set, once, after every choice was made on the validation split.
    test_accuracy = evaluate(result.model, x_test, y_test)
    print(f"test accuracy {test_accuracy:.4f} ({len(x_test):,} test images, once, at the end)")
    if args.history is not None and (cluster is None or cluster.is_chief):
        _write_history(args.history, result.history)
    if args.json:
        summary = result.summary()
        summary.update(test_accuracy=test_accuracy,
                       split={"train": len(x_train), "validation": len(x_val),
                              "test": len(x_test)})
        print(json.dumps(summary))
    return 0


def _write_history(path: Path, history: dict) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(history), encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# Options whose value is a path, to say which one a failing file belongs to.
_PATH_OPTIONS = (("checkpoint_dir", "--checkpoint-dir"), ("log_dir", "--log-dir"),
                 ("history", "--history"),
                 ("data_dir", "--data-dir"), ("output", "--output"), ("image", "image"))

# OSErrors that say the path given is wrong (bad input), not that the system failed.
_BAD_PATH_ERRORS = (FileNotFoundError, NotADirectoryError, IsADirectoryError, FileExistsError)


def _option_of(path: object, args: argparse.Namespace) -> str | None:
    """The option whose path is ``path`` or one of its parents, if any."""
    if not path:
        return None
    try:
        target = Path(os.fsdecode(path)).expanduser().absolute()
    except (TypeError, ValueError):
        return None
    for attribute, option in _PATH_OPTIONS:
        value = getattr(args, attribute, None)
        if value is not None:
            given = Path(value).absolute()
            if target == given or given in target.parents:
                return option
    return None


def _name_the_option(text: str, args: argparse.Namespace) -> str:
    """``text`` led by the option whose path it mentions (``--checkpoint-dir: ...``).

    Left alone when it already starts with an option or its API name
    (``--log-dir: ...``, ``checkpoint_dir ...``).
    """
    named = tuple(name for attribute, option in _PATH_OPTIONS
                  for name in (option, option.lstrip("-"), attribute))
    if text.startswith(named):
        return text
    for attribute, option in _PATH_OPTIONS:
        value = getattr(args, attribute, None)
        if value is not None and str(value) in text:
            return f"{option}: {text}"
    return text


def _os_error_message(error: OSError, args: argparse.Namespace) -> str:
    if error.filename is None or error.strerror is None:
        return _name_the_option(_first_line(error), args)  # already worded by the package
    option = _option_of(error.filename, args)
    if error.errno == errno.ENOSPC:
        what = f"no space left on the device while writing {error.filename}"
    else:
        what = f"{error.strerror}: {error.filename}"
    return f"{option}: {what}" if option else what


def _tensorflow_error_message(error: Exception, args: argparse.Namespace) -> str:
    # "{{function_node __wrapped__SaveV2...}} /path; No space left on device [Op:SaveV2]"
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", _first_line(error))
    return _name_the_option(re.sub(r"\s*\[Op:\w+\]$", "", text), args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status.

    0 on success, 2 for bad input, 1 when the environment fails (a read-only
    folder, a full disk), 130 on Ctrl+C; each failure is one line on stderr.

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
    # TensorFlow's C++ start-up chatter (CUDA probing, CPU flags) is not for users;
    # the lines it prints before honouring this variable are held back by
    # cnn_tutorial._quiet.import_tensorflow.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        runners = {"kernels": _run_kernels, "shape": _run_shape, "train": _run_train}
        if os.environ.get("CNN_TUTORIAL_DEBUG"):
            return runners[args.command](args)
        return _run_guarded(runners[args.command], args)
    except KeyboardInterrupt as interrupt:
        if not isinstance(interrupt, TrainingInterrupted):  # train() has said where it stopped
            print("cnn-tutorial: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run_guarded(runner, args: argparse.Namespace) -> int:
    """Run one subcommand, turning every failure the user can act on into one line."""
    try:
        return runner(args)
    except _CommandError as error:
        return _fail(str(error), error.status)
    except _BAD_PATH_ERRORS as error:
        return _fail(_os_error_message(error, args), EXIT_USAGE)
    except WorkerUnavailableError as error:  # names its worker, not a path option
        return _fail(_first_line(error), EXIT_ENVIRONMENT)
    except OSError as error:  # read-only, full disk, permissions, ...
        return _fail(_os_error_message(error, args), EXIT_ENVIRONMENT)
    except MemoryError:
        return _fail("out of memory (try a smaller --batch-size, --limit or --size)",
                     EXIT_ENVIRONMENT)
    except (ValueError, TypeError) as error:
        return _fail(_first_line(error), EXIT_USAGE)
    except Exception as error:
        tf = sys.modules.get("tensorflow")
        if tf is not None and isinstance(error, tf.errors.OpError):
            status = EXIT_USAGE if isinstance(error, tf.errors.InvalidArgumentError) \
                else EXIT_ENVIRONMENT
            return _fail(_tensorflow_error_message(error, args), status)
        if isinstance(error, RuntimeError):  # e.g. a checkpoint folder in use
            return _fail(_name_the_option(_first_line(error), args), EXIT_ENVIRONMENT)
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

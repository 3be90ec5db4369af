"""Import TensorFlow without its C++ start-up lines (private).

TensorFlow 2.21 writes a few lines to the process's standard error while it
is imported and while it looks for devices, before its own logging honours
``TF_CPP_MIN_LOG_LEVEL``:

```text
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:... port.cc:153] oneDNN custom operations are on. ...
I0000 00:00:... cudart_stub.cc:31] Could not find cuda drivers on your machine, ...
E0000 00:00:... cuda_platform.cc:52] failed call to cuInit: ...
```

They come from C++, so ``sys.stderr`` and the ``logging``/``warnings``
modules never see them. `quiet_stderr` points file descriptor 2 at a
temporary file for the duration of a ``with`` block, then writes back every
line that is not such a known start-up notice (`NOISE`): a real error
printed meanwhile (a Python warning, a failed library load) still reaches the
user, only later. `import_tensorflow` uses it around ``import
tensorflow`` and the first device lookup; the ``cnn-tutorial`` command and
the site's notebook kernels call it before anything else imports TensorFlow.

Caveat: the block's output is held back until the block ends, so a process
killed inside it (a crash while TensorFlow loads) loses those lines.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["NOISE", "import_tensorflow", "is_noise", "quiet_stderr"]

# One log line's prefix up to the file name: absl's (severity letter, date, time,
# thread id) or, before TensorFlow 2.21, TensorFlow's own ("2026-12-01
# 01:09:41.572071: E " and the source file's folder).
_ABSL = (r"(?:[IWEF]\d{4} \d\d:\d\d:[\d.]+\s+\d+ "
         r"|\d{4}-\d\d-\d\d \d\d:\d\d:[\d.]+: [IWEF] (?:\S+/)?)")

#: Regular expressions of the lines that `quiet_stderr` drops; each
#: matches a whole line. Everything else is written back.
NOISE: tuple[re.Pattern[str], ...] = tuple(re.compile(pattern) for pattern in (
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    _ABSL + r"port\.cc:\d+\] oneDNN custom operations are on\..*",
    _ABSL + r"cudart_stub\.cc:\d+\] Could not find cuda drivers on your machine.*",
    _ABSL + r"cuda_platform\.cc:\d+\] failed call to cuInit: .*",
    _ABSL + r"cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized to use .*",
    r"To enable the following instructions: .* in other operations, rebuild TensorFlow "
    r"with the appropriate compiler flags\.",
    # On machines with CUDA: every GPU plugin registers itself twice.
    _ABSL + r"cuda_(?:dnn|fft|blas)\.cc:\d+\] Unable to register cu(?:DNN|FFT|BLAS) factory: .*",
    _ABSL + r"computation_placer\.cc:\d+\] computation placer already registered\..*",
    r"(?:\S+: )?TF-TRT Warning: Could not find TensorRT",
))


def is_noise(line: str) -> bool:
    """Whether ``line`` (without its newline) is a known TensorFlow start-up notice.

    Examples:
        >>> is_noise("WARNING: All log messages before absl::InitializeLog() is called "
        ...          "are written to STDERR")
        True
        >>> is_noise("I0000 00:00:1796083038.517958    7700 cudart_stub.cc:31] Could not "
        ...          "find cuda drivers on your machine, GPU will not be used.")
        True
        >>> is_noise("2026-12-01 01:09:41.572071: E external/local_xla/xla/stream_executor/"
        ...          "cuda/cuda_platform.cc:51] failed call to cuInit: INTERNAL: CUDA error")
        True
        >>> is_noise("E0000 00:00:1796083038.5 7700 io.cc:12] disk full")
        False
    """
    return any(pattern.fullmatch(line) for pattern in NOISE)


def _flush_python_streams() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()


@contextlib.contextmanager
def quiet_stderr(noise: Sequence[re.Pattern[str]] = NOISE) -> Iterator[None]:
    """Hold back file descriptor 2 during the block; write back all but ``noise`` lines.

    Works on the process's descriptor, so it catches what C and C++ code
    writes, which redirecting ``sys.stderr`` would not. Output is kept in a
    temporary file (never a pipe, which would block a writer once full) and
    written back, in order, when the block ends, also when it raises
    (``KeyboardInterrupt`` included). Without a usable descriptor 2 (a closed
    stream) the block simply runs.

    Args:
        noise: Compiled patterns of whole lines to drop (default `NOISE`).

    Examples:
        >>> import os
        >>> with quiet_stderr():
        ...     _ = os.write(2, b"WARNING: All log messages before absl::InitializeLog() "
        ...                     b"is called are written to STDERR\\n")
        >>> # nothing was printed; any other line would have been written back
    """
    _flush_python_streams()
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        held = tempfile.TemporaryFile()
    except OSError:  # no writable temporary folder: stay loud rather than fail
        os.close(saved)
        yield
        return
    with held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            _flush_python_streams()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            kept = [line for line in held.read().splitlines(keepends=True)
                    if not any(p.fullmatch(line.decode("utf-8", "replace").rstrip("\r\n"))
                               for p in noise)]
            if kept:
                with contextlib.suppress(OSError):
                    os.write(2, b"".join(kept))


def import_tensorflow() -> Any:
    """``import tensorflow`` without its start-up notices; returns the module.

    Also looks up the devices inside the quiet block (that is when TensorFlow
    reports a missing CUDA driver), which leaves the runtime uninitialised:
    thread counts and device settings can still be changed afterwards. Sets
    ``TF_CPP_MIN_LOG_LEVEL=2`` unless the variable is already set, so that
    TensorFlow's later informational lines stay quiet too. Cheap when
    TensorFlow is already imported.

    Examples:
        >>> tf = import_tensorflow()
        >>> tf.__name__
        'tensorflow'
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with quiet_stderr():
        import tensorflow as tf

        tf.config.list_physical_devices()
    return tf

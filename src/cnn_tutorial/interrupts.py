"""Ctrl+C, SIGTERM and SIGHUP end a training run between two steps, never inside one.

While [`StopSignals`][cnn_tutorial.interrupts.StopSignals] is active, the three signals only set a flag; the
training loop looks at it once a step is counted (global step and position
updated), saves a checkpoint and raises [`TrainingInterrupted`][cnn_tutorial.interrupts.TrainingInterrupted]. The
saved step and the optimizer's own iteration count therefore always agree,
and no batch is applied twice when the run resumes. A second Ctrl+C raises
at once. The previous handlers come back when the block ends. See the chapter
"A convnet on MNIST" (convnet-mnist.md).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

__all__ = ["StopSignals", "TrainingInterrupted"]

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                 if hasattr(signal, name))


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped by a signal; ``signum`` says which.

    A ``KeyboardInterrupt``, so code that handles Ctrl+C handles SIGTERM and
    SIGHUP the same way.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


class StopSignals:
    """A context manager: SIGINT, SIGTERM and SIGHUP set `signum` instead of stopping.

    Outside the main thread (where Python cannot install handlers) it does
    nothing, and signals keep their usual effect.

    Examples:
        >>> import os
        >>> with StopSignals() as stop:
        ...     os.kill(os.getpid(), signal.SIGTERM)
        ...     stop.signum == signal.SIGTERM
        True
        >>> try:
        ...     stop.raise_if_requested()
        ... except TrainingInterrupted as interrupt:
        ...     print(interrupt)
        SIGTERM
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in _SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signum is not None and signum == getattr(signal, "SIGINT", None):
            raise KeyboardInterrupt  # a second Ctrl+C: stop now
        self.signum = signum

    def raise_if_requested(self) -> None:
        """Raise [`TrainingInterrupted`][cnn_tutorial.interrupts.TrainingInterrupted] if a signal came since the block began."""
        if self.signum is not None:
            raise TrainingInterrupted(self.signum)

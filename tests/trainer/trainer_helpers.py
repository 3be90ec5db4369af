"""Helpers of the trainer tests (weights between Python and the harness page)."""

from __future__ import annotations

import numpy as np


def as_lists(weights: dict[str, np.ndarray]) -> dict[str, list[float]]:
    return {name: np.asarray(v, np.float32).ravel().tolist() for name, v in weights.items()}


def js_weights(page, seed: int, initializer: str) -> dict[str, np.ndarray]:
    """The browser's initial weights for ``seed`` and ``initializer``, shaped as TF's."""
    from cnn_tutorial.browser_training import VARIABLES

    flat = page.evaluate("""([seed, init]) => Object.fromEntries(Object.entries(
        net.initWeights(seed, init)).map(([k, v]) => [k, Array.from(v)]))""", [seed, initializer])
    return {name: np.asarray(flat[name], np.float32).reshape(shape) for name, shape, *_ in VARIABLES}

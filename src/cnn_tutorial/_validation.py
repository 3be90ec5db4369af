"""Argument checks shared by the package (private).

Every public function checks its arguments here *before* calling into
TensorFlow, so that bad input raises a ``ValueError``/``TypeError`` whose
message names the argument and what was expected, instead of a TensorFlow
traceback. Other modules of the package may import these helpers.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

PADDING_STRINGS = ("SAME", "VALID")

#: The largest integer TensorFlow takes for a stride, a size or a seed (its
#: attributes are 32-bit); larger Python ints would overflow inside TensorFlow
#: with a message that does not name the argument.
MAX_INT32 = 2**31 - 1


def _is_integer(value: Any) -> bool:
    # bool is an int subclass, but ``stride=True`` is always a mistake.
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value: Any, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= minimum`` (and ``<= maximum``).

    Raises:
        TypeError: ``value`` is not an integer (bools and floats are refused).
        ValueError: ``value`` is below ``minimum`` or above ``maximum``.

    Examples:
        >>> check_int("stride", 2)
        2
        >>> check_int("stride", 0)
        Traceback (most recent call last):
        ...
        ValueError: stride must be an integer >= 1, got 0
        >>> check_int("stride", 10**20, maximum=MAX_INT32)
        Traceback (most recent call last):
        ...
        ValueError: stride must be an integer >= 1 and <= 2147483647, got 100000000000000000000
    """
    expected = f"an integer >= {minimum}" + ("" if maximum is None else f" and <= {maximum}")
    if not _is_integer(value):
        raise TypeError(f"{name} must be {expected}, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def check_pair(name: str, value: Any, minimum: int = 1,
               maximum: int | None = None) -> tuple[int, int]:
    """Return ``(a, b)`` from an integer or a pair of integers, each ``>= minimum``.

    Examples:
        >>> check_pair("strides", 3)
        (3, 3)
        >>> check_pair("strides", (1, 2))
        (1, 2)
        >>> check_pair("strides", (1, 2, 3))
        Traceback (most recent call last):
        ...
        ValueError: strides must be an integer >= 1 or a pair of them, got (1, 2, 3)
    """
    expected = f"an integer >= {minimum}" + ("" if maximum is None else f" and <= {maximum}")
    if _is_integer(value):
        return (check_int(name, value, minimum, maximum),) * 2
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(map(_is_integer, value)):
        if min(value) < minimum or (maximum is not None and max(value) > maximum):
            raise ValueError(f"{name} must be {expected} or a pair of them, got {value!r}")
        return int(value[0]), int(value[1])
    if isinstance(value, (tuple, list)):
        raise ValueError(f"{name} must be {expected} or a pair of them, got {value!r}")
    raise TypeError(f"{name} must be {expected} or a pair of them, got {value!r}")


def check_padding(name: str, value: Any, allow_int: bool = False) -> str | int:
    """Return ``"SAME"``/``"VALID"`` (any letter case accepted), or an int when allowed.

    Args:
        name: The argument's name, for the error message.
        value: What the caller passed.
        allow_int: Whether a non-negative number of cells per side is accepted.

    Examples:
        >>> check_padding("padding", "same")
        'SAME'
        >>> check_padding("padding", 2, allow_int=True)
        2
        >>> check_padding("padding", "same!", allow_int=True)
        Traceback (most recent call last):
        ...
        ValueError: padding must be 'SAME', 'VALID' or a non-negative int, got 'same!'
    """
    expected = "'SAME', 'VALID' or a non-negative int" if allow_int else "'SAME' or 'VALID'"
    if isinstance(value, str):
        upper = value.upper()
        if upper in PADDING_STRINGS:
            return upper
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    if allow_int and _is_integer(value):
        if value < 0:
            raise ValueError(f"{name} must be {expected}, got {value!r}")
        return int(value)
    raise (ValueError if allow_int and isinstance(value, numbers.Real) else TypeError)(
        f"{name} must be {expected}, got {value!r}")


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``.

    Examples:
        >>> check_choice("initializer", "he", ("he", "glorot"))
        'he'
        >>> check_choice("initializer", "xavier", ("he", "glorot"))
        Traceback (most recent call last):
        ...
        ValueError: initializer must be one of 'he', 'glorot', got 'xavier'
    """
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def check_rate(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a number in ``[0, 1)``.

    Examples:
        >>> check_rate("dropout_rate", 0.25)
        0.25
        >>> check_rate("dropout_rate", 1)
        Traceback (most recent call last):
        ...
        ValueError: dropout_rate must be a number in [0, 1), got 1
    """
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}")
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def describe_array(value: Any) -> str:
    """A short description of an array-like for error messages (shape and dtype).

    Examples:
        >>> describe_array(np.zeros((2, 3), np.uint8))
        'an array of shape (2, 3) and dtype uint8'
    """
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is None:
        return f"a {type(value).__name__}"
    shape_text = tuple(shape) if not hasattr(shape, "as_list") else tuple(shape.as_list())
    dtype_text = getattr(dtype, "name", dtype)
    return f"an array of shape {shape_text} and dtype {dtype_text}"

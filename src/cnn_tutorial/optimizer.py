"""Adam with one fused kernel per variable: Keras' Adam, updated by ``ResourceApplyAdam``.

Keras 3's Adam updates each variable with about a dozen separate TensorFlow
ops (square, subtract, multiply, two ``assign_add``, square root, divide,
``assign_sub``...), each of which reads and writes the whole variable. For the
convnet's 3,136 x 1,024 ``fc`` weights that is most of the optimizer's time.
``tf.raw_ops.ResourceApplyAdam`` does the same arithmetic in one pass over
``var``, ``m``, ``v`` and the gradient. The benchmark page measures the gain.

The formula is Keras', step for step (``t`` counts from 1):

```text
m <- m + (g - m) (1 - beta_1)
v <- v + (g^2 - v) (1 - beta_2)
var <- var - lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)
```

so `FusedAdam` is a drop-in subclass: same arguments, same slot
variables, same checkpoints. It falls back to Keras' own update for AMSGrad
and for sparse (``IndexedSlices``) gradients.

It uses Keras' public interface only: the slots are the ones Keras' Adam
creates, recorded through the public ``add_variable_from_reference`` hook as
they are made, so no private attribute of Keras is read.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

__all__ = ["FusedAdam"]


class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` whose update of a dense variable is one fused op.

    Examples:
        >>> w = tf.Variable([1.0, -2.0])
        >>> optimizer = FusedAdam(learning_rate=0.1)
        >>> _ = optimizer.apply_gradients([(tf.constant([0.5, -0.5]), w)])
        >>> w.numpy().round(4).tolist()  # Adam's first step moves each weight by lr
        [0.9, -1.9]

        Three steps land where Keras' own Adam lands:

        >>> import keras
        >>> ours, theirs = tf.Variable([1.0, -2.0]), tf.Variable([1.0, -2.0])
        >>> fused, plain = FusedAdam(0.1), keras.optimizers.Adam(0.1)
        >>> for g in ([0.5, -0.5], [0.1, 0.3], [-2.0, 1.0]):
        ...     _ = fused.apply_gradients([(tf.constant(g), ours)])
        ...     _ = plain.apply_gradients([(tf.constant(g), theirs)])
        >>> bool(tf.reduce_all(tf.abs(ours - theirs) < 1e-6))
        True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (momentum, velocity) per model variable, recorded as Adam's build creates them.
        self.fused_slots: dict[int, list[Any]] = {}

    def add_variable_from_reference(self, reference_variable: Any, name: str | None = None,
                                    initializer: Any = "zeros") -> Any:
        """Keras' public hook for slot variables; also records Adam's m and v per variable."""
        slot = super().add_variable_from_reference(reference_variable, name, initializer)
        if name in ("momentum", "velocity"):
            self.fused_slots.setdefault(id(reference_variable), []).append(slot)
        return slot

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """Apply one Adam step to ``variable`` (a ``tf.Variable`` of a float dtype)."""
        slots = self.fused_slots.get(id(variable))
        if self.amsgrad or isinstance(gradient, tf.IndexedSlices) or slots is None \
                or len(slots) != 2:
            # AMSGrad, sparse gradients, and variables this object did not see in build
            # (a replica's copy under a distribution strategy): Keras' own update.
            return super().update_step(gradient, variable, learning_rate)
        momentum, velocity = slots
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.cast(self.beta_1, dtype)
        beta_2 = tf.cast(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=momentum.value.handle, v=velocity.value.handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype),
            use_locking=False)
        return None

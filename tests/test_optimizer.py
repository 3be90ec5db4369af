"""cnn_tutorial.optimizer: FusedAdam must be Keras' Adam, only faster."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnn_tutorial.model import ConvNet
from cnn_tutorial.optimizer import FusedAdam
from cnn_tutorial.train import make_train_step


def _train(optimizer_class, steps=4, **optimizer_args):
    model = ConvNet(dropout_rate=0.0, seed=0)  # no dropout: both runs see the same graph
    optimizer = optimizer_class(**optimizer_args)
    optimizer.build(model.trainable_variables)
    step = make_train_step(model, optimizer)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        step((tf.constant(rng.random((16, 28, 28, 1)), tf.float32),
              tf.constant(rng.integers(0, 10, 16))))
    return model, optimizer


@pytest.mark.slow
@pytest.mark.parametrize("arguments", [
    {"learning_rate": 1e-3},
    {"learning_rate": 3e-3, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-4},
])
def test_convnet_training_matches_keras_adam(arguments):
    fused_model, fused = _train(FusedAdam, **arguments)
    plain_model, plain = _train(keras.optimizers.Adam, **arguments)
    assert int(fused.iterations) == int(plain.iterations) == 4
    for ours, theirs in zip(fused_model.trainable_variables, plain_model.trainable_variables):
        # Where a gradient is ~0, m / sqrt(v) amplifies float32 rounding; 1 % of
        # one step (lr) still catches a wrong bias correction or epsilon.
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4,
                                   atol=0.01 * arguments["learning_rate"])
    # m and v: the weights differ by rounding after step 1, so the gradients do too.
    for ours, theirs in zip(fused.variables, plain.variables):
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-3, atol=1e-6)


def test_amsgrad_and_sparse_gradients_fall_back_to_keras():
    table = tf.Variable(tf.ones([4, 2]))
    reference = tf.Variable(tf.ones([4, 2]))
    sparse = tf.IndexedSlices(tf.constant([[1.0, -1.0]]), tf.constant([2]), tf.constant([4, 2]))
    _ = FusedAdam(0.1).apply_gradients([(sparse, table)])
    _ = keras.optimizers.Adam(0.1).apply_gradients([(sparse, reference)])
    np.testing.assert_allclose(table.numpy(), reference.numpy())
    w, v = tf.Variable([1.0, 2.0]), tf.Variable([1.0, 2.0])
    ours, theirs = FusedAdam(0.1, amsgrad=True), keras.optimizers.Adam(0.1, amsgrad=True)
    for g in ([1.0, -1.0], [-3.0, 0.5]):
        _ = ours.apply_gradients([(tf.constant(g), w)])
        _ = theirs.apply_gradients([(tf.constant(g), v)])
    np.testing.assert_allclose(w.numpy(), v.numpy(), rtol=1e-6)


@pytest.mark.slow
def test_checkpoint_of_keras_adam_restores_into_fused_adam(tmp_path):
    """Same slot variables: checkpoints written before FusedAdam existed still resume."""
    model, plain = _train(keras.optimizers.Adam, steps=2, learning_rate=1e-3)
    path = tf.train.Checkpoint(model=model, optimizer=plain).save(str(tmp_path / "ckpt"))
    restored_model = ConvNet(dropout_rate=0.0, seed=5)
    fused = FusedAdam(1e-3)
    fused.build(restored_model.trainable_variables)
    tf.train.Checkpoint(model=restored_model, optimizer=fused).restore(path).assert_consumed()
    assert int(fused.iterations) == 2
    for ours, theirs in zip(fused.variables, plain.variables):
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


@pytest.mark.slow
def test_every_replica_of_a_mirrored_variable_is_updated():
    script = textwrap.dedent("""
        import numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from cnn_tutorial.optimizer import FusedAdam
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        with strategy.scope():
            w = tf.Variable([1.0, -2.0])
            optimizer = FusedAdam(0.1)
            optimizer.build([w])

        @tf.function
        def step():
            def replica():
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(w * [0.5, -0.5])
                optimizer.apply_gradients([(tape.gradient(loss, w), w)])
            strategy.run(replica)

        step()
        step()
        values = [v.numpy() for v in w.values]
        assert len(values) == 2 and (values[0] == values[1]).all(), values
        np.testing.assert_allclose(values[0], [0.8, -1.8], rtol=1e-5)
        print("OK")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "OK"


def test_dense_variables_take_the_fused_update(monkeypatch):
    def keras_update(*args, **kwargs):
        raise AssertionError("FusedAdam fell back to Keras' Adam for a dense variable")

    monkeypatch.setattr(keras.optimizers.Adam, "update_step", keras_update)
    model = ConvNet(seed=0)
    optimizer = FusedAdam(1e-3)
    optimizer.build(model.trainable_variables)
    assert len(optimizer.fused_slots) == len(model.trainable_variables)
    step = make_train_step(model, optimizer)
    step((tf.zeros([2, 28, 28, 1]), tf.constant([1, 2])))
    assert int(optimizer.iterations) == 1


def test_reads_no_private_attribute_of_keras():
    import ast
    import inspect

    from cnn_tutorial import optimizer as module

    private = sorted({node.attr for node in ast.walk(ast.parse(inspect.getsource(module)))
                      if isinstance(node, ast.Attribute) and node.attr.startswith("_")
                      and not node.attr.startswith("__")})
    assert private == [], private

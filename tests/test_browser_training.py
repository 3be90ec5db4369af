"""cnn_tutorial.browser_training: the TensorFlow side of the in-browser trainer."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pytest

from cnn_tutorial import browser_training as bt


def test_hash_matches_the_browsers_values():
    # Values printed by docs/assets/trainer/net.js's hash32 (node, Chromium).
    assert bt.hash32(0, 0, [0, 1, 2]).tolist() == [3904035322, 3550203788, 3136959038]


def test_hash_rejects_bad_seeds():
    with pytest.raises(ValueError, match="seed"):
        bt.hash32(-1, 0, [0])
    with pytest.raises(ValueError, match="seed"):
        bt.hash32(2**32, 0, [0])


@pytest.mark.parametrize("initializer,fan_in,expected", [
    ("he", 784, math.sqrt(2 / 784)), ("lecture", 784, 0.8796), ("glorot", 784, math.sqrt(2 / 794))])
def test_initializers_spread(initializer, fan_in, expected):
    w = bt.init_weights(11, initializer)["fc/weights"]
    assert abs(float(w.std()) / expected - 1) < 0.05
    if initializer != "glorot":
        assert float(np.abs(w).max()) <= 2 * (expected / (0.8796 if initializer == "he" else 0.8796))


def test_biases():
    assert not bt.init_weights(0, "he")["conv1/biases"].any()
    lecture = bt.init_weights(0, "lecture")
    assert lecture["conv1/biases"].std() > 0.3 and not lecture["fc/biases"].any()


def test_init_is_deterministic_and_seeded():
    a, b, c = bt.init_weights(4), bt.init_weights(4), bt.init_weights(5)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["conv2/kernel"], c["conv2/kernel"])


def test_bad_initializer():
    with pytest.raises(ValueError, match="initializer"):
        bt.init_weights(0, "zeros")


def test_batch_indices_straddle_epochs():
    whole = bt.batch_indices(3, 10, 0, 30)
    assert bt.batch_indices(3, 10, 7, 9).tolist() == whole[7:16].tolist()
    for e in range(3):
        assert sorted(whole[10 * e:10 * e + 10].tolist()) == list(range(10))


def test_dropout_scales_rate():
    with pytest.raises(ValueError, match="rate"):
        bt.dropout_scales(0, 0, 1, 1.0)
    assert (bt.dropout_scales(0, 0, 2, 0.0) == 1).all()
    # Image k of the run has its own mask, wherever its batch starts.
    assert np.array_equal(bt.dropout_scales(1, 0, 4, 0.5)[2:], bt.dropout_scales(1, 2, 2, 0.5))


def test_forward_matches_a_keras_free_numpy_reference():
    """The network is what the docstring says: SAME 5x5 convolutions, ReLU, 2x2 pooling."""
    w = bt.init_weights(2)
    x = np.random.default_rng(0).random((2, 28, 28)).astype(np.float32)

    def conv(a, k, b):
        padded = np.pad(a, ((0, 0), (2, 2), (2, 2), (0, 0)))
        n, h, wd, _ = a.shape
        out = np.zeros((n, h, wd, k.shape[3]))
        for dy in range(5):
            for dx in range(5):
                out += padded[:, dy:dy + h, dx:dx + wd] @ k[dy, dx]
        return np.maximum(out + b, 0)

    def pool(a):
        n, h, wd, c = a.shape
        return a.reshape(n, h // 2, 2, wd // 2, 2, c).max(axis=(2, 4))

    a = pool(conv(x[..., None], w["conv1/kernel"], w["conv1/biases"]))
    a = pool(conv(a, w["conv2/kernel"], w["conv2/biases"]))
    logits = a.reshape(2, -1) @ w["fc/weights"] + w["fc/biases"]
    np.testing.assert_allclose(bt.forward(w, x).numpy(), logits, rtol=1e-4, atol=1e-5)


def test_gradients_match_finite_differences():
    w = {k: v.astype(np.float64) for k, v in bt.init_weights(3).items()}
    x = np.random.default_rng(1).random((3, 28, 28)).astype(np.float32)
    labels = [1, 4, 7]
    _, grads = bt.loss_and_gradients({k: v.astype(np.float32) for k, v in w.items()}, x, labels)
    for name, index in [("fc/biases", (4,)), ("conv1/kernel", (2, 2, 0, 3)),
                        ("conv2/biases", (5,))]:
        eps = 2e-3
        plus = {k: v.copy() for k, v in w.items()}
        minus = {k: v.copy() for k, v in w.items()}
        plus[name][index] += eps
        minus[name][index] -= eps
        f = lambda ws: bt.loss_and_gradients({k: v.astype(np.float32) for k, v in ws.items()},
                                             x, labels)[0]
        numeric = (f(plus) - f(minus)) / (2 * eps)
        assert abs(numeric - grads[name][index]) < 2e-3 + 0.05 * abs(numeric), name


def test_bad_weights_and_images():
    w = bt.init_weights(0)
    with pytest.raises(ValueError, match="missing"):
        bt.forward({k: v for k, v in w.items() if k != "fc/biases"}, np.zeros((1, 28, 28)))
    with pytest.raises(ValueError, match="shape"):
        bt.forward({**w, "fc/biases": np.zeros(3, np.float32)}, np.zeros((1, 28, 28)))
    with pytest.raises(ValueError, match="images"):
        bt.forward(w, np.zeros((1, 28, 27)))
    with pytest.raises(ValueError, match="labels"):
        bt.loss_and_gradients(w, np.zeros((2, 28, 28), np.uint8), [1])


def test_train_reference_learns_and_follows_the_seed():
    rng = np.random.default_rng(0)
    x = (rng.random((64, 28, 28)) * 255).astype(np.uint8)
    y = np.arange(64) % 10
    x[y == 3, :14] = 255  # something to learn
    run = bt.train_reference(bt.init_weights(0), x, y, steps=40, batch_size=16,
                             learning_rate=0.01, seed=0, validation=(x, y), eval_every=20)
    assert np.mean(run.losses[-5:]) < np.mean(run.losses[:5])
    assert sorted(run.val_accuracy) == [20, 40]
    again = bt.train_reference(bt.init_weights(0), x, y, steps=3, batch_size=16, seed=0)
    other = bt.train_reference(bt.init_weights(0), x, y, steps=3, batch_size=16, seed=1)
    first = bt.train_reference(bt.init_weights(0), x, y, steps=3, batch_size=16, seed=0)
    assert again.losses == first.losses and other.losses != first.losses


def test_export_subset_layout(tmp_path):
    x = np.arange(5 * 784, dtype=np.int64).reshape(5, 28, 28).astype(np.uint8)
    y = np.array([5, 6, 7, 8, 9])
    path = bt.export_subset(tmp_path, 3, 2, mnist=((x, y), (x[:0], y[:0])))
    raw = gzip.decompress(path.read_bytes())
    assert raw[:8] == b"CNNTMNST" and len(raw) == 16 + 5 * 785
    x_tr, y_tr, x_val, y_val = bt.read_subset(path)
    assert y_tr.tolist() == [5, 6, 7] and y_val.tolist() == [8, 9]
    assert np.array_equal(x_tr, x[:3]) and np.array_equal(x_val, x[3:5])
    before = path.read_bytes()
    bt.export_subset(tmp_path / "again", 3, 2, mnist=((x, y), (x[:0], y[:0])))
    assert (tmp_path / "again" / bt.SUBSET_FILE).read_bytes() == before  # no time stamp


def test_export_subset_bad_sizes(tmp_path):
    x = np.zeros((5, 28, 28), np.uint8)
    with pytest.raises(ValueError, match="n_train"):
        bt.export_subset(tmp_path, 4, 2, mnist=((x, np.zeros(5)), (x, np.zeros(5))))
    with pytest.raises(ValueError, match="n_val"):
        bt.export_subset(tmp_path, 1, 0, mnist=((x, np.zeros(5)), (x, np.zeros(5))))


def test_read_subset_rejects_other_files(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"not a subset")
    with pytest.raises(ValueError, match="export_subset"):
        bt.read_subset(path)

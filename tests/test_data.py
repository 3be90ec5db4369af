"""cnn_tutorial.data: IDX reading, the source order of load_mnist, the verified download, tf.data."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from helpers import write_idx, write_idx_folder

from cnn_tutorial import data
from cnn_tutorial.data import (
    download_mnist,
    find_idx_files,
    load_idx_folder,
    load_mnist,
    make_dataset,
    read_idx,
)

# Read before the autouse fixture hides it from every test.
REAL_MNIST = os.environ.get("CNN_TUTORIAL_DATA_DIR")
_REAL_URLOPEN = data.urllib.request.urlopen


@pytest.fixture(autouse=True)
def _no_ambient_sources(monkeypatch, tmp_path):
    """No test may see the machine's MNIST, cache or network unless it asks for them."""
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path / "default-cache"))

    def no_network(*args, **kwargs):
        raise AssertionError("a test tried to reach the network")

    monkeypatch.setattr(data.urllib.request, "urlopen", no_network)


# ---------------------------------------------------------------- read_idx

@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trip(tmp_path, compress):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = write_idx(tmp_path / "x", images, compress)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress
    result = read_idx(path)
    assert result.dtype == np.uint8 and result.shape == (2, 3, 4)
    np.testing.assert_array_equal(result, images)
    assert result.flags.writeable


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_truncated(tmp_path, compress):
    payload = bytes([0, 0, 8, 3]) + np.array([2, 3, 4], ">u4").tobytes() + bytes(20)
    path = tmp_path / "short"
    path.write_bytes(gzip.compress(payload) if compress else payload)
    with pytest.raises(ValueError, match=r"short is truncated: its header announces 24 values"):
        read_idx(path)


def test_read_idx_truncated_gzip_stream(tmp_path):
    payload = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 200]) + bytes(200))
    path = tmp_path / "cut.gz"
    path.write_bytes(payload[: len(payload) // 2])
    with pytest.raises(ValueError, match="cut.gz"):
        read_idx(path)


@pytest.mark.parametrize("content, message", [
    (b"", "an empty file"),
    (bytes([8, 3, 0, 0]) + bytes(12), "magic number"),
    (bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 1]), "type code"),
    (bytes([0, 0, 8, 3, 0, 0]), "truncated inside its header"),
])
def test_read_idx_bad_header(tmp_path, content, message):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_read_idx_trailing_bytes(tmp_path):
    path = tmp_path / "long"
    path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3]))
    with pytest.raises(ValueError, match="longer than its header says"):
        read_idx(path)


def test_read_idx_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        read_idx(tmp_path / "nothing-here")


# ------------------------------------------------------------ folders

@pytest.mark.parametrize("compress", [False, True])
def test_load_idx_folder(tmp_path, compress):
    write_idx_folder(tmp_path, train=7, test=3, compress=compress)
    (x_train, y_train), (x_test, y_test) = load_idx_folder(tmp_path)
    assert x_train.shape == (7, 28, 28) and y_train.shape == (7,)
    assert x_test.shape == (3, 28, 28) and y_test.shape == (3,)
    assert {a.dtype.name for a in (x_train, y_train, x_test, y_test)} == {"uint8"}


def test_dotted_names_and_fashion_mnist_like_content(tmp_path):
    # Fashion-MNIST has the same names and format; any 28x28 content loads.
    rng = np.random.default_rng(1)
    for split, count in (("train", 5), ("t10k", 2)):
        write_idx(tmp_path / f"{split}-images.idx3-ubyte",
                   rng.integers(0, 256, (count, 28, 28), dtype=np.uint8))
        write_idx(tmp_path / f"{split}-labels.idx1-ubyte",
                   rng.integers(0, 10, count, dtype=np.uint8))
    (x_train, _), (x_test, _) = load_idx_folder(tmp_path)
    assert x_train.shape == (5, 28, 28) and x_test.shape == (2, 28, 28)


def test_folder_without_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="has none of the four IDX files") as caught:
        find_idx_files(tmp_path)
    assert str(tmp_path) in str(caught.value)


def test_folder_missing_one_file(tmp_path):
    write_idx_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"lacks t10k-labels-idx1-ubyte\[\.gz\] "):
        load_idx_folder(tmp_path)


def test_folder_that_does_not_exist(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist or is not a folder"):
        load_mnist(tmp_path / "nope")


def test_counts_that_do_not_match(tmp_path):
    write_idx_folder(tmp_path, compress=False)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match="holds 6 images but .* holds 5 labels"):
        load_idx_folder(tmp_path)


def test_images_of_wrong_rank(tmp_path):
    write_idx_folder(tmp_path, compress=False)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((4, 784), np.uint8))
    with pytest.raises(ValueError, match="N x height x width"):
        load_idx_folder(tmp_path)


# ------------------------------------------------------- source order

def test_argument_wins_over_environment(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    write_idx_folder(first, train=3)
    write_idx_folder(second, train=9)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(second))
    assert len(load_mnist(first)[0][0]) == 3
    assert len(load_mnist()[0][0]) == 9


def test_environment_folder_must_hold_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=f"{data.DATA_DIR_ENV}="):
        load_mnist()


def test_cache_is_used_before_any_download(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    write_idx_folder(cache, train=4)
    # urlopen raises (autouse fixture): a download attempt would fail the test.
    assert len(load_mnist(cache_dir=cache)[0][0]) == 4


def test_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv(data.CACHE_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data.default_cache_dir() == tmp_path / "cnn_tutorial" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert data.default_cache_dir() == Path.home() / ".cache" / "cnn_tutorial" / "mnist"


def test_nothing_available_says_how_to_point_at_a_local_copy(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        load_mnist(cache_dir=tmp_path / "empty", download=False)
    assert data.DATA_DIR_ENV in str(caught.value) and "--data-dir" in str(caught.value)


# ------------------------------------------------------------ download

class _Server:
    """A local HTTP server (no real network) serving folders as mirrors, counting requests."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                super().do_GET()

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def mirrors(tmp_path, monkeypatch):
    """Two mirrors: 'bad' serves files whose content differs, 'good' the expected ones."""
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    write_idx_folder(good, train=6, test=4, compress=True, seed=0)
    write_idx_folder(bad, train=6, test=4, compress=True, seed=1)
    checksums = {path.name[:-3]: hashlib.md5(path.read_bytes()).hexdigest()
                 for path in good.iterdir()}
    monkeypatch.setattr(data, "MNIST_GZ_MD5", checksums)
    monkeypatch.setattr(data.urllib.request, "urlopen", _REAL_URLOPEN)
    server = _Server(tmp_path)
    monkeypatch.setattr(data, "MIRRORS", (server.url + "bad/", server.url + "good/"))
    yield server
    server.close()


def test_download_verifies_and_falls_back_to_the_next_mirror(mirrors, tmp_path):
    cache = tmp_path / "cache"
    (x_train, y_train), (x_test, _) = load_mnist(cache_dir=cache)
    assert x_train.shape == (6, 28, 28) and x_test.shape == (4, 28, 28)
    expected = load_idx_folder(tmp_path / "good")
    np.testing.assert_array_equal(x_train, expected[0][0])
    # Every file was refused by the bad mirror (checksum) and taken from the good one.
    assert sorted(p for p in mirrors.requests if p.startswith("/bad/")) == sorted(
        f"/bad/{name}.gz" for name in data.IDX_FILES.values())
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        f"{name}.gz" for name in data.IDX_FILES.values())  # no temporary files left
    # A second call reads the cache: no request at all.
    count = len(mirrors.requests)
    load_mnist(cache_dir=cache)
    assert len(mirrors.requests) == count


def test_download_keeps_files_already_cached(mirrors, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "train-images-idx3-ubyte.gz").write_bytes(
        (tmp_path / "good" / "train-images-idx3-ubyte.gz").read_bytes())
    download_mnist(cache, mirrors=[mirrors.url + "good/"])
    assert "/good/train-images-idx3-ubyte.gz" not in mirrors.requests
    assert len(mirrors.requests) == 3


def test_download_with_only_bad_mirrors_leaves_nothing_behind(mirrors, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(FileNotFoundError) as caught:
        download_mnist(cache, mirrors=[mirrors.url + "bad/", mirrors.url + "missing/"])
    message = str(caught.value)
    assert "MD5" in message and "404" in message and data.DATA_DIR_ENV in message
    assert list(cache.iterdir()) == []


def test_download_of_a_corrupt_gzip(mirrors, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in data.IDX_FILES.values():
        (broken / f"{name}.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(FileNotFoundError, match="could not download MNIST file"):
        download_mnist(tmp_path / "cache", mirrors=[mirrors.url + "broken/"])
    assert list((tmp_path / "cache").iterdir()) == []


# ------------------------------------------------------------ tf.data

def test_make_dataset_normalises_and_keeps_every_image_once():
    images = np.arange(300, dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    labels = np.arange(300) % 10
    batches = list(make_dataset(images, labels, batch_size=64, seed=3))
    assert [int(x.shape[0]) for x, _ in batches] == [64, 64, 64, 64, 44]
    x = np.concatenate([b[0].numpy() for b in batches])
    y = np.concatenate([b[1].numpy() for b in batches])
    assert x.shape == (300, 28, 28, 1) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    seen = np.rint(x[:, 0, 0, 0] * 255).astype(int)
    assert sorted(seen) == sorted(list(range(256)) + list(range(44)))  # uint8 wraps at 256
    assert not np.array_equal(seen, np.arange(300) % 256)  # shuffled


def test_make_dataset_labels_follow_images():
    images = (np.arange(50, dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8))
    labels = np.arange(50)
    for x, y in make_dataset(images, labels, batch_size=8, seed=1):
        np.testing.assert_array_equal(np.rint(x.numpy()[:, 0, 0, 0] * 255).astype(int), y)


def test_make_dataset_seed_order_and_skip():
    images = np.zeros((100, 28, 28), np.uint8)
    labels = np.arange(100)

    def order(**kwargs):
        return np.concatenate([y.numpy() for _, y in make_dataset(images, labels, 16, **kwargs)])

    first = order(seed=5)
    np.testing.assert_array_equal(first, order(seed=5))
    assert not np.array_equal(first, order(seed=6))
    np.testing.assert_array_equal(order(seed=5, skip_examples=37), first[37:])
    np.testing.assert_array_equal(order(shuffle=False), np.arange(100))


@pytest.mark.parametrize("kwargs, message", [
    ({"labels": np.zeros(3)}, "one label per image"),
    ({"labels": np.zeros(5, np.float32)}, "labels must be integers"),
    ({"images": np.zeros((5, 784), np.uint8)}, "images must be a non-empty array"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1"),
])
def test_make_dataset_bad_input(kwargs, message):
    arguments = {"images": np.zeros((5, 28, 28), np.uint8), "labels": np.zeros(5, np.int64)}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        make_dataset(**arguments)


# ------------------------------------------------------------ real MNIST

@pytest.mark.skipif(not REAL_MNIST, reason="CNN_TUTORIAL_DATA_DIR is not set (no local MNIST)")
def test_real_mnist(monkeypatch):
    monkeypatch.setenv(data.DATA_DIR_ENV, REAL_MNIST)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9] and y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert sorted(np.unique(y_train).tolist()) == list(range(10))
    # The same bytes as the published files (checksums of the uncompressed originals).
    assert hashlib.md5(y_test.tobytes()).hexdigest() == hashlib.md5(
        gzip.decompress(Path(REAL_MNIST, "t10k-labels-idx1-ubyte.gz")
                        .read_bytes())[8:]).hexdigest()


# ------------------------------------------------------------ hostile files stay bounded

def _idx_header(shape, type_code=8) -> bytes:
    return bytes([0, 0, type_code, len(shape)]) + b"".join(
        int(size).to_bytes(4, "big") for size in shape)


def _peak_bytes(function, *args):
    import tracemalloc

    tracemalloc.start()
    try:
        try:
            function(*args)
        except ValueError:
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("compress", [False, True])
def test_a_header_claiming_more_than_the_file_holds_allocates_nothing(tmp_path, compress):
    payload = _idx_header((100_000, 1000, 1000)) + bytes(1000)  # 93 GiB claimed
    path = tmp_path / "claims.gz"
    path.write_bytes(gzip.compress(payload) if compress else payload)
    message = "more than a compressed file of" if compress else "is truncated"
    with pytest.raises(ValueError, match=message):
        read_idx(path)
    assert _peak_bytes(read_idx, path) < 4 * 2**20


def test_sizes_whose_product_wraps_around_in_numpy(tmp_path):
    # 2**32-1 four times: NumPy's int64 product wraps to a small number.
    path = tmp_path / "wraps"
    path.write_bytes(_idx_header((2**32 - 1,) * 4) + bytes(16))
    with pytest.raises(ValueError, match="is truncated"):
        read_idx(path)


def test_gzip_bomb_is_read_into_the_final_array_only(tmp_path):
    shape = (48, 1000, 1000)  # 48 MB of zeros, about 47 KB compressed
    path = tmp_path / "bomb.gz"
    with gzip.open(path, "wb") as out:
        out.write(_idx_header(shape))
        for _ in range(shape[0]):
            out.write(bytes(shape[1] * shape[2]))
    assert path.stat().st_size < 100_000
    size = int(np.prod(shape))
    assert _peak_bytes(read_idx, path) < size * 1.2  # gzip.GzipFile held a second copy


@pytest.mark.parametrize("declared, actual, message", [
    ((40, 1000, 1000), 30, "is truncated"),
    ((20, 1000, 1000), 30, "longer than its header says"),
])
def test_gzip_bomb_with_more_or_less_than_declared(tmp_path, declared, actual, message):
    path = tmp_path / "bomb.gz"
    noise = np.random.default_rng(0).integers(0, 256, 2000, dtype=np.uint8).tobytes()
    with gzip.open(path, "wb") as out:  # about 300:1, under deflate's limit of 1032:1
        out.write(_idx_header(declared))
        for _ in range(actual):
            out.write(noise + bytes(1_000_000 - len(noise)))
    with pytest.raises(ValueError, match=message):
        read_idx(path)
    assert _peak_bytes(read_idx, path) < int(np.prod(declared)) * 1.2


def test_corrupt_deflate_data_names_the_file(tmp_path):
    payload = _idx_header((64, 28, 28)) + np.random.default_rng(0).integers(
        0, 256, 64 * 28 * 28, dtype=np.uint8).tobytes()
    blob = bytearray(gzip.compress(payload))
    blob[len(blob) // 2: len(blob) // 2 + 64] = bytes(range(64))
    path = tmp_path / "corrupt.gz"
    path.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match=r"corrupt\.gz could not be read") as caught:
        read_idx(path)
    assert not isinstance(caught.value, gzip.zlib.error)


def test_bytes_after_the_gzip_stream(tmp_path):
    path = tmp_path / "appended.gz"
    path.write_bytes(gzip.compress(_idx_header((3,)) + bytes([1, 2, 3])) + b"appended junk")
    with pytest.raises(ValueError, match="not gzip data follow the gzip stream"):
        read_idx(path)
    # Several gzip members and zero padding are valid gzip, as gzip.open reads them.
    path.write_bytes(gzip.compress(_idx_header((3,)) + bytes([1])) + gzip.compress(bytes([2, 3]))
                     + bytes(8))
    assert read_idx(path).tolist() == [1, 2, 3]


def test_labels_outside_0_to_9_are_refused_at_load_time(tmp_path):
    folder = write_idx_folder(tmp_path / "data", compress=False)
    write_idx(folder / "t10k-labels-idx1-ubyte", np.array([1, 2, 12, 3], np.uint8))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte: labels must be in 0\.\.9, "
                                         r"got values from 1 to 12"):
        load_idx_folder(folder)
    assert load_idx_folder(folder, n_classes=None)[1][1].tolist() == [1, 2, 12, 3]


def test_a_mirror_appending_bytes_fails_verification(mirrors, tmp_path):
    appended = tmp_path / "appended"
    appended.mkdir()
    for path in (tmp_path / "good").iterdir():
        (appended / path.name).write_bytes(path.read_bytes() + b"\0extra")
    with pytest.raises(FileNotFoundError, match="has MD5"):
        download_mnist(tmp_path / "cache", mirrors=[mirrors.url + "appended/"])
    assert list((tmp_path / "cache").iterdir()) == []


def test_download_size_is_capped(mirrors, tmp_path, monkeypatch):
    monkeypatch.setattr(data, "MAX_DOWNLOAD_BYTES", 100)
    with pytest.raises(FileNotFoundError, match="more than the 100 accepted"):
        download_mnist(tmp_path / "cache", mirrors=[mirrors.url + "good/"])
    assert list((tmp_path / "cache").iterdir()) == []


class _EndlessServer:
    """Answers every request with a body that never ends: no Content-Length, a byte at a time."""

    def __init__(self) -> None:
        stopping = self.stopping = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(200)
                self.end_headers()
                try:
                    while not stopping.is_set():
                        self.wfile.write(b"\x1f")
                        self.wfile.flush()
                        stopping.wait(0.01)
                except OSError:
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def test_an_endless_slow_response_stops_at_the_time_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(data.urllib.request, "urlopen", _REAL_URLOPEN)
    server = _EndlessServer()
    try:
        with pytest.raises(FileNotFoundError, match="time limit"):
            download_mnist(tmp_path / "cache", mirrors=[server.url], timeout=5, time_limit=0.3)
    finally:
        server.close()
    assert list((tmp_path / "cache").iterdir()) == []


def test_an_endless_response_stops_at_the_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(data.urllib.request, "urlopen", _REAL_URLOPEN)
    monkeypatch.setattr(data, "MAX_DOWNLOAD_BYTES", 50)
    server = _EndlessServer()
    try:
        with pytest.raises(FileNotFoundError, match="sent more than the 50 bytes accepted"):
            download_mnist(tmp_path / "cache", mirrors=[server.url], timeout=5)
    finally:
        server.close()


def test_a_cached_download_that_no_longer_loads_is_fetched_again(mirrors, tmp_path):
    cache = tmp_path / "cache"
    load_mnist(cache_dir=cache)
    broken = cache / "train-labels-idx1-ubyte.gz"
    broken.write_bytes(broken.read_bytes()[:-20])  # truncated on disk
    before = len(mirrors.requests)
    (x_train, y_train), _ = load_mnist(cache_dir=cache)
    assert y_train.shape == (6,)
    assert mirrors.requests[before:] == ["/bad/train-labels-idx1-ubyte.gz",
                                         "/good/train-labels-idx1-ubyte.gz"]
    # Without downloads, the broken file is reported, not deleted.
    broken.write_bytes(broken.read_bytes()[:-20])
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz"):
        load_mnist(cache_dir=cache, download=False)
    assert broken.is_file()


@pytest.mark.parametrize("empty", ["", " "])
def test_an_empty_data_dir_is_not_the_current_folder(tmp_path, monkeypatch, empty):
    write_idx_folder(tmp_path)
    monkeypatch.chdir(tmp_path)  # MNIST-like files right here: must not be picked up
    with pytest.raises(ValueError, match="data_dir must name a folder, got"):
        load_mnist(empty)

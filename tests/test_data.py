"""lecturelib.data: where Fashion-MNIST is found, how it is downloaded (against a local server), IDX parsing,
the subset helper and the sample photographs. No test touches the network beyond 127.0.0.1."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import json
import os
import pathlib
import socket
import threading
import zlib

import numpy as np
import pytest

from lecturelib import data

NAMES = data.FASHION_MNIST_FILES  # role -> file name
REAL_DEBIAN = data.DEBIAN_FASHION_MNIST_DIR


# --------------------------------------------------------------------------------------------- helpers


def idx_bytes(arr: np.ndarray) -> bytes:
    """Encode a uint8 array as an IDX file: 0x00 0x00 0x08 ndim, big-endian int32 dimensions, data."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return header + arr.tobytes()


def tiny_dataset(seed: int, n_train: int = 5, n_test: int = 3):
    """Small random images and labels, distinct for every seed."""
    rng = np.random.default_rng(seed)
    x_train = rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8)
    y_train = np.arange(n_train) % 10
    y_test = rng.integers(0, 10, size=n_test)
    return (x_train, y_train), (x_test, y_test)


def gz_files(dataset) -> dict[str, bytes]:
    """File name -> gzipped IDX bytes for a ``((x_train, y_train), (x_test, y_test))`` tuple."""
    (x_train, y_train), (x_test, y_test) = dataset
    arrays = {"train_images": x_train, "train_labels": y_train, "test_images": x_test, "test_labels": y_test}
    return {NAMES[role]: gzip.compress(idx_bytes(a), mtime=0) for role, a in arrays.items()}


def publish(files: dict[str, bytes]) -> None:
    """Accept these blobs' decompressed content as "published" (the ``isolated`` fixture's checksum table)."""
    for name, blob in files.items():
        accepted = data.FASHION_MNIST_RAW_MD5.get(name)
        if isinstance(accepted, set):
            with contextlib.suppress(OSError, EOFError, zlib.error):
                accepted.add(md5(gzip.decompress(blob)))


def write_dataset(folder, dataset, overrides=None, published=True) -> None:
    """Write the four files (``overrides`` replacing some); ``published``: their content passes the checksums."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {**gz_files(dataset), **(overrides or {})}
    if published:
        publish(files)
    for name, blob in files.items():
        (folder / name).write_bytes(blob)


def assert_equal_dataset(got, want) -> None:
    (xa, ya), (xb, yb) = got
    (wxa, wya), (wxb, wyb) = want
    assert xa.dtype == np.uint8 and xb.dtype == np.uint8
    assert ya.dtype == np.int64 and yb.dtype == np.int64
    np.testing.assert_array_equal(xa, wxa)
    np.testing.assert_array_equal(ya, wya)
    np.testing.assert_array_equal(xb, wxb)
    np.testing.assert_array_equal(yb, wyb)


def md5(blob: bytes) -> str:
    return hashlib.md5(blob).hexdigest()


@contextlib.contextmanager
def serve(files: dict[str, bytes], truncate=()):
    """Serve ``files`` on 127.0.0.1 (a free port) from a thread; names in ``truncate`` are cut off half way.

    Yields ``(base_url, hits)`` where ``hits`` lists the requested names. The server stops on exit.
    """
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = 5  # never wait longer than this on a client

        def do_GET(self):
            name = self.path.lstrip("/")
            hits.append(name)
            if name not in files:
                self.send_error(404)
                return
            body = files[name]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))  # the full length, even when truncating
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if name in truncate else body)
            self.close_connection = True

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        assert not thread.is_alive()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No $LECTURELIB_DATA, no Debian copy, the user cache in tmp_path/cache, short timeouts, fresh caches."""
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.delenv(data.URL_ENV, raising=False)
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "no-debian")
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT", 5.0)
    # tiny synthetic data sets stand in for Fashion-MNIST: the tests say which contents count as published
    monkeypatch.setattr(data, "FASHION_MNIST_RAW_MD5", {name: set() for name in NAMES.values()})
    data.clear_cache()
    yield tmp_path / "cache" / "lecturelib" / "fashion-mnist"
    data.clear_cache()


def leftovers(folder) -> set[str]:
    return set(os.listdir(folder)) if folder.exists() else set()


# --------------------------------------------------------------------------------------------- Debian copy


debian = pytest.mark.skipif(
    not all((REAL_DEBIAN / n).is_file() for n in NAMES.values()),
    reason=f"{REAL_DEBIAN} is absent (sudo apt-get install dataset-fashion-mnist)",
)


@debian
def test_debian_copy_loads(monkeypatch, tmp_path):
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv(data.URL_ENV, f"http://127.0.0.1:{closed_port()}/")  # a download would fail loudly
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64 and y_test.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)
    assert 0 < x_train.mean() < 255 and x_train.max() == 255
    assert not (tmp_path / "lecturelib" / "fashion-mnist").exists()  # nothing was downloaded
    verified = json.loads((tmp_path / "lecturelib" / "verified.json").read_text())
    assert sorted(pathlib.Path(k).name for k in verified) == sorted(NAMES.values())  # checked, and remembered


@debian
def test_debian_copy_has_published_content():
    """Debian re-headered the .gz files (their MD5 differs from the published one); the content is the same."""
    for name in NAMES.values():
        with gzip.open(REAL_DEBIAN / name, "rb") as f:
            assert md5(f.read()) == data.FASHION_MNIST_RAW_MD5[name], name


# --------------------------------------------------------------------------------------------- look-up order


def test_env_folder_takes_precedence_over_debian_and_cache(isolated, tmp_path, monkeypatch):
    # The real Debian folder (if installed) and a filled cache: the env folder must still win.
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST_DIR", REAL_DEBIAN)
    write_dataset(isolated, tiny_dataset(seed=2))  # something else in the cache
    want = tiny_dataset(seed=1)
    write_dataset(tmp_path / "env", want)
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "env"))
    assert_equal_dataset(data.load_fashion_mnist(download=False), want)


def test_env_folder_fashion_mnist_subfolder(isolated, tmp_path, monkeypatch):
    want = tiny_dataset(seed=3)
    write_dataset(tmp_path / "env" / "fashion-mnist", want)
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "env"))
    assert_equal_dataset(data.load_fashion_mnist(download=False), want)


def test_data_dir_argument_comes_first(isolated, tmp_path, monkeypatch):
    write_dataset(tmp_path / "env", tiny_dataset(seed=4))
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "env"))
    want = tiny_dataset(seed=5)
    write_dataset(tmp_path / "explicit", want)
    assert_equal_dataset(data.load_fashion_mnist(tmp_path / "explicit", download=False), want)


def test_cache_is_used_without_network(isolated, monkeypatch):
    want = tiny_dataset(seed=6)
    write_dataset(isolated, want)
    monkeypatch.setenv(data.URL_ENV, f"http://127.0.0.1:{closed_port()}/")
    assert_equal_dataset(data.load_fashion_mnist(), want)


def test_results_are_cached_and_callers_cannot_corrupt_them(isolated, tmp_path, monkeypatch):
    want = tiny_dataset(seed=7)
    write_dataset(tmp_path / "d", want)
    calls = []
    real = data._read_idx
    monkeypatch.setattr(data, "_read_idx", lambda *a: calls.append(a) or real(*a))
    (x_train, y_train), _ = data.load_fashion_mnist(tmp_path / "d")
    x_train[:] = 0
    y_train[:] = 9
    assert_equal_dataset(data.load_fashion_mnist(tmp_path / "d"), want)
    assert len(calls) == 4  # each file parsed once


# --------------------------------------------------------------------------------------------- corrupt files


def _gz(raw: bytes) -> bytes:
    """gzip with a fixed header time, so the same bytes (and test IDs) on every collection."""
    return gzip.compress(raw, mtime=0)


@pytest.mark.parametrize(
    ("name", "blob", "message"),
    [
        (NAMES["train_images"], b"not gzip at all", "gzip"),
        (NAMES["train_images"], _gz(idx_bytes(np.zeros(5, np.uint8))), "magic"),
        (NAMES["train_images"], _gz(idx_bytes(np.zeros((5, 28, 28), np.uint8))[:-1]), "holds"),
        (NAMES["train_images"], _gz(idx_bytes(np.zeros((5, 28, 28), np.uint8))[:10]), "too short"),
        (NAMES["train_images"], _gz(idx_bytes(np.zeros((5, 14, 14), np.uint8))), "(14, 14)"),
        (NAMES["train_labels"], _gz(idx_bytes(np.zeros(4, np.uint8))), "4 labels for 5 images"),
        (NAMES["test_labels"], _gz(idx_bytes(np.array([1, 2, 10], np.uint8))), "out of range"),
        (NAMES["test_images"], _gz(idx_bytes(np.zeros((3, 28, 28), np.uint8)))[:-20], "gzip"),
    ],
    ids=["not-gzip", "bad-magic", "truncated-payload", "short-header", "wrong-image-size", "label-count",
         "label-out-of-range", "truncated-gzip"],
)
def test_corrupt_file_is_named(isolated, tmp_path, name, blob, message):
    write_dataset(tmp_path / "d", tiny_dataset(seed=8), overrides={name: blob})
    with pytest.raises(data.DataFormatError) as info:
        data.load_fashion_mnist(tmp_path / "d", download=False)
    assert name in str(info.value) and message in str(info.value)


# --------------------------------------------------------------------------------------------- download


@pytest.fixture
def served(isolated, monkeypatch):
    """The tiny data set as .gz blobs, with the expected MD5 table patched to their sums."""
    want = tiny_dataset(seed=9)
    files = gz_files(want)
    monkeypatch.setattr(data, "FASHION_MNIST_MD5", {name: md5(blob) for name, blob in files.items()})
    publish(files)
    return want, files


def test_download_good(isolated, served, monkeypatch):
    want, files = served
    with serve(files) as (url, hits):
        monkeypatch.setenv(data.URL_ENV, url)
        assert_equal_dataset(data.load_fashion_mnist(), want)
        assert sorted(hits) == sorted(files)
        assert leftovers(isolated) == set(files)
        for name, blob in files.items():
            assert (isolated / name).read_bytes() == blob
        data.clear_cache()
        assert_equal_dataset(data.load_fashion_mnist(), want)
        assert len(hits) == 4  # the second call read the cache


def test_download_url_argument(isolated, served):
    want, files = served
    with serve(files) as (url, hits):
        assert_equal_dataset(data.load_fashion_mnist(url=url.rstrip("/")), want)
        assert len(hits) == 4


def test_download_checksum_mismatch_leaves_nothing(isolated, served, monkeypatch):
    want, files = served
    bad = NAMES["train_labels"]
    tampered = {**files, bad: gzip.compress(idx_bytes(np.full(5, 3, np.uint8)))}
    with serve(tampered) as (url, hits):
        monkeypatch.setenv(data.URL_ENV, url)
        with pytest.raises(data.DataNotFoundError) as info:
            data.load_fashion_mnist()
    assert "MD5 mismatch" in str(info.value) and bad in str(info.value)
    assert bad in hits
    kept = leftovers(isolated)
    assert bad not in kept
    assert all(name in files and md5((isolated / name).read_bytes()) == data.FASHION_MNIST_MD5[name]
               for name in kept), kept  # only verified files, no temporary ones
    # With the server fixed, the next call fetches only what is missing.
    with serve(files) as (url, hits):
        monkeypatch.setenv(data.URL_ENV, url)
        assert_equal_dataset(data.load_fashion_mnist(), want)
        assert bad in hits and not set(hits) & kept


def test_download_cut_off_leaves_nothing(isolated, served, monkeypatch):
    _, files = served
    first = NAMES["train_images"]
    with serve(files, truncate={first}) as (url, hits):
        monkeypatch.setenv(data.URL_ENV, url)
        with pytest.raises(data.DataNotFoundError) as info:
            data.load_fashion_mnist()
    assert hits == [first]
    assert "incomplete" in str(info.value) and first in str(info.value)
    assert leftovers(isolated) == set()


def test_download_http_error(isolated, served, monkeypatch):
    _, files = served
    missing = NAMES["test_images"]
    with serve({k: v for k, v in files.items() if k != missing}) as (url, _):
        monkeypatch.setenv(data.URL_ENV, url)
        with pytest.raises(data.DataNotFoundError, match="HTTP 404"):
            data.load_fashion_mnist()
    assert missing not in leftovers(isolated)
    assert all(not n.startswith(".") for n in leftovers(isolated))


def test_no_copy_no_network_says_how_to_get_the_data(isolated, monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "empty"))
    monkeypatch.setenv(data.URL_ENV, f"http://127.0.0.1:{closed_port()}/")
    with pytest.raises(data.DataNotFoundError) as info:
        data.load_fashion_mnist()
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "sudo apt-get install dataset-fashion-mnist" in message and "LECTURELIB_DATA" in message
    for place in data.fashion_mnist_dirs():
        assert str(place) in message
    assert str(tmp_path / "empty") in message and str(data.DEBIAN_FASHION_MNIST_DIR) in message
    assert "cannot reach the server" in message
    assert leftovers(isolated) == set()


def test_download_false_never_touches_the_network(isolated, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("download attempted")

    monkeypatch.setattr(data.urllib.request, "urlopen", fail)
    with pytest.raises(data.DataNotFoundError, match="download=False"):
        data.load_fashion_mnist(download=False)


# --------------------------------------------------------------------------------------------- fashion_mnist_arrays


def test_fashion_mnist_arrays_scales_shapes_and_subsets(isolated, tmp_path):
    (x_train, y_train), (x_test, y_test) = tiny_dataset(seed=10, n_train=50, n_test=20)
    write_dataset(tmp_path / "d", ((x_train, y_train), (x_test, y_test)))

    (xa, ya), (xb, yb) = data.fashion_mnist_arrays(data_dir=tmp_path / "d")
    assert xa.shape == (50, 1, 28, 28) and xa.dtype == np.float32 and xb.shape == (20, 1, 28, 28)
    np.testing.assert_allclose(xa[:, 0], x_train / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(ya, y_train)
    np.testing.assert_array_equal(yb, y_test)

    (xa, ya), (xb, yb) = data.fashion_mnist_arrays(15, 7, dtype=np.float64, flatten=True, data_dir=tmp_path / "d")
    assert xa.shape == (15, 784) and xa.dtype == np.float64 and xb.shape == (7, 784)
    assert 0.0 <= xa.min() and xa.max() <= 1.0
    counts = np.bincount(ya, minlength=10)
    assert counts.min() == 1 and counts.max() == 2  # stratified: 15 = 5 * 2 + 5 * 1
    # Rows are genuine samples, in the data set's order, labels matching their images.
    rows = [int(np.flatnonzero((x_train.reshape(50, -1) / 255.0 == r).all(axis=1))[0]) for r in xa]
    assert rows == sorted(rows) and len(set(rows)) == 15
    np.testing.assert_array_equal(ya, y_train[rows])

    again = data.fashion_mnist_arrays(15, 7, dtype=np.float64, flatten=True, data_dir=tmp_path / "d")
    np.testing.assert_array_equal(again[0][0], xa)
    other = data.fashion_mnist_arrays(15, 7, dtype=np.float64, flatten=True, seed=1, data_dir=tmp_path / "d")
    assert not np.array_equal(other[0][0], xa)

    (xr, _), _ = data.fashion_mnist_arrays(15, stratified=False, data_dir=tmp_path / "d")
    assert xr.shape == (15, 1, 28, 28)
    with pytest.raises(ValueError, match="subset size"):
        data.fashion_mnist_arrays(51, data_dir=tmp_path / "d")
    with pytest.raises(ValueError, match="floating"):
        data.fashion_mnist_arrays(dtype=np.uint8, data_dir=tmp_path / "d")


# --------------------------------------------------------------------------------------------- sample_image


def test_sample_image():
    img = data.sample_image()
    assert img.ndim == 3 and img.shape[2] == 3 and img.shape[:2] == (600, 512)
    assert img.dtype == np.float64 and 0.0 <= img.min() and img.max() <= 1.0
    assert img.max() > 0.5 and img.std() > 0.05  # a real photograph, not a blank
    img[:] = 0
    assert data.sample_image().max() > 0.5  # each call returns a new array
    assert data.sample_image(size=(30, 40)).shape == (30, 40, 3)
    small = data.sample_image(size=32)
    assert small.shape == (32, 32, 3) and 0.0 <= small.min() and small.max() <= 1.0


def test_sample_image_rejects_bad_arguments():
    with pytest.raises(ValueError, match="grace_hopper"):
        data.sample_image("mona_lisa")
    with pytest.raises(ValueError, match="size"):
        data.sample_image(size=(0, 10))
    with pytest.raises(ValueError, match="size"):
        data.sample_image(size=(1, 2, 3))


# --------------------------------------------------------------------------------------------- local copies


@pytest.mark.parametrize("swap", ["mnist-like", "test-over-train"])
def test_local_copy_with_other_content_is_refused(isolated, tmp_path, swap):
    """Files with the right names and shapes but another content (MNIST; the test set copied over the training
    set) fail the published checksums instead of loading as Fashion-MNIST."""
    good = tiny_dataset(seed=20)
    write_dataset(tmp_path / "d", good)                      # the "published" content
    files = gz_files(good)
    if swap == "mnist-like":
        other = gz_files(tiny_dataset(seed=21))              # same names, same shapes, other pixels
        blob = other[NAMES["train_images"]]
    else:
        blob = files[NAMES["test_images"]]
    (tmp_path / "d" / NAMES["train_images"]).write_bytes(blob)
    with pytest.raises(data.DataFormatError, match=r"train-images-idx3-ubyte.gz: not the published Fashion-MNIST"):
        data.load_fashion_mnist(tmp_path / "d", download=False)


def test_checksums_are_computed_once_per_file(isolated, tmp_path, monkeypatch):
    write_dataset(tmp_path / "d", tiny_dataset(seed=22))
    hashed = []
    real = data._raw_md5
    monkeypatch.setattr(data, "_raw_md5", lambda raw: hashed.append(1) or real(raw))
    data.load_fashion_mnist(tmp_path / "d")
    assert len(hashed) == 4
    data.clear_cache()                                       # a new process: parsed again, not hashed again
    data.load_fashion_mnist(tmp_path / "d")
    assert len(hashed) == 4
    target = tmp_path / "d" / NAMES["test_labels"]           # a changed file (new mtime) is checked again
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    data.clear_cache()
    data.load_fashion_mnist(tmp_path / "d")
    assert len(hashed) == 5


def _unreadable(path, monkeypatch):
    """Make ``path`` unreadable: chmod 0, and where that does not bite (root reads anything) the same
    PermissionError simulated at the calls lecturelib makes (``open`` for a file, ``is_file`` inside a folder)."""
    path.chmod(0)
    if not os.access(path, os.R_OK):
        return
    denied = PermissionError(13, "Permission denied")
    if path.is_dir():
        real_is_file = pathlib.Path.is_file

        def is_file(self):
            if path in self.parents:
                raise denied
            return real_is_file(self)
        monkeypatch.setattr(pathlib.Path, "is_file", is_file)
    else:
        def fake_open(file, *args, **kwargs):
            if pathlib.Path(file) == path:
                raise denied
            return open(file, *args, **kwargs)
        monkeypatch.setattr(data, "open", fake_open, raising=False)


def test_unreadable_file_is_not_called_corrupt(isolated, tmp_path, monkeypatch):
    write_dataset(tmp_path / "d", tiny_dataset(seed=23))
    target = tmp_path / "d" / NAMES["train_labels"]
    _unreadable(target, monkeypatch)
    try:
        with pytest.raises(data.DataUnreadableError, match="cannot be read.*do not delete it") as info:
            data.load_fashion_mnist(tmp_path / "d", download=False)
        assert not isinstance(info.value, data.DataFormatError)
    finally:
        target.chmod(0o644)


def test_unreadable_env_folder_warns_and_the_search_goes_on(isolated, tmp_path, monkeypatch):
    want = tiny_dataset(seed=24)
    write_dataset(tmp_path / "debian", want)
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "debian")
    write_dataset(tmp_path / "env", tiny_dataset(seed=25))
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "env"))
    _unreadable(tmp_path / "env", monkeypatch)
    try:
        with pytest.warns(RuntimeWarning, match=r"LECTURELIB_DATA=.*cannot be read.*using .*debian instead"):
            got = data.load_fashion_mnist()
    finally:
        (tmp_path / "env").chmod(0o755)
    assert_equal_dataset(got, want)


def test_incomplete_env_folder_is_not_skipped_silently(isolated, tmp_path, monkeypatch):
    want = tiny_dataset(seed=26)
    write_dataset(tmp_path / "debian", want)
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "debian")
    write_dataset(tmp_path / "env", tiny_dataset(seed=27))
    (tmp_path / "env" / NAMES["test_labels"]).unlink()
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "env"))
    with pytest.warns(RuntimeWarning, match=r"env lacks t10k-labels-idx1-ubyte.gz; using .*debian instead"):
        assert_equal_dataset(data.load_fashion_mnist(), want)


@pytest.mark.parametrize("state", ["missing-file", "missing-folder"])
def test_explicit_data_dir_is_never_skipped(isolated, tmp_path, monkeypatch, state):
    write_dataset(tmp_path / "env", tiny_dataset(seed=28))   # a complete copy further down the search
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "env"))
    explicit = tmp_path / "explicit"
    if state == "missing-file":
        write_dataset(explicit, tiny_dataset(seed=29))
        (explicit / NAMES["train_labels"]).unlink()
    with pytest.raises(data.DataNotFoundError, match=r"data_dir .*explicit lacks "
                                                     + ("train-labels" if state == "missing-file" else "train-images")):
        data.load_fashion_mnist(explicit)


def test_stale_part_files_are_cleaned(isolated, tmp_path):
    write_dataset(isolated, tiny_dataset(seed=30))           # a complete cache
    stale, fresh = isolated / ".train-images-idx3-ubyte.gz.abc.part", isolated / ".t10k-images-idx3-ubyte.gz.def.part"
    stale.write_bytes(b"killed")
    fresh.write_bytes(b"running")
    old = os.stat(stale).st_mtime - 2 * data.STALE_PART_SECONDS
    os.utime(stale, (old, old))
    data.load_fashion_mnist()
    assert not stale.exists() and fresh.exists()

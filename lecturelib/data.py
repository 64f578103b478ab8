"""The course's data: Fashion-MNIST and sample photographs, without touching the network when a copy exists.

Fashion-MNIST
-------------
:func:`load_fashion_mnist` reads the four gzipped IDX files of Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017)::

    train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz  t10k-images-idx3-ubyte.gz  t10k-labels-idx1-ubyte.gz

looking, in this order, in

1. the ``data_dir`` argument, when given;
2. ``$LECTURELIB_DATA`` (a folder holding the four files, or its ``fashion-mnist`` subfolder);
3. Debian's ``/usr/share/datasets/fashion-mnist/`` (``sudo apt-get install dataset-fashion-mnist``);
4. the user cache, ``$XDG_CACHE_HOME/lecturelib/fashion-mnist`` (default ``~/.cache/lecturelib/fashion-mnist``);

taking the first folder that holds all four files. An explicit ``data_dir`` must hold them (an error names the
missing ones, the search does not silently go on); a ``$LECTURELIB_DATA`` folder that is unreadable or
incomplete is passed over with a warning. Every local copy is checked once against the published checksums
of its decompressed content (:data:`FASHION_MNIST_RAW_MD5`; the result is remembered per path, size and
modification time), so MNIST or a file copied over another is refused; a file that cannot be read raises
:class:`DataUnreadableError`, a corrupt one :class:`DataFormatError`. Only when no folder has the files does it
download the missing ones from :data:`FASHION_MNIST_URL` (or ``$LECTURELIB_FASHION_MNIST_URL``)
into the cache. A download is written to a temporary ``.part`` file next to its target, checked against the
published MD5 sum (:data:`FASHION_MNIST_MD5`) and only then renamed into place, so no half-written or
unverified file survives an error or an interruption; ``.part`` files left by a killed process are removed
once they are older than :data:`STALE_PART_SECONDS`. With no copy and no network, :class:`DataNotFoundError` says where it
looked and how to get the data.

:func:`fashion_mnist_arrays` turns the result into what the chapters feed a network: floats in [0, 1] shaped
``(N, 1, 28, 28)`` (or ``(N, 784)``), optionally a reproducible class-balanced subset.

Photographs
-----------
:func:`sample_image` returns a photograph shipped inside an installed package (matplotlib's
``sample_data/grace_hopper.jpg``) as floats in [0, 1] shaped ``(H, W, 3)``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.client
import json
import os
import tempfile
import time
import urllib.error
import urllib.request
import warnings
import zlib
from pathlib import Path

import numpy as np
from numpy.typing import DTypeLike

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_FILES",
    "FASHION_MNIST_MD5",
    "FASHION_MNIST_URL",
    "SAMPLE_IMAGES",
    "DataFormatError",
    "DataNotFoundError",
    "DataUnreadableError",
    "clean_stale_parts",
    "clear_cache",
    "fashion_mnist_arrays",
    "fashion_mnist_dirs",
    "load_fashion_mnist",
    "sample_image",
]

#: The 10 Fashion-MNIST class names; ``FASHION_MNIST_CLASSES[y]`` names label ``y``.
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Base URL of the data set's published copy (the address given in the Fashion-MNIST README).
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

#: Environment variable overriding :data:`FASHION_MNIST_URL` (e.g. a local mirror).
URL_ENV = "LECTURELIB_FASHION_MNIST_URL"

#: Environment variable naming a folder with the four files (or with a ``fashion-mnist`` subfolder holding them).
DATA_ENV = "LECTURELIB_DATA"

#: Where Debian's ``dataset-fashion-mnist`` package installs the files.
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

#: The four files, by role.
FASHION_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

#: Published MD5 sums of the gzipped files, checked after every download. Debian's copies have the same
#: content but were re-headered (no file name in the gzip header, a different time stamp), so their ``.gz``
#: sums differ; compare the decompressed content with :data:`FASHION_MNIST_RAW_MD5` instead.
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}

#: MD5 sums of the decompressed IDX files (the same for the published and for Debian's copies). Every local
#: copy is checked against them once (the result is remembered per path, size and modification time in
#: ``verified.json`` beside the download cache), so MNIST — same names, same shapes — or the test files copied
#: over the training files are refused instead of loading as Fashion-MNIST.
FASHION_MNIST_RAW_MD5 = {
    "train-images-idx3-ubyte.gz": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte.gz": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte.gz": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte.gz": "15d484375f8d13e6eb1aabb0c3f46965",
}

#: Seconds a download may wait for the server (to connect, or for the next bytes) before giving up.
DOWNLOAD_TIMEOUT = 15.0

#: A ``.part`` file in the cache older than this many seconds is left over from a killed download: removed.
STALE_PART_SECONDS = 3600.0

_CHUNK = 1 << 16
_IMAGE_SHAPE = (28, 28)
_NUM_CLASSES = len(FASHION_MNIST_CLASSES)


class DataNotFoundError(RuntimeError):
    """No local copy of a data set was found and it could not be downloaded.

    The message lists every place looked, why the download failed, and how to get the data.
    """


class DataFormatError(ValueError):
    """A data file exists but is not what it should be (not gzip, bad IDX header, wrong size or labels, or not
    the published content)."""


class DataUnreadableError(OSError):
    """A data file or folder exists but cannot be read (permissions): not a corrupt file, do not delete it."""


# --------------------------------------------------------------------------------------------- look-up


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lecturelib" / "fashion-mnist"


def fashion_mnist_dirs(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Return the folders :func:`load_fashion_mnist` searches, in order (the last one is the download cache)."""
    dirs = []
    if data_dir is not None:
        dirs.append(Path(data_dir).expanduser())
    env = os.environ.get(DATA_ENV)
    if env:
        root = Path(env).expanduser()
        dirs += [root, root / "fashion-mnist"]
    dirs += [Path(DEBIAN_FASHION_MNIST_DIR), _cache_dir()]
    return dirs


def _missing(folder: Path) -> list[str]:
    """The files of the data set that ``folder`` lacks; ``DataUnreadableError`` if it cannot be searched."""
    try:
        return [name for name in FASHION_MNIST_FILES.values() if not (folder / name).is_file()]
    except PermissionError as exc:
        raise DataUnreadableError(exc.errno, f"{folder}: cannot be read ({exc.strerror}); check its permissions",
                                  str(folder)) from exc


def _has_all(folder: Path) -> bool:
    return not _missing(folder)


def _find(data_dir) -> tuple[Path | None, list[Path]]:
    """The first folder holding all four files, and the folders looked in.

    An explicit ``data_dir`` must hold them (a clear error otherwise, never a silent fall-through); a
    ``$LECTURELIB_DATA`` folder that exists but is unreadable or incomplete is skipped with a warning.
    """
    looked = fashion_mnist_dirs(data_dir)
    if data_dir is not None:
        folder = looked[0]
        missing = _missing(folder) if folder.exists() else list(FASHION_MNIST_FILES.values())
        if missing:
            raise DataNotFoundError(f"data_dir {folder} lacks {', '.join(missing)}; put the four Fashion-MNIST "
                                    "files there, or call load_fashion_mnist() without data_dir to search the "
                                    "usual places")
        return folder, looked
    env = os.environ.get(DATA_ENV)
    env_dirs = fashion_mnist_dirs()[:2] if env else []
    passed_over = []                       # why the $LECTURELIB_DATA folders were not used
    for folder in looked:
        try:
            missing = _missing(folder)
        except DataUnreadableError as exc:
            missing, reason = True, exc.strerror
        else:
            reason = f"{folder} lacks {', '.join(missing)}" if missing and folder.is_dir() else None
        if not missing:
            if folder not in env_dirs and passed_over:
                warnings.warn(f"{DATA_ENV}={env}: {'; '.join(passed_over)}; using {folder} instead",
                              RuntimeWarning, stacklevel=3)
            return folder, looked
        if folder in env_dirs and reason:
            passed_over.append(reason)
    if passed_over:
        warnings.warn(f"{DATA_ENV}={env}: {'; '.join(passed_over)}", RuntimeWarning, stacklevel=3)
    return None, looked


def _base_url(url=None) -> str:
    url = url or os.environ.get(URL_ENV) or FASHION_MNIST_URL
    return url if url.endswith("/") else url + "/"


# --------------------------------------------------------------------------------------------- download


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _download(url: str, target: Path, md5: str, timeout: float | None = None) -> None:
    """Download ``url`` to ``target`` atomically, verifying its MD5 sum.

    Bytes go to a temporary file in ``target``'s folder; only when the transfer is complete (as long as the
    server's Content-Length) and the MD5 sum matches is it renamed onto ``target`` with ``os.replace``. On any
    error, including ``KeyboardInterrupt``, the temporary file is removed and the exception propagates.
    """
    from .notebook import progress

    timeout = DOWNLOAD_TIMEOUT if timeout is None else timeout
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(url, headers={"User-Agent": "lecturelib"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                expected = int(length) if length and length.isdigit() else None
                h = hashlib.md5()
                received = 0
                with progress(expected, target.name, unit="B", unit_scale=True, unit_divisor=1024) as bar:
                    while True:
                        block = response.read(_CHUNK)
                        if not block:
                            break
                        out.write(block)
                        h.update(block)
                        received += len(block)
                        bar.update(len(block))
                if expected is not None and received != expected:
                    raise http.client.IncompleteRead(b"", expected - received)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if digest != md5:
            raise DataFormatError(f"{url}: MD5 mismatch, expected {md5}, got {digest} ({received} bytes)")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, http.client.IncompleteRead):
        return f"transfer cut off: {exc.expected} bytes missing (incomplete download)"
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"cannot reach the server ({exc.reason})"
    return f"{type(exc).__name__}: {exc}"


def clean_stale_parts(folder: Path, older_than: float | None = None) -> list[Path]:
    """Remove the ``.part`` files of downloads killed before they could clean up (older than ``older_than``
    seconds, default :data:`STALE_PART_SECONDS`; a younger one may belong to a download still running)."""
    older_than = STALE_PART_SECONDS if older_than is None else older_than
    removed = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for part in folder.glob(".*.part"):
        try:
            if now - part.stat().st_mtime > older_than:
                part.unlink()
                removed.append(part)
        except FileNotFoundError:  # another process removed it first
            pass
    return removed


def _download_all(folder: Path, url: str, timeout: float | None = None) -> None:
    """Download the files missing from ``folder``; raise ``_DownloadFailed`` saying which one failed and why."""
    clean_stale_parts(folder)
    for name in FASHION_MNIST_FILES.values():
        target = folder / name
        if target.is_file():
            continue
        try:
            _download(url + name, target, FASHION_MNIST_MD5[name], timeout)
        except (OSError, http.client.HTTPException, DataFormatError, ValueError) as exc:
            # URLError, socket timeouts and connection resets are all OSErrors.
            raise _DownloadFailed(f"{url + name}: {_describe_error(exc)}") from exc


class _DownloadFailed(Exception):
    pass


def _not_found(looked: list[Path], url: str, reason: str) -> DataNotFoundError:
    names = ", ".join(FASHION_MNIST_FILES.values())
    places = "\n".join(f"  - {p}" for p in looked)
    return DataNotFoundError(
        f"Fashion-MNIST not found. Looked for the four files ({names}) in:\n{places}\n"
        f"Download: {reason}\n"
        "To get the data, do one of:\n"
        "  - sudo apt-get install dataset-fashion-mnist   (installs them in /usr/share/datasets/fashion-mnist)\n"
        f"  - set {DATA_ENV} to a folder holding the four files (or a 'fashion-mnist' subfolder of it)\n"
        f"  - download them from {url} into {_cache_dir()}"
    )


# --------------------------------------------------------------------------------------------- IDX parsing


def _read_idx(path: Path, ndim: int) -> np.ndarray:
    """Parse a gzipped IDX file of unsigned bytes with ``ndim`` dimensions; raise ``DataFormatError`` if bad.

    IDX layout: two zero bytes, a type code (0x08 = uint8), the number of dimensions, one big-endian int32 per
    dimension, then the data in C order.
    """
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as exc:
        raise DataUnreadableError(exc.errno, f"{path}: cannot be read ({exc.strerror}); check its permissions "
                                  "(the file is not known to be corrupt: do not delete it)", str(path)) from exc
    try:
        raw = gzip.decompress(blob)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise DataFormatError(f"{path}: corrupt, not a valid gzip file ({exc}); delete it and try again") from exc
    header = 4 + 4 * ndim
    magic = int.from_bytes(raw[:4], "big")
    if len(raw) < 4 or magic != 0x0800 + ndim:
        raise DataFormatError(
            f"{path}: bad IDX magic number 0x{magic:08x}, expected 0x{0x0800 + ndim:08x} "
            f"(unsigned bytes, {ndim} dimension{'s' if ndim > 1 else ''})"
        )
    if len(raw) < header:
        raise DataFormatError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    size = int(np.prod(dims))
    if len(raw) != header + size:
        raise DataFormatError(
            f"{path}: header says shape {dims} ({size} bytes of data), file holds {len(raw) - header} bytes"
        )
    _verify(path, raw)
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


# --------------------------------------------------------------------------------------------- checksums


def _verified_path() -> Path:
    return _cache_dir().parent / "verified.json"


def _read_verified() -> dict:
    try:
        return json.loads(_verified_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remember_verified(key: str, entry: list) -> None:
    """Record a verified file in ``verified.json`` (atomically; a read-only cache only costs a re-check)."""
    table = _read_verified()
    table[key] = entry
    target = _verified_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".verified.", suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(table, f, indent=0, sort_keys=True)
        os.replace(tmp, target)
    except OSError:
        pass


def _raw_md5(raw: bytes) -> str:
    return hashlib.md5(raw).hexdigest()


def _verify(path: Path, raw: bytes) -> None:
    """Check the decompressed content of ``path`` against :data:`FASHION_MNIST_RAW_MD5`, once per file.

    A file already verified with the same size and modification time is not hashed again.
    """
    expected = FASHION_MNIST_RAW_MD5.get(path.name)
    if expected is None:
        return
    accepted = {expected} if isinstance(expected, str) else set(expected)
    st = path.stat()
    key = str(path.resolve())
    known = _read_verified().get(key)
    if known is not None and known[:2] == [st.st_size, st.st_mtime_ns] and known[2] in accepted:
        return
    digest = _raw_md5(raw)
    if digest not in accepted:
        raise DataFormatError(f"{path}: not the published Fashion-MNIST content (MD5 of the decompressed data "
                              f"{digest}, expected {expected}); is it MNIST, or another file of the set under "
                              "this name? Replace it with the right file, or delete it to download it again")
    _remember_verified(key, [st.st_size, st.st_mtime_ns, digest])


def _read_pair(images_path: Path, labels_path: Path):
    x = _read_idx(images_path, 3)
    if x.shape[1:] != _IMAGE_SHAPE:
        raise DataFormatError(f"{images_path}: images are {x.shape[1:]}, expected {_IMAGE_SHAPE}")
    y = _read_idx(labels_path, 1)
    if len(y) != len(x):
        raise DataFormatError(f"{labels_path}: {len(y)} labels for {len(x)} images in {images_path}")
    if len(y) and y.max() >= _NUM_CLASSES:
        raise DataFormatError(f"{labels_path}: label {y.max()} out of range 0..{_NUM_CLASSES - 1}")
    y = y.astype(np.int64)
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


@functools.lru_cache(maxsize=4)
def _load_folder(folder: Path, stamp: tuple):
    """Parse the four files in ``folder``; ``stamp`` (sizes and mtimes) makes a changed file miss the cache."""
    f = {role: folder / name for role, name in FASHION_MNIST_FILES.items()}
    return (_read_pair(f["train_images"], f["train_labels"]), _read_pair(f["test_images"], f["test_labels"]))


def _stamp(folder: Path) -> tuple:
    stats = [(folder / name).stat() for name in FASHION_MNIST_FILES.values()]
    return tuple((s.st_size, s.st_mtime_ns, s.st_ino) for s in stats)


def clear_cache() -> None:
    """Forget the arrays parsed so far (the next :func:`load_fashion_mnist` reads the files again)."""
    _load_folder.cache_clear()
    _sample_image_uint8.cache_clear()


# --------------------------------------------------------------------------------------------- public API


def load_fashion_mnist(data_dir: str | os.PathLike | None = None, download: bool = True, *, url: str | None = None,
                       timeout: float | None = None) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST: ``((x_train, y_train), (x_test, y_test))``.

    ``x_*`` are uint8 images of shape ``(N, 28, 28)`` (0 = background, 255 = brightest), ``y_*`` int64 labels
    of shape ``(N,)`` in ``0..9`` (names in :data:`FASHION_MNIST_CLASSES`); N = 60 000 for training and 10 000
    for testing.

    Looks in ``data_dir`` (when given), ``$LECTURELIB_DATA`` (and its ``fashion-mnist`` subfolder), Debian's
    ``/usr/share/datasets/fashion-mnist`` and the user cache, taking the first folder that holds all four
    files. If none does and ``download`` is true, downloads the missing files from ``url`` (default
    ``$LECTURELIB_FASHION_MNIST_URL``, else :data:`FASHION_MNIST_URL`) into the cache, each verified against
    :data:`FASHION_MNIST_MD5` and written atomically; ``timeout`` (seconds, default :data:`DOWNLOAD_TIMEOUT`)
    bounds every wait on the network.

    The parsed arrays are kept in memory, so a second call is fast; every call returns fresh copies, so
    changing them does not affect later calls.

    Raises:
        DataNotFoundError: no local copy and the download is disabled or failed (the message lists the
            places looked, the reason and how to get the data).
        DataFormatError: a file is corrupt (the message names it).
    """
    (x_train, y_train), (x_test, y_test) = _load(data_dir, download, url, timeout)
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


def _load(data_dir, download, url=None, timeout=None):
    """:func:`load_fashion_mnist` without the copies: the cached, read-only arrays."""
    found, looked = _find(data_dir)
    if found is None:
        base = _base_url(url)
        if not download:
            raise _not_found(looked, base, "disabled (download=False)")
        cache = _cache_dir()
        try:
            _download_all(cache, base, timeout)
        except _DownloadFailed as exc:
            raise _not_found(looked, base, f"failed, {exc}") from exc.__cause__
        found = cache
    clean_stale_parts(_cache_dir())
    return _load_folder(found.resolve(), _stamp(found))


def _subset(y: np.ndarray, n, rng: np.random.Generator, stratified: bool) -> np.ndarray:
    """Indices (sorted) of ``n`` samples; stratified: every class gets ``n // 10`` or one more, as available."""
    total = len(y)
    if n is None:
        return np.arange(total)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= total:
        raise ValueError(f"subset size: expected an int in 0..{total}, got {n!r}")
    perm = rng.permutation(total)
    if not stratified:
        return np.sort(perm[:n])
    # Rank each sample within its class in the random order perm; taking the n smallest ranks (ties broken
    # by position in perm) gives one sample of every class, then a second of every class, and so on.
    labels = y[perm]
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    rank = np.empty(total, dtype=np.int64)
    rank[order] = np.arange(total) - np.searchsorted(sorted_labels, sorted_labels, side="left")
    chosen = np.lexsort((np.arange(total), rank))[:n]
    return np.sort(perm[chosen])


def fashion_mnist_arrays(n_train: int | None = None, n_test: int | None = None, dtype: DTypeLike = np.float32,
                         flatten: bool = False, seed: int = 0, *, stratified: bool = True,
                         data_dir: str | os.PathLike | None = None,
                         download: bool = True) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Fashion-MNIST ready for a network: ``((x_train, y_train), (x_test, y_test))``.

    Images are scaled to ``x = pixel / 255`` in [0, 1] with ``dtype`` (float32 by default) and shaped
    ``(N, 1, 28, 28)`` (batch, channel, height, width — the layout of the lectures' convolutions), or
    ``(N, 784)`` with ``flatten=True`` (for fully connected networks). Labels are int64 of shape ``(N,)``.

    ``n_train`` / ``n_test`` pick subsets (``None`` keeps everything). With ``stratified=True`` (default) the
    classes are as balanced as possible — each gets ``n // 10`` or ``n // 10 + 1`` samples, e.g. 100 per
    class for ``n_train=1000``; otherwise a uniform random subset is drawn. Samples keep the data set's
    order. The choice depends only on ``seed`` (a ``numpy.random.default_rng`` seed), so the same arguments
    give the same subset on every machine.

    ``data_dir`` and ``download`` are passed to :func:`load_fashion_mnist`.

    Example::

        (x_train, y_train), (x_test, y_test) = fashion_mnist_arrays(n_train=5000, n_test=1000)
        x_train.shape  # (5000, 1, 28, 28), float32 in [0, 1]
    """
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype: expected a floating-point type (float32 or float64), got {dtype}")
    (x_train, y_train), (x_test, y_test) = _load(data_dir, download)
    rng = np.random.default_rng(seed)
    out = []
    for x, y, n in ((x_train, y_train, n_train), (x_test, y_test, n_test)):
        idx = _subset(y, n, rng, stratified)
        xs = x[idx].astype(dtype) / dtype.type(255)
        xs = xs.reshape(len(idx), -1) if flatten else xs[:, None, :, :]
        out.append((xs, y[idx]))
    return tuple(out)


# --------------------------------------------------------------------------------------------- photographs

#: Photographs :func:`sample_image` knows: name → file in matplotlib's ``mpl-data/sample_data``.
SAMPLE_IMAGES = {
    "grace_hopper": "grace_hopper.jpg",  # Rear Admiral Grace Hopper, 512 × 600, public domain (US Navy)
}


@functools.lru_cache(maxsize=8)
def _sample_image_uint8(name: str, size) -> np.ndarray:
    import matplotlib
    import matplotlib.image
    from PIL import Image

    path = Path(matplotlib.get_data_path()) / "sample_data" / SAMPLE_IMAGES[name]
    img = matplotlib.image.imread(path)
    if img.dtype != np.uint8:  # PNGs come back as floats in [0, 1]
        img = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    img = img[..., :3]
    if size is not None:
        height, width = size
        img = np.asarray(Image.fromarray(img).resize((width, height), Image.Resampling.LANCZOS))
    img = np.ascontiguousarray(img)
    img.flags.writeable = False
    return img


def _is_positive_int(s) -> bool:
    return isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0


def sample_image(name: str = "grace_hopper", size: int | tuple[int, int] | None = None) -> np.ndarray:
    """A photograph shipped with matplotlib, as float64 RGB of shape ``(H, W, 3)`` with values in [0, 1].

    ``name`` is one of :data:`SAMPLE_IMAGES` (``"grace_hopper"``: 600 × 512 pixels). ``size`` resizes the
    image (Lanczos filter) to ``(height, width)`` — array order, not PIL's ``(width, height)`` — or to
    ``(size, size)`` for an int; the aspect ratio is not preserved. Each call returns a new array.
    """
    if name not in SAMPLE_IMAGES:
        raise ValueError(f"sample_image: unknown name {name!r}; available: {', '.join(sorted(SAMPLE_IMAGES))}")
    if size is not None:
        pair = (size, size) if np.ndim(size) == 0 else tuple(size)
        if not (len(pair) == 2 and all(_is_positive_int(s) for s in pair)):
            raise ValueError(f"sample_image: size must be a positive int or (height, width), got {size!r}")
        size = (int(pair[0]), int(pair[1]))
    return _sample_image_uint8(name, size).astype(np.float64) / 255.0

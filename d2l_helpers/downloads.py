"""The book's data hub (book section 4.10.1): ``DATA_HUB``, ``DATA_URL``, ``download``,
``download_extract`` and ``download_all``, as in d2l 0.17.6, with these differences:

- the files go to the course's data folder (``root`` of :mod:`d2l_helpers.datafiles`:
  ``$D2L_DATA_DIR``, else the checkout's ``data/``, else the user's cache folder), not to
  ``../data`` relative to wherever Python was started; ``cache_dir=`` still chooses;
- a download is checked against its SHA-1 before it takes the file's name (the book writes
  whatever arrived, an error page too, and hands it back); an interrupted download leaves
  nothing behind;
- a download that fails says which file, from where, why, and where to put the file by hand
  (offline, or behind a firewall); an unknown name or an archive that is not zip/tar is a
  ``ValueError`` naming the value, not an ``AssertionError``;
- a network that does not answer fails after ``timeout`` seconds instead of hanging.
"""
import hashlib
import http.client
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from d2l_helpers.datafiles import default_data_dir

DATA_URL = "http://d2l-data.s3-accelerate.amazonaws.com/"
# name -> (url, sha-1 of the file); the book's two entries of section 4.10.
DATA_HUB = {
    "kaggle_house_train": (DATA_URL + "kaggle_house_pred_train.csv",
                           "585e9cc93e70b39160e7921475f9bcd7d31219ce"),
    "kaggle_house_test": (DATA_URL + "kaggle_house_pred_test.csv",
                          "fa19780a7b011d9b009e8bff8e99922a8ee2eb90"),
}
_CHUNK = 1 << 20


class DownloadError(OSError):
    """A file of ``DATA_HUB`` could not be had: the message says which, why and what to do."""


def _sha1(path):
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _entry(name):
    if not isinstance(name, str):
        raise TypeError(f"name={name!r} is a {type(name).__name__}: pass the name of a DATA_HUB "
                        f"entry as a str, one of {sorted(DATA_HUB)}")
    if name not in DATA_HUB:
        raise ValueError(f"name={name!r} is not in DATA_HUB; it has {sorted(DATA_HUB)}. Add an "
                         f"entry first: DATA_HUB[{name!r}] = (url, sha1)")
    url, sha1 = DATA_HUB[name]
    return url, sha1


def _cache_folder(cache_dir):
    if cache_dir is None:
        return default_data_dir()
    if not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir={cache_dir!r} is a {type(cache_dir).__name__}: pass a folder "
                        f"as a str or pathlib.Path, or leave it out for {default_data_dir()}")
    return Path(cache_dir).expanduser()


def download(name, cache_dir=None, timeout=30):
    """Return the local path (a str, as in the book) of ``DATA_HUB[name]``'s file, fetching it
    into ``cache_dir`` unless a copy with the right SHA-1 is there (book section 4.10.1)."""
    url, sha1 = _entry(name)
    folder = _cache_folder(cache_dir)
    path = folder / url.split("/")[-1]
    if path.is_file() and _sha1(path) == sha1:
        return str(path)  # hit cache
    by_hand = (f"To use it offline, put the file {path.name} (SHA-1 {sha1}) into {folder} "
               "by hand: download() then uses it without the network.")
    stale = (f" The copy already at {path} has another SHA-1 (truncated or another version);"
             " it was kept." if path.exists() else "")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"Downloading {path} from {url}...")
    handle, part = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    os.close(handle)  # one name per process: two notebooks may download at once
    part = Path(part)
    try:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(part, "wb") as f:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    f.write(chunk)
        except (OSError, http.client.HTTPException, ValueError) as err:
            # refused, timed out, 404, cut off, or a url urllib cannot read
            plain = isinstance(err, urllib.error.URLError) and not isinstance(
                err, urllib.error.HTTPError)
            reason = err.reason if plain else err
            raise DownloadError(f"could not download {name!r} from {url}: {reason}.{stale} "
                                f"{by_hand}") from err
        got = _sha1(part)
        if got != sha1:
            raise DownloadError(f"the download of {name!r} from {url} has SHA-1 {got}, not "
                                f"{sha1} (an error page, a proxy, or a changed file); it was not "
                                f"kept.{stale} {by_hand}")
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return str(path)


def download_extract(name, folder=None, cache_dir=None, timeout=30):
    """Download a zip/tar archive of ``DATA_HUB`` and unpack it next to itself; return the
    unpacked folder: ``folder`` inside the cache folder if given, else the archive's name
    without its extension (book section 4.10.1)."""
    fname = download(name, cache_dir, timeout)
    base_dir = os.path.dirname(fname)
    data_dir, ext = os.path.splitext(fname)
    if ext == ".zip":
        with zipfile.ZipFile(fname, "r") as archive:
            archive.extractall(base_dir)
    elif ext in (".tar", ".gz", ".tgz"):
        with tarfile.open(fname, "r") as archive:
            if hasattr(tarfile, "data_filter"):  # no paths outside base_dir, no devices
                archive.extractall(base_dir, filter="data")
            else:  # pragma: no cover - Python without the filter (before 3.10.12 / 3.11.4)
                archive.extractall(base_dir)
    else:
        raise ValueError(f"{name!r} is {os.path.basename(fname)}: download_extract unpacks "
                         "only .zip, .tar, .tar.gz and .tgz files; use download() for others")
    return os.path.join(base_dir, folder) if folder else data_dir


def download_all(cache_dir=None, timeout=30):
    """Download every file of ``DATA_HUB``; return their local paths (book section 4.10.1)."""
    return [download(name, cache_dir, timeout) for name in DATA_HUB]

"""The IDX reader/writer: round trips, determinism and every kind of bad file."""
import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from d2l_helpers.idx import DataFileError, read_idx_gz, write_idx_gz


def test_round_trip_and_header(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "x-images-idx3-ubyte.gz"
    write_idx_gz(path, array)
    raw = gzip.decompress(path.read_bytes())
    assert raw[:4] == bytes([0, 0, 8, 3])
    assert raw[4:16] == bytes([0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4])
    assert np.array_equal(read_idx_gz(path, 3), array)
    assert not list(tmp_path.glob("*.part"))


def test_equal_arrays_give_equal_bytes(tmp_path):
    array = np.arange(100, dtype=np.uint8)
    write_idx_gz(tmp_path / "a.gz", array)
    write_idx_gz(tmp_path / "b.gz", array)  # no file name or time in the gzip header
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    write_idx_gz(path, np.arange(1000, dtype=np.uint16).astype(np.uint8))
    return path


def test_truncated_file_names_the_file_and_the_fix(good_file):
    good_file.write_bytes(good_file.read_bytes()[:-20])
    with pytest.raises(DataFileError, match=rf"{good_file.name} is truncated.*delete"):
        read_idx_gz(good_file, 1)


def test_garbage_is_not_gzip(good_file):
    good_file.write_bytes(b"<html>blocked by proxy</html>")
    with pytest.raises(DataFileError, match="not gzip data"):
        read_idx_gz(good_file, 1)


def test_wrong_dimensions_or_type(good_file):
    with pytest.raises(DataFileError, match="3 dimension"):
        read_idx_gz(good_file, 3)
    good_file.write_bytes(gzip.compress(bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + b"abcd"))
    with pytest.raises(DataFileError, match="unsigned bytes"):
        read_idx_gz(good_file, 1)


def test_length_disagreeing_with_header(good_file):
    good_file.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 5]) + b"abc"))
    with pytest.raises(DataFileError, match=r"3 bytes of data but its header says \(5,\)"):
        read_idx_gz(good_file, 1)


def test_missing_file(tmp_path):
    with pytest.raises(DataFileError, match="does not exist"):
        read_idx_gz(tmp_path / "nope.gz", 1)


def test_each_write_uses_its_own_temporary_file(tmp_path, monkeypatch):
    """Two writers of one file must not share a temporary name (the second one's rename
    used to fail with FileNotFoundError)."""
    seen = []
    real_replace = os.replace

    def record(src, dst):
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", record)
    write_idx_gz(tmp_path / "a.gz", np.zeros(3, dtype=np.uint8))
    write_idx_gz(tmp_path / "a.gz", np.ones(3, dtype=np.uint8))
    assert len(set(seen)) == 2 and all(name.startswith("a.gz.") and name.endswith(".part")
                                       for name in seen)
    assert read_idx_gz(tmp_path / "a.gz", 1).tolist() == [1, 1, 1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gz"]
    assert (tmp_path / "a.gz").stat().st_mode & 0o444 == 0o444  # readable by all, as before


def test_interrupted_write_leaves_the_old_file_and_no_temporary(good_file, monkeypatch):
    before = good_file.read_bytes()

    def interrupt(self, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(gzip.GzipFile, "write", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_idx_gz(good_file, np.zeros(5, dtype=np.uint8))
    assert good_file.read_bytes() == before
    assert [p.name for p in good_file.parent.iterdir()] == [good_file.name]

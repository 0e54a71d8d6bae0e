"""The book's data hub (DATA_HUB, DATA_URL, download, download_extract, download_all) against
a local HTTP server on 127.0.0.1 (the ``server`` fixture of conftest.py): never the internet."""
import hashlib
import io
import socket
import tarfile
import zipfile
from pathlib import Path

import pytest

import d2l_helpers as d2l
from d2l_helpers import downloads


@pytest.fixture
def hub(monkeypatch):
    """An empty DATA_HUB for the test (the module's dict, which d2l.DATA_HUB is)."""
    entries = {}
    monkeypatch.setattr(downloads, "DATA_HUB", entries)
    return entries


def sha1(data):
    return hashlib.sha1(data).hexdigest()


CSV = b"Id,SalePrice\n1,208500\n2,181500\n"


def publish(server, hub, name, filename, data, digest=None):
    server.files[filename] = data
    hub[name] = (server.url + filename, digest or sha1(data))


def test_the_books_entries_and_url():
    assert d2l.DATA_URL == "http://d2l-data.s3-accelerate.amazonaws.com/"
    assert d2l.DATA_HUB["kaggle_house_train"] == (
        d2l.DATA_URL + "kaggle_house_pred_train.csv", "585e9cc93e70b39160e7921475f9bcd7d31219ce")
    assert d2l.DATA_HUB["kaggle_house_test"] == (
        d2l.DATA_URL + "kaggle_house_pred_test.csv", "fa19780a7b011d9b009e8bff8e99922a8ee2eb90")
    assert d2l.DATA_HUB is downloads.DATA_HUB  # the book adds entries to d2l.DATA_HUB


def test_download_fetches_checks_and_then_uses_the_cache(server, hub, tmp_path, capsys):
    publish(server, hub, "house", "house.csv", CSV)
    path = downloads.download("house", cache_dir=tmp_path)
    assert path == str(tmp_path / "house.csv") and isinstance(path, str)
    assert Path(path).read_bytes() == CSV
    assert "Downloading" in capsys.readouterr().out
    assert downloads.download("house", cache_dir=str(tmp_path)) == path
    assert server.requests == ["house.csv"]  # the second call did not ask the server
    assert capsys.readouterr().out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["house.csv"]  # no .part left


def test_a_stale_copy_is_fetched_again(server, hub, tmp_path):
    publish(server, hub, "house", "house.csv", CSV)
    (tmp_path / "house.csv").write_bytes(CSV[:10])  # an interrupted earlier download
    assert Path(downloads.download("house", cache_dir=tmp_path)).read_bytes() == CSV
    assert server.requests == ["house.csv"]


def test_a_wrong_download_is_not_kept_and_the_error_says_what_to_do(server, hub, tmp_path):
    publish(server, hub, "house", "house.csv", b"<html>proxy login</html>", digest=sha1(CSV))
    with pytest.raises(d2l.DownloadError) as err:
        downloads.download("house", cache_dir=tmp_path)
    message = str(err.value)
    assert sha1(CSV) in message and sha1(b"<html>proxy login</html>") in message
    assert "house.csv" in message and str(tmp_path) in message and "by hand" in message
    assert list(tmp_path.iterdir()) == []


def test_a_transfer_cut_off_half_way_leaves_nothing_and_says_what_to_do(serve, hub, tmp_path):
    server = serve(cut_off=True)  # sends half of the promised bytes, then closes the connection
    publish(server, hub, "house", "house.csv", CSV * 100)
    with pytest.raises(d2l.DownloadError) as err:
        downloads.download("house", cache_dir=tmp_path)
    message = str(err.value)
    assert "house.csv" in message and str(tmp_path) in message and "by hand" in message
    assert list(tmp_path.iterdir()) == []  # no partial file under the real name, no .part left
    assert server.requests == ["house.csv"]


def test_a_stale_copy_is_kept_when_the_download_fails(server, hub, tmp_path):
    hub["house"] = (server.url + "missing.csv", sha1(CSV))
    (tmp_path / "missing.csv").write_bytes(b"old")
    with pytest.raises(d2l.DownloadError, match="404") as err:
        downloads.download("house", cache_dir=tmp_path)
    assert "another SHA-1" in str(err.value) and "kept" in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["missing.csv"]


def test_a_file_put_there_by_hand_is_used_offline(hub, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hub["house"] = (f"http://127.0.0.1:{port}/house.csv", sha1(CSV))
    with pytest.raises(d2l.DownloadError) as err:
        downloads.download("house", cache_dir=tmp_path, timeout=5)
    message = str(err.value)
    assert "refused" in message.lower() and f"127.0.0.1:{port}/house.csv" in message
    assert f"put the file house.csv (SHA-1 {sha1(CSV)}) into {tmp_path}" in message
    (tmp_path / "house.csv").write_bytes(CSV)  # what the message says to do
    assert downloads.download("house", cache_dir=tmp_path) == str(tmp_path / "house.csv")


def test_a_server_that_never_answers_fails_after_the_timeout(hub, tmp_path):
    with socket.socket() as silent:  # accepts connections (the backlog) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        hub["house"] = (f"http://127.0.0.1:{silent.getsockname()[1]}/house.csv", sha1(CSV))
        with pytest.raises(d2l.DownloadError, match="timed out"):
            downloads.download("house", cache_dir=tmp_path, timeout=1)
    assert list(tmp_path.iterdir()) == []


def test_the_default_folder_is_the_courses_data_folder(server, hub, tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "data"))
    publish(server, hub, "house", "house.csv", CSV)
    assert downloads.download("house") == str(tmp_path / "data" / "house.csv")


def test_bad_names_and_folders_get_clear_errors(hub, tmp_path):
    hub["house"] = ("http://127.0.0.1:9/house.csv", sha1(CSV))
    with pytest.raises(ValueError, match=r"'kaggle' is not in DATA_HUB; it has \['house'\]"):
        downloads.download("kaggle", cache_dir=tmp_path)
    with pytest.raises(TypeError, match="pass the name of a DATA_HUB entry"):
        downloads.download(3, cache_dir=tmp_path)
    with pytest.raises(TypeError, match="cache_dir=3 is a int"):
        downloads.download("house", cache_dir=3)
    hub["bad"] = ("house.csv", sha1(CSV))  # no scheme: urllib cannot read it
    with pytest.raises(d2l.DownloadError, match="unknown url type"):
        downloads.download("bad", cache_dir=tmp_path)


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _tar_gz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_download_extract_unpacks_zip_and_tar(server, hub, tmp_path):
    publish(server, hub, "z", "house.zip", _zip({"house/train.csv": CSV}))
    publish(server, hub, "t", "pack.tar.gz", _tar_gz({"pack/test.csv": CSV}))
    folder = downloads.download_extract("z", cache_dir=tmp_path)
    assert folder == str(tmp_path / "house")
    assert (tmp_path / "house" / "train.csv").read_bytes() == CSV
    assert downloads.download_extract("t", "pack", cache_dir=tmp_path) == str(tmp_path / "pack")
    assert (tmp_path / "pack" / "test.csv").read_bytes() == CSV


def test_download_extract_refuses_what_it_cannot_unpack(server, hub, tmp_path):
    publish(server, hub, "csv", "house.csv", CSV)
    with pytest.raises(ValueError, match=r"'csv' is house.csv: download_extract unpacks only"):
        downloads.download_extract("csv", cache_dir=tmp_path)


@pytest.mark.skipif(not hasattr(tarfile, "data_filter"), reason="Python without tar filters")
def test_download_extract_keeps_a_tar_inside_its_folder(server, hub, tmp_path):
    publish(server, hub, "evil", "evil.tar", _tar_gz({"../outside.csv": CSV}))
    with pytest.raises(tarfile.FilterError):
        downloads.download_extract("evil", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "outside.csv").exists()


def test_download_all_fetches_every_entry(server, hub, tmp_path):
    publish(server, hub, "a", "a.csv", CSV)
    publish(server, hub, "b", "b.csv", CSV + b"3,1\n")
    assert downloads.download_all(cache_dir=tmp_path) == [str(tmp_path / "a.csv"),
                                                          str(tmp_path / "b.csv")]

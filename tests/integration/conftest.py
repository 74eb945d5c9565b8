"""Integration tests: several workers (threads) or several app instances ("machines") on one database.

They use the fixtures of tests/conftest.py and are marked `integration`, so `-m "not integration"`
leaves them out of a quick run. `--long` makes the gunicorn load test ten times longer
(`pytest tests/integration --long`; the option is known when tests/integration is named on the command line)."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", default=False,
                     help="integration: a long load run (4,000 edits instead of 400)")


@pytest.fixture
def long_run(request) -> bool:
    return bool(request.config.getoption("long", default=False))


def pytest_configure(config):
    config.addinivalue_line("markers", "integration: several workers or app instances on one database")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)

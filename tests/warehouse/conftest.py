"""The tag tests read the session's full run of the sample world (tests/conftest.py), tags as of its day."""

import pytest


@pytest.fixture(scope="session")
def tagged_warehouse(full_warehouse):
    return full_warehouse

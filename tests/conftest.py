"""Every test gets its own data directory: commands that keep what they compile or sync
(the store under $XDG_DATA_HOME) never write into the user's."""

import pytest


@pytest.fixture(autouse=True)
def _own_data_home(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))

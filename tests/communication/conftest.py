"""Fixtures of the communication tests: the API on one backend's stores, and the keys the
communication module reads from the environment."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from support.api import api_client

from mediaflow_dagster.communication.vault import Vault
from mediaflow_dagster.resources.configuration import client_from_environment
from mediaflow_dagster.resources.personal_data import PersonalData


@pytest.fixture
def api(settings) -> TestClient:
    return api_client(settings)


@pytest.fixture
def personal_data(settings) -> PersonalData:
    return client_from_environment(PersonalData)


@pytest.fixture
def vault(personal_data) -> Vault:
    return personal_data.vault()

import pytest
from django.conf import settings

from tests.services import ServiceUnavailableError, ensure_services


@pytest.fixture(autouse=True, scope="session")
def services():
    """PostgreSQL and Redis, when the settings use them, answer before any test runs."""
    try:
        ensure_services(settings)
    except ServiceUnavailableError as exc:
        pytest.fail(f"A service the tests need is missing: {exc}", pytrace=False)

import pytest
from django.conf import settings

from tests.services import ServiceUnavailableError, check_services


@pytest.fixture(autouse=True, scope="session")
def services():
    """PostgreSQL and Redis, when the settings use them, answer before any test runs."""
    try:
        check_services(settings)
    except ServiceUnavailableError as exc:
        pytest.fail(f"A service the tests need is missing: {exc}", pytrace=False)

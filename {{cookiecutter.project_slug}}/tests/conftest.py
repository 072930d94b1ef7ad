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


@pytest.fixture(autouse=True, scope="session")
def database_threads(django_db_setup, django_db_blocker):
    """Close the WebSocket API's database threads' connections before the test database goes."""
    yield
    from websocket_api.database import close_connections

    with django_db_blocker.unblock():
        close_connections()


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    """Each test starts with no throttle or sign-in counts from the tests before it."""
    from django.core.cache import cache

    cache.clear()

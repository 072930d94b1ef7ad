"""Fixtures for the template's tests."""

from pathlib import Path

import pytest


@pytest.fixture
def bake(cookies):
    """Render the template with the given answers and return the project folder."""

    def render(**answers) -> Path:
        result = cookies.bake(extra_context=answers)
        # The result object's repr warns, so only its parts go in messages.
        assert result.exception is None, f"bake failed: {result.exception!s}"
        assert result.exit_code == 0
        return Path(result.project_path)

    return render

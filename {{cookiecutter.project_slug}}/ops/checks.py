"""System checks for the operations settings, run by ``manage.py check --deploy``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def metrics_need_a_token(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if getattr(settings, "METRICS_ENABLED", False) and not getattr(settings, "METRICS_TOKEN", ""):
        return [
            checks.Warning(
                "/metrics is enabled without DJANGO_METRICS_TOKEN: anyone who reaches a "
                "Daphne process directly can read it.",
                hint="Set DJANGO_METRICS_TOKEN, or keep the processes' ports unreachable "
                "from outside the machine.",
                id="ops.W001",
            )
        ]
    return []

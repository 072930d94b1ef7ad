"""The one trip to Django's database thread that each action makes."""

from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels import db as channels_db


def _run_with_fresh_connections(func: Callable[..., Any], *args: Any) -> Any:
    # Closing stale connections here, inside the action's own trip, spares the extra hop
    # that Channels' consumers make on every event for the same cleanup.
    channels_db.close_old_connections()
    return func(*args)


run_in_database_thread = sync_to_async(_run_with_fresh_connections, thread_sensitive=True)
"""Await ``run_in_database_thread(func, *args)`` to call ``func`` where the ORM may run."""

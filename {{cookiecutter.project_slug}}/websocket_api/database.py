"""Trips to the database threads: a bounded pool, so connections do not wait on each other.

Django's own ``database_sync_to_async`` runs every call of every connection on one thread
per process: one slow action, one locked table or one password hash then holds up
everybody. Here each call runs on one of ``DATABASE_THREADS`` threads, each with its own
persistent database connection, so independent connections proceed side by side and
CPU-heavy work (PBKDF2 releases the GIL) uses every core. A connection's own requests
still run one at a time, in order.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync
from django.db import close_old_connections, connections

from .conf import websocket_api_settings

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def executor() -> ThreadPoolExecutor:
    """The pool, made on first use with ``DATABASE_THREADS`` threads."""
    global _executor
    pool = _executor
    if pool is not None:
        return pool
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=websocket_api_settings.DATABASE_THREADS,
                thread_name_prefix="websocket-api-db",
            )
        return _executor


def _run_with_fresh_connections(func: Callable[..., Any], *args: Any) -> Any:
    # Closing stale connections here, inside the call's own trip, spares the extra hop
    # that Channels' consumers make on every event for the same cleanup.
    close_old_connections()
    return func(*args)


def _run_on_pool_thread(
    loop: asyncio.AbstractEventLoop,
    context: contextvars.Context,
    func: Callable[..., Any],
    args: tuple,
) -> Any:
    # As under asgiref's sync_to_async: async_to_sync() called from here (a signal
    # receiver sending to the channel layer, say) runs on the server's event loop.
    SyncToAsync.threadlocal.main_event_loop = loop
    SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
    return context.run(_run_with_fresh_connections, func, *args)


async def run_in_database_thread(func: Callable[..., Any], *args: Any) -> Any:
    """Await ``run_in_database_thread(func, *args)`` to call ``func`` where the ORM may run.

    ``func`` sees a copy of the caller's context variables, as with ``sync_to_async``,
    whose per-call bookkeeping this hop leaves out.
    """
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    return await loop.run_in_executor(executor(), _run_on_pool_thread, loop, context, func, args)


def close_connections() -> None:
    """Close the pool threads' database connections (at the end of a test run, say)."""
    global _executor
    with _lock:
        pool, _executor = _executor, None
    if pool is None:
        return
    size = pool._max_workers
    barrier = threading.Barrier(size, timeout=10)

    def close_here() -> None:
        connections.close_all()
        try:
            barrier.wait()  # keeps this thread busy, so each thread gets one call
        except threading.BrokenBarrierError:
            pass

    for _ in range(size):
        pool.submit(close_here)
    pool.shutdown(wait=True)

"""Trips to the database threads: a bounded pool, so connections do not wait on each other.

Django's own ``database_sync_to_async`` runs every call of every connection on one thread
per process: one slow action, one locked table or one password hash then holds up
everybody. Here calls run on up to ``DATABASE_THREADS`` threads, each with its own
persistent database connection, so independent connections proceed side by side and
CPU-heavy work (PBKDF2 releases the GIL) uses every core. A connection's own requests
still run one at a time, in order.

Waking a thread, and waking the event loop for a result, costs more than most actions
take, and threads that take turns on the GIL slow each other down. So calls wait in one
queue per event loop; a thread that is running takes the next call as soon as it is done
with one, or waits ``DATABASE_THREAD_IDLE`` for it, and hands its results over when no
call is left or, while calls keep coming, at the event loop's next check: a result waits
``DATABASE_HANDOFF_AFTER`` seconds at most. Another thread starts only when every running
thread has spent that long on its current call: a slow call holds up the calls behind it
for that long at most.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync
from django.db import close_old_connections, connections

try:  # asgiref 3.13 ties a Local's data to its thread: moving a context moves the data too
    from asgiref.sync import _restore_context as adopt_context
except ImportError:  # earlier releases keep it in plain context variables

    def adopt_context(context: contextvars.Context) -> None:
        for variable, value in context.items():
            variable.set(value)


from .conf import websocket_api_settings

logger = logging.getLogger("websocket_api")

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()
_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CallQueue] = (
    weakref.WeakKeyDictionary()
)


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


class Call:
    """One function call waiting for, or running on, a database thread."""

    __slots__ = ("args", "context", "func", "future", "outcome")

    def __init__(self, func: Callable[..., Any], args: tuple, future: asyncio.Future) -> None:
        self.func = func
        self.args = args
        self.future = future
        # As with sync_to_async: the function sees a copy of the caller's context variables.
        self.context = contextvars.copy_context()
        self.outcome: tuple[bool, Any] = (False, None)

    def run(self) -> None:
        try:
            self.outcome = (True, self.context.run(self.run_here))
        except BaseException as exc:  # noqa: BLE001 - the awaiting coroutine gets it
            self.outcome = (False, exc)

    def run_here(self) -> Any:
        # Inside the copied context: its Local data (the active language and time zone,
        # say) now belongs to this thread, as under sync_to_async.
        adopt_context(self.context)
        return _run_with_fresh_connections(self.func, *self.args)

    def settle(self) -> None:
        """Hand the outcome to the awaiting coroutine (on the event loop)."""
        if self.future.done():  # the caller was cancelled
            return
        succeeded, value = self.outcome
        if succeeded:
            self.future.set_result(value)
        elif isinstance(value, (StopIteration, StopAsyncIteration)):
            self.future.set_exception(RuntimeError(f"{type(value).__name__} from {self.func!r}"))
        else:
            self.future.set_exception(value)


class Runner:
    """One database thread's turn at a queue: the call it is on, and since when."""

    __slots__ = ("busy_since",)

    def __init__(self) -> None:
        self.busy_since: float | None = None


class CallQueue:
    """The calls one event loop sends to the database threads, and the threads on them."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # Weakly: the loop is the key of the queue in ``_queues``.
        self.loop_ref = weakref.ref(loop)
        self.lock = threading.Lock()
        self.waiting: deque[Call] = deque()
        self.runners: list[Runner] = []
        self.finished: list[Call] = []
        self.delivery_due = False
        self.first_finished_at = 0.0
        self.check: asyncio.TimerHandle | None = None
        # Runners that ran out of calls and wait DATABASE_THREAD_IDLE for the next one.
        self.idle = 0
        self.call_waiting = threading.Condition(self.lock)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        loop = self.loop_ref()
        if loop is None:
            raise RuntimeError("The event loop is gone.")
        return loop

    def submit(
        self, loop: asyncio.AbstractEventLoop, func: Callable[..., Any], args: tuple
    ) -> Call:
        call = Call(func, args, loop.create_future())
        with self.lock:
            self.waiting.append(call)
            if self.idle:
                self.call_waiting.notify()  # an idle runner takes it: none is started
            runner = self.new_runner(time.monotonic())
            # A thread that was already running may take this call and keep its earlier
            # results until its queue is empty: the check hands them over meanwhile.
            check_due = runner is None or len(self.runners) > 1
        if runner is not None:
            self.start(runner)
        if check_due and self.check is None:
            self.check = loop.call_later(self.handoff_after(), self.hand_off)
        return call

    def start(self, runner: Runner) -> None:
        try:
            executor().submit(self.run, runner)
        except BaseException:  # the pool is shutting down: forget the runner
            with self.lock:
                self.runners.remove(runner)
            raise

    def new_runner(self, now: float) -> Runner | None:
        """A runner to start, with the lock held: one when none runs, or when every running
        one has been on its call for ``DATABASE_HANDOFF_AFTER`` and the thread limit allows
        another."""
        limit = self.handoff_after()
        stuck = all(
            runner.busy_since is not None and now - runner.busy_since >= limit
            for runner in self.runners
        )
        if not stuck or len(self.runners) >= websocket_api_settings.DATABASE_THREADS:
            return None
        runner = Runner()
        self.runners.append(runner)
        return runner

    @staticmethod
    def handoff_after() -> float:
        return websocket_api_settings.DATABASE_HANDOFF_AFTER

    def hand_off(self) -> None:
        """Deliver what is finished, and start another thread when every running one has
        been on its call too long."""
        self.check = None
        self.deliver()
        with self.lock:
            if not self.waiting:
                return
            runner = self.new_runner(time.monotonic())
        if runner is not None:
            try:
                self.start(runner)
            except RuntimeError:
                logger.warning("No database thread could be started", exc_info=True)
        self.check = self.loop.call_later(self.handoff_after(), self.hand_off)

    def run(self, runner: Runner) -> None:
        """On a database thread: take calls until none waits, or comes within
        ``DATABASE_THREAD_IDLE`` of the last one."""
        # As under asgiref's sync_to_async: async_to_sync() called from here (a signal
        # receiver sending to the channel layer, say) runs on the server's event loop.
        SyncToAsync.threadlocal.main_event_loop = self.loop_ref()
        SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
        while True:
            with self.lock:
                if not self.waiting:
                    self.idle += 1
                    self.call_waiting.wait(websocket_api_settings.DATABASE_THREAD_IDLE)
                    self.idle -= 1
                if not self.waiting:
                    self.runners.remove(runner)
                    SyncToAsync.threadlocal.main_event_loop = None
                    return
                call = self.waiting.popleft()
            if call.future.cancelled():  # nobody waits for it: as sync_to_async, skip it
                continue
            runner.busy_since = time.monotonic()
            call.run()
            runner.busy_since = None
            self.finish(call)

    def finish(self, call: Call) -> None:
        """Queue a result for the event loop. While calls wait, the thread goes on with
        them and the loop's own check takes the results (waking the loop for each one
        would make the two threads take turns on the GIL); once none waits, or a result
        has waited ``DATABASE_HANDOFF_AFTER``, the loop is woken."""
        now = time.monotonic()
        with self.lock:
            if not self.finished:
                self.first_finished_at = now
            self.finished.append(call)
            overdue = now - self.first_finished_at >= self.handoff_after()
            wake = not self.delivery_due and (not self.waiting or overdue)
            if wake:
                self.delivery_due = True
        if wake:
            try:
                self.loop.call_soon_threadsafe(self.deliver)
            except RuntimeError:  # the loop is closed or gone: nobody waits any more
                pass

    def deliver(self) -> None:
        with self.lock:
            finished, self.finished = self.finished, []
            self.delivery_due = False
        for call in finished:
            call.settle()


def _run_with_fresh_connections(func: Callable[..., Any], *args: Any) -> Any:
    # Closing stale connections here, inside the call's own trip, spares the extra hop
    # that Channels' consumers make on every event for the same cleanup.
    close_old_connections()
    return func(*args)


async def run_in_database_thread(func: Callable[..., Any], *args: Any) -> Any:
    """Await ``run_in_database_thread(func, *args)`` to call ``func`` where the ORM may run.

    As with ``sync_to_async``, ``func`` sees a copy of the caller's context variables
    (``asgiref.local.Local`` data included), and what it changes there is seen by the
    caller afterwards.
    """
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None:
        queue = _queues[loop] = CallQueue(loop)
    call = queue.submit(loop, func, args)
    try:
        return await call.future
    finally:
        adopt_context(call.context)


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

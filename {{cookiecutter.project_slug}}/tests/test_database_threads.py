"""Calls to the database threads: results in order, one thread while calls are quick,
another as soon as a call is slow, never more than DATABASE_THREADS."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from unittest import mock

from django.test import TransactionTestCase, override_settings
from django.utils import timezone, translation

from websocket_api.database import CallQueue, close_connections, run_in_database_thread

REQUEST_ID = contextvars.ContextVar("request_id", default=None)
NEVER = {"DATABASE_HANDOFF_AFTER": 3600.0}


def double_or_refuse(number: int) -> int:
    if number % 3 == 0:
        raise ValueError(f"refused {number}")
    return number * 2


def blocked_until(event: threading.Event, started: threading.Event | None = None) -> str:
    if started is not None:
        started.set()
    if not event.wait(10):
        raise TimeoutError("never released")
    return threading.current_thread().name


def current_thread_name() -> str:
    return threading.current_thread().name


class CallQueueTests(TransactionTestCase):
    def tearDown(self):
        close_connections()  # a fresh pool, with the settings of the next test

    async def test_each_caller_gets_its_own_result_or_exception(self):
        outcomes = await asyncio.gather(
            *(run_in_database_thread(double_or_refuse, n) for n in range(1, 61)),
            return_exceptions=True,
        )
        for number, outcome in enumerate(outcomes, start=1):
            if number % 3 == 0:
                self.assertIsInstance(outcome, ValueError)
                self.assertEqual(str(outcome), f"refused {number}")
            else:
                self.assertEqual(outcome, number * 2)

    async def test_the_function_sees_the_callers_context_variables(self):
        async def call_as(request_id):
            REQUEST_ID.set(request_id)
            return await run_in_database_thread(REQUEST_ID.get)

        self.assertEqual(await asyncio.gather(*map(call_as, "abcde")), list("abcde"))

    async def test_calls_waiting_behind_a_running_one_are_run_by_the_same_thread(self):
        release = threading.Event()
        with override_settings(WEBSOCKET_API=NEVER):
            first = asyncio.ensure_future(run_in_database_thread(blocked_until, release))
            others = asyncio.gather(
                *(
                    run_in_database_thread(lambda: threading.current_thread().name)
                    for _ in range(200)
                )
            )
            await asyncio.sleep(0.05)  # every call is queued behind the first
            release.set()
            names = {await first, *await asyncio.wait_for(others, 10)}
        self.assertEqual(len(names), 1, names)
        self.assertTrue(names.pop().startswith("websocket-api-db"))

    async def test_a_slow_call_does_not_hold_up_the_calls_behind_it(self):
        release, started = threading.Event(), threading.Event()
        slow = asyncio.ensure_future(run_in_database_thread(blocked_until, release, started))
        try:
            await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
            quick = await asyncio.wait_for(run_in_database_thread(double_or_refuse, 4), 5)
            self.assertEqual(quick, 8)
            self.assertFalse(slow.done())
        finally:
            release.set()
        self.assertTrue((await slow).startswith("websocket-api-db"))

    async def test_without_the_handoff_the_calls_behind_a_slow_call_wait(self):
        release, started = threading.Event(), threading.Event()
        with override_settings(WEBSOCKET_API=NEVER):
            slow = asyncio.ensure_future(run_in_database_thread(blocked_until, release, started))
            await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
            quick = asyncio.ensure_future(run_in_database_thread(double_or_refuse, 4))
            done, _ = await asyncio.wait([quick], timeout=0.5)
            self.assertEqual(done, set())  # the control: it waits behind the slow call
            release.set()
            self.assertEqual(await asyncio.wait_for(quick, 5), 8)
            await slow

    async def quick_result_behind_gate_then_slow_call(self) -> set[asyncio.Future]:
        """On one thread: a gate holds a quick call and a slow one back; once it opens,
        the quick call finishes while calls still wait, and the slow one starts. Gives the
        calls whose results reached their callers within half a second."""
        gate, release, started = threading.Event(), threading.Event(), threading.Event()
        first = asyncio.ensure_future(run_in_database_thread(blocked_until, gate))
        await asyncio.sleep(0.05)  # the thread is on the gate's call
        quick = asyncio.ensure_future(run_in_database_thread(double_or_refuse, 4))
        slow = asyncio.ensure_future(run_in_database_thread(blocked_until, release, started))
        await asyncio.sleep(0.05)  # both wait behind the gate
        gate.set()
        try:
            await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
            done, _ = await asyncio.wait([first, quick], timeout=0.5)
            self.assertFalse(slow.done())
        finally:
            release.set()
        self.assertEqual(await asyncio.wait_for(quick, 5), 8)
        await asyncio.wait_for(asyncio.gather(first, slow), 5)
        return done

    async def test_results_ready_before_a_slow_call_reach_their_callers(self):
        with override_settings(WEBSOCKET_API={"DATABASE_THREADS": 1}):
            self.assertEqual(len(await self.quick_result_behind_gate_then_slow_call()), 2)

    async def test_without_the_check_results_ready_before_a_slow_call_wait(self):
        with override_settings(WEBSOCKET_API={**NEVER, "DATABASE_THREADS": 1}):
            # The control: nothing takes the results until the thread's queue is empty.
            self.assertEqual(await self.quick_result_behind_gate_then_slow_call(), set())

    async def threads_started_for_calls_a_little_apart(self, idle: float) -> int:
        started = []
        original = CallQueue.start

        def counted(queue, runner):
            started.append(runner)
            return original(queue, runner)

        with (
            override_settings(WEBSOCKET_API={"DATABASE_THREAD_IDLE": idle}),
            mock.patch.object(CallQueue, "start", counted),
        ):
            for _ in range(5):
                self.assertEqual(await run_in_database_thread(double_or_refuse, 4), 8)
                await asyncio.sleep(0.02)
        return len(started)

    async def test_a_call_soon_after_the_last_goes_to_the_thread_waiting_for_it(self):
        self.assertEqual(await self.threads_started_for_calls_a_little_apart(idle=0.5), 1)

    async def test_without_the_wait_each_call_a_little_apart_starts_a_thread(self):
        # The control: with no wait, the thread leaves as soon as its queue is empty.
        self.assertEqual(await self.threads_started_for_calls_a_little_apart(idle=0), 5)

    async def test_slow_calls_run_side_by_side(self):
        first, second = threading.Event(), threading.Event()

        def meet(mine: threading.Event, theirs: threading.Event) -> str:
            mine.set()
            if not theirs.wait(10):
                raise TimeoutError("the other call never ran at the same time")
            return threading.current_thread().name

        names = await asyncio.wait_for(
            asyncio.gather(
                run_in_database_thread(meet, first, second),
                run_in_database_thread(meet, second, first),
            ),
            20,
        )
        self.assertNotEqual(names[0], names[1])

    async def test_no_more_than_database_threads_run_at_once(self):
        close_connections()
        running, most, lock = 0, 0, threading.Lock()
        release = threading.Event()

        def occupy() -> None:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            release.wait(10)
            with lock:
                running -= 1

        with override_settings(WEBSOCKET_API={"DATABASE_THREADS": 2}):
            calls = asyncio.gather(*(run_in_database_thread(occupy) for _ in range(5)))
            deadline = time.monotonic() + 5
            while most < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)  # time for a third thread, were one allowed
            self.assertEqual(most, 2)
            release.set()
            await asyncio.wait_for(calls, 10)
        self.assertEqual(running, 0)

    async def test_a_cancelled_caller_leaves_the_threads_serving(self):
        release, started = threading.Event(), threading.Event()
        slow = asyncio.ensure_future(run_in_database_thread(blocked_until, release, started))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
        slow.cancel()
        release.set()
        with self.assertRaises(asyncio.CancelledError):
            await slow
        self.assertEqual(await asyncio.wait_for(run_in_database_thread(double_or_refuse, 5), 5), 10)

    async def test_the_active_language_and_time_zone_cross_both_ways(self):
        def seen_and_changed() -> tuple[str, str]:
            seen = (translation.get_language(), timezone.get_current_timezone_name())
            translation.activate("de")
            return seen

        translation.activate("fr")
        timezone.activate("Asia/Tokyo")
        try:
            self.assertEqual(await run_in_database_thread(seen_and_changed), ("fr", "Asia/Tokyo"))
            self.assertEqual(translation.get_language(), "de")  # as after sync_to_async
        finally:
            translation.deactivate()
            timezone.deactivate()

"""Structured logs: the JSON formatter, redaction, and the WebSocket log lines."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import SimpleTestCase, override_settings

from ops.logging import (
    REDACTED,
    JsonFormatter,
    RedactingFilter,
    extra_fields,
    log_action,
    log_connect,
    log_disconnect,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
SECRET = "hunter2-do-not-log"


# Independent of the action selection: run once per layer and database.
pytestmark = pytest.mark.slow


class CapturingHandler(logging.Handler):
    """Keeps the records it gets, redacted and formatted as the project's handler does."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(RedactingFilter())
        self.setFormatter(JsonFormatter())
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


class LoggingTestCase(SimpleTestCase):
    def capture(self, name: str, level: int = logging.DEBUG) -> CapturingHandler:
        handler = CapturingHandler()
        logger = logging.getLogger(name)
        previous = logger.level
        logger.addHandler(handler)
        logger.setLevel(level)
        self.addCleanup(logger.setLevel, previous)
        self.addCleanup(logger.removeHandler, handler)
        return handler


class FormatterAndFilterTests(LoggingTestCase):
    def test_a_json_line_holds_the_message_the_level_and_the_extra_fields(self):
        handler = self.capture("tests.json")
        logging.getLogger("tests.json").warning("Saved %s", "it", extra={"rows": 3})
        entry = json.loads(handler.lines[0])
        self.assertEqual(
            {key: entry[key] for key in ("level", "logger", "message", "rows")},
            {"level": "WARNING", "logger": "tests.json", "message": "Saved it", "rows": 3},
        )
        self.assertRegex(entry["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")

    def test_an_exception_is_one_field_of_the_same_line(self):
        handler = self.capture("tests.json")
        try:
            raise ValueError("broken")
        except ValueError:
            logging.getLogger("tests.json").exception("Failed")
        self.assertEqual(len(handler.lines), 1)
        self.assertIn("ValueError: broken", json.loads(handler.lines[0])["exception"])

    def test_secrets_are_redacted_at_any_depth_without_changing_the_callers_data(self):
        handler = self.capture("tests.json")
        payload = {"user": {"name": "ada", "Password": SECRET}, "items": [{"api_token": SECRET}]}
        extra = {
            "password": SECRET,
            "payload": payload,
            "headers": [(b"cookie", SECRET.encode()), (b"origin", b"http://localhost")],
            "meta": {"HTTP_AUTHORIZATION": f"Bearer {SECRET}", "sessionid": SECRET},
            "client_secret": SECRET,
        }
        logging.getLogger("tests.json").info("Request", extra=extra)
        line = handler.lines[0]
        self.assertNotIn(SECRET, line)
        entry = json.loads(line)
        self.assertEqual(entry["password"], REDACTED)
        self.assertEqual(entry["payload"]["user"], {"name": "ada", "Password": REDACTED})
        self.assertEqual(entry["meta"]["HTTP_AUTHORIZATION"], REDACTED)
        self.assertIn("http://localhost", line)
        self.assertEqual(payload["user"]["Password"], SECRET)

    def test_mapping_arguments_are_redacted_too(self):
        handler = self.capture("tests.json")
        logging.getLogger("tests.json").info("token=%(token)s", {"token": SECRET})
        self.assertEqual(json.loads(handler.lines[0])["message"], f"token={REDACTED}")

    def test_a_circular_extra_field_still_gives_a_line(self):
        handler = self.capture("tests.json")
        loop: dict = {}
        loop["self"] = loop
        logging.getLogger("tests.json").info("Loop", extra={"loop": [loop]})
        self.assertEqual(json.loads(handler.lines[0])["message"], "Loop")
        unfiltered = logging.makeLogRecord({"msg": "Loop", "loop": [loop]})
        self.assertEqual(json.loads(JsonFormatter().format(unfiltered))["message"], "Loop")


class WebSocketLogLineTests(LoggingTestCase):
    def test_connect_and_disconnect_emit_exactly_their_fields(self):
        handler = self.capture("websocket_api.connections")
        log_connect("ws/users/", 7, "http://localhost")
        log_disconnect("ws/users/", 7, "http://localhost", 1000, 12.5)
        connect, disconnect = (extra_fields(record) for record in handler.records)
        self.assertEqual(
            connect, {"route": "ws/users/", "user_id": 7, "origin": "http://localhost"}
        )
        self.assertEqual(
            disconnect,
            {**connect, "close_code": 1000, "duration": 12.5},
        )
        self.assertEqual(handler.records[0].levelno, logging.INFO)
        self.assertIn("close_code=1000", handler.records[1].getMessage())

    def test_an_action_line_has_its_fields_and_never_a_body(self):
        handler = self.capture("websocket_api.actions")
        log_action("ws/users/", "create", 42, 201, 0.0123456789)
        self.assertEqual(
            extra_fields(handler.records[0]),
            {
                "route": "ws/users/",
                "action": "create",
                "request_id": 42,
                "status": 201,
                "duration": 0.012346,
            },
        )

    def test_a_password_inside_a_request_id_is_redacted_and_long_text_clipped(self):
        handler = self.capture("websocket_api.actions")
        request_id = {"password": SECRET, "n": 1}
        log_action("ws/users/", "x" * 1000, request_id, 405, 0.001)
        fields = extra_fields(handler.records[0])
        self.assertNotIn(SECRET, handler.lines[0])
        self.assertEqual(json.loads(fields["request_id"]), {"password": REDACTED, "n": 1})
        self.assertEqual(len(fields["action"]), 203)

    def test_anonymous_users_and_missing_origins_are_none(self):
        handler = self.capture("websocket_api.connections")
        log_connect("ws/users/", None, None)
        self.assertEqual(extra_fields(handler.records[0])["user_id"], None)
        self.assertIsNone(json.loads(handler.lines[0])["origin"])

    @override_settings(ACTION_LOG_LEVEL="DEBUG")
    def test_actions_log_at_the_configured_level(self):
        handler = self.capture("websocket_api.actions", logging.DEBUG)
        log_action("ws/users/", "list", "a", 200, 0.001)
        self.assertEqual(handler.records[0].levelno, logging.DEBUG)

    @override_settings(ACTION_LOG_LEVEL="DEBUG")
    def test_a_level_below_the_loggers_emits_nothing(self):
        handler = self.capture("websocket_api.actions", logging.INFO)
        log_action("ws/users/", "list", "a", 200, 0.001)
        self.assertEqual(handler.records, [])


def run_with_settings(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=PROJECT_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


class SettingsTests(SimpleTestCase):
    code = (
        "import logging; "
        "logging.getLogger('app').warning('Signed in', extra={'user_id': 3, 'token': 'abc'})"
    )

    def test_json_format_makes_every_line_json_with_secrets_redacted(self):
        result = run_with_settings(self.code, DJANGO_LOG_FORMAT="json")
        entry = json.loads(result.stderr.strip().splitlines()[-1])
        self.assertEqual(
            (entry["message"], entry["user_id"], entry["token"]), ("Signed in", 3, REDACTED)
        )

    def test_plain_is_the_default(self):
        result = run_with_settings(self.code)
        self.assertRegex(result.stderr, r"WARNING app Signed in\n")

    def test_unknown_formats_and_levels_are_refused(self):
        for env in ({"DJANGO_LOG_FORMAT": "xml"}, {"DJANGO_ACTION_LOG_LEVEL": "LOUD"}):
            result = run_with_settings("", **env)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn(next(iter(env)), result.stderr)

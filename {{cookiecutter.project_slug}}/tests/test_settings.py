"""Settings read from the environment, with safe defaults."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import SimpleTestCase

PROJECT_DIR = Path(__file__).resolve().parent.parent
ENGINES = {"sqlite": "django.db.backends.sqlite3", "postgresql": "django.db.backends.postgresql"}
LAYERS = {
    "in-memory": "channels.layers.InMemoryChannelLayer",
    "redis": "channels_redis.core.RedisChannelLayer",
}
# What this project was rendered with.
CHOSEN_ENGINE = ENGINES["{{ cookiecutter.database }}"]
CHOSEN_LAYER = LAYERS["{{ cookiecutter.channel_layer }}"]


# Independent of the action selection: run once per layer and database.
pytestmark = pytest.mark.slow


def load_settings(**env) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    code = (
        "from config import settings as s; "
        "print(s.DEBUG, s.SECRET_KEY == s.DEVELOPMENT_SECRET_KEY, s.DATABASES['default']['ENGINE'],"
        " s.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


class SettingsTests(SimpleTestCase):
    def test_without_a_secret_key_production_settings_refuse_to_load(self):
        result = load_settings()
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY", result.stderr)

    def test_debug_uses_the_generated_development_key_and_the_chosen_backends(self):
        result = load_settings(DJANGO_DEBUG="1")
        self.assertEqual(result.stdout.split(), ["True", "True", CHOSEN_ENGINE, CHOSEN_LAYER])

    def test_urls_from_the_environment_choose_postgresql_and_redis(self):
        result = load_settings(
            DJANGO_SECRET_KEY="k" * 50,
            DATABASE_URL="postgres://app@127.0.0.1:5432/app",
            REDIS_URL="redis://127.0.0.1:6379/0",
        )
        self.assertEqual(
            result.stdout.split(),
            [
                "False",
                "False",
                "django.db.backends.postgresql",
                "channels_redis.core.RedisChannelLayer",
            ],
        )


def production_environment() -> dict[str, str]:
    """The variables the README's Production section exports, placeholders filled in."""
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Production", 1)[1]
    env = {}
    for line in section.splitlines():
        if not line.startswith("export "):
            continue
        name, _, value = line.removeprefix("export ").split("#")[0].strip().partition("=")
        env[name] = value
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DATABASE_URL"] = env["DATABASE_URL"].replace("…", "app@db.internal:5432/app")
    return env


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    clean.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


class DeploymentTests(SimpleTestCase):
    def test_the_readmes_production_environment_passes_the_deployment_checks(self):
        env = production_environment()
        self.assertIn("DJANGO_SECURE_HSTS_SECONDS", env)
        result = run_manage("check", "--deploy", "--fail-level", "WARNING", **env)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        # The control: without HSTS and the SSL redirect the same check fails.
        for name in ("DJANGO_SECURE_HSTS_SECONDS", "DJANGO_SECURE_SSL_REDIRECT"):
            reduced = {key: value for key, value in env.items() if key != name}
            result = run_manage("check", "--deploy", "--fail-level", "WARNING", **reduced)
            self.assertNotEqual(result.returncode, 0, name)

    def test_the_demo_page_and_its_sign_in_are_off_in_production_unless_enabled(self):
        code = (
            "from django.urls import resolve, Resolver404\n"
            "for path in ('/', '/api/session/'):\n"
            "    try:\n"
            "        resolve(path); print('on')\n"
            "    except Resolver404:\n"
            "        print('off')\n"
        )
        env = production_environment()
        disabled = run_manage("shell", "-v", "0", "-c", code, **env)
        self.assertEqual(disabled.stdout.split(), ["off", "off"])
        enabled = run_manage("shell", "-v", "0", "-c", code, **env, DJANGO_DEMO="1")
        self.assertEqual(enabled.stdout.split(), ["on", "on"])
        development = run_manage("shell", "-v", "0", "-c", code, DJANGO_DEBUG="1")
        self.assertEqual(development.stdout.split(), ["on", "on"])

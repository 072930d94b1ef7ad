"""Settings read from the environment, with safe defaults."""

import os
import subprocess
import sys
from pathlib import Path

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

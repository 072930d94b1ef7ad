"""Settings for the test suite: the project's settings with a fixed key and fast hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")

from config.settings import *  # noqa: E402, F403
from config.settings import BASE_DIR, DATABASES

# In-process tests run each async test in an event loop of its own, which a Redis layer's
# connections cannot follow: they use the in-memory layer. Processes the tests start
# (Daphne, manage.py) set TESTS_KEEP_CHANNEL_LAYER=1 and use the configured one.
if os.environ.get("TESTS_KEEP_CHANNEL_LAYER") != "1":
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a Daphne process started by a test sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if os.environ.get("TESTS_REAL_PASSWORD_HASHING") == "1":
    # Django's own hasher first, as in production; the test users' MD5 hashes still verify.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *PASSWORD_HASHERS]
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]

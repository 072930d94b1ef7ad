"""Project settings, read from the environment.

Every value has a safe default for development, except that ``DJANGO_SECRET_KEY`` must
be set once ``DJANGO_DEBUG`` is off. See the README for the full list.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Core
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env_bool("DJANGO_DEBUG")

# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
# The development key was generated when this project was rendered; production must
# set DJANGO_SECRET_KEY.
DEVELOPMENT_SECRET_KEY = "{{ random_ascii_string(50) }}"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development).")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

# https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts
# The WebSocket Origin check (AllowedHostsOriginValidator) reads this list too.
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

# https://docs.djangoproject.com/en/5.2/ref/settings/#csrf-trusted-origins
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# Applications
# https://docs.djangoproject.com/en/5.2/ref/settings/#installed-apps
# daphne comes first so that `runserver` serves ASGI, WebSockets included.
INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "channels",
    "websocket_api",
    "users",
    "demo",
    "ops",
    "apidocs",
]

MIDDLEWARE = [
    # Counts every request; then /healthz, /readyz and /metrics are answered before the
    # host check, sessions and authentication (ops/middleware.py).
    "ops.middleware.MetricsMiddleware",
    "ops.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
# https://channels.readthedocs.io/en/stable/installation.html
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# DATABASE_URL, for example postgres://user:password@127.0.0.1:5432/name. Connections are
# kept for CONN_MAX_AGE seconds: WebSocket actions run on one database thread per
# process, so a persistent connection saves a reconnect per message.
# % if cookiecutter.database == "postgresql"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/{{ cookiecutter.project_slug }}"
# % else
DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
# % endif
DATABASES = {
    "default": dj_database_url.config(
        default=DEFAULT_DATABASE_URL,
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
# Waits give up well before a client's own timeout (the JavaScript client's is 10 s), and
# the request then gets a 503 saying the database is unavailable.
DATABASE_TIMEOUT = env_float("DJANGO_DB_TIMEOUT", 5.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent use: write-ahead log, writers take the lock up front, waiting up to
    # DJANGO_DB_TIMEOUT seconds for another writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": DATABASE_TIMEOUT,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Seconds to connect, and the longest a statement may run, lock waits included.
    statement_ms = int(env_float("DJANGO_DB_STATEMENT_TIMEOUT", DATABASE_TIMEOUT) * 1000)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env_int("DJANGO_DB_CONNECT_TIMEOUT", 5),
            "options": f"-c statement_timeout={statement_ms}",
        }
    )

# https://docs.djangoproject.com/en/5.2/ref/settings/#default-auto-field
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer
# https://channels.readthedocs.io/en/stable/topics/channel_layers.html
# It carries live updates between consumers. In memory it serves one process; with
# REDIS_URL set, channels-redis connects every process on every machine.
# % if cookiecutter.channel_layer == "redis"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# % else
REDIS_URL = os.environ.get("REDIS_URL", "")
# % endif
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # Finite timeouts, so that a Redis that hangs fails calls instead of holding
                # them. The read timeout must exceed channels-redis's 5 s blocking reads
                # (BZPOPMIN), or idle listeners would time out: 10 s by default.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": env_float("REDIS_SOCKET_TIMEOUT", 10.0),
                        "socket_connect_timeout": env_float("REDIS_CONNECT_TIMEOUT", 3.0),
                    }
                ],
                # Messages waiting per channel; past this, group_send drops silently, so
                # clients should list again after they reconnect.
                "capacity": 100,
                # Seconds an undelivered message is kept.
                "expiry": 60,
                # Seconds a group membership lasts: at least Daphne's websocket_timeout
                # (24 h by default), or long-lived connections stop getting updates.
                "group_expiry": 86400,
                # Keys start with this; separate projects or test runs sharing a server.
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "asgi"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The largest WebSocket message, in bytes, in either direction: Daphne under `runserver`
# refuses larger frames, the consumers refuse larger text and replace larger replies with
# a 413 reply. Production passes the same variable to `daphne --websocket-max-message-size`
# (see deploy/daphne@.service). 64 KiB, OWASP's suggestion for most APIs, holds any
# request this API takes and a list of hundreds of users.
DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE = env_int("DJANGO_WEBSOCKET_MAX_MESSAGE_SIZE", 64 * 1024)

# The WebSocket API (websocket_api/conf.py lists every key and its default)
WEBSOCKET_API = {
    # Connections, requests and pushes feed the metrics and logs (ops/instrumentation.py).
    "INSTRUMENTATION": "ops.instrumentation.OpsInstrumentation",
    "MAX_MESSAGE_SIZE": DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE,
    # Rows a list gives when the request names no limit, and the largest limit accepted
    # (over HTTP too: /api/users/ pages the same way).
    "PAGE_SIZE": env_int("DJANGO_API_PAGE_SIZE", 100),
    "MAX_PAGE_SIZE": env_int("DJANGO_API_MAX_PAGE_SIZE", 1000),
    # Seconds after which an action or push checks again that the connection's session or
    # token still holds; sign-outs and password changes in processes sharing the channel
    # layer close connections at once.
    "CREDENTIALS_CHECK_INTERVAL": env_float("DJANGO_WS_CREDENTIALS_CHECK_INTERVAL", 5.0),
    # Open WebSocket connections per process, per user and per anonymous address.
    "MAX_CONNECTIONS_PER_USER": env_int("DJANGO_WS_MAX_CONNECTIONS_PER_USER", 50),
    "MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS": env_int(
        "DJANGO_WS_MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS", 20
    ),
    # Per connection: requests waiting (past it, 429 at once), open subscriptions (past
    # it, 429), and bytes waiting to go to a client that does not read (past it, the
    # connection is closed with 4008).
    "MAX_QUEUED_REQUESTS": env_int("DJANGO_WS_MAX_QUEUED_REQUESTS", 64),
    "MAX_SUBSCRIPTIONS": env_int("DJANGO_WS_MAX_SUBSCRIPTIONS", 100),
    "MAX_UNSENT_BYTES": env_int("DJANGO_WS_MAX_UNSENT_BYTES", 1024 * 1024),
    # Threads that run WebSocket actions, each with its own database connection, the
    # seconds an action may keep every busy one before waiting actions start on another,
    # and the seconds a thread with nothing to do waits for the next action.
    "DATABASE_THREADS": env_int("DJANGO_WS_DATABASE_THREADS", 8),
    "DATABASE_HANDOFF_AFTER": env_float("DJANGO_WS_DATABASE_HANDOFF_AFTER", 0.002),
    "DATABASE_THREAD_IDLE": env_float("DJANGO_WS_DATABASE_THREAD_IDLE", 0.002),
    # Origins allowed to open a WebSocket, exactly (scheme, host and port). Unset: the
    # page's own origin (the handshake's Host, when ALLOWED_HOSTS has it) and
    # CSRF_TRUSTED_ORIGINS.
    "ALLOWED_ORIGINS": env_list("DJANGO_WS_ALLOWED_ORIGINS", "") or None,
}

# Passwords
# https://docs.djangoproject.com/en/5.2/ref/settings/#auth-password-validators
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Django REST framework
# https://www.django-rest-framework.org/api-guide/settings/
# The same authentication, throttles and rates serve HTTP and the WebSocket routes (which
# authenticate once, at the handshake).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "users.authentication.ThrottledBasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's handler, with a locked or unreachable database answered 503 instead of 500.
    "EXCEPTION_HANDLER": "websocket_api.exceptions.exception_handler",
    # Requests (HTTP requests and WebSocket actions) per client: anonymous ones per
    # address, signed-in ones per user.
    "DEFAULT_THROTTLE_CLASSES": [
        "websocket_api.throttling.AnonMessageRateThrottle",
        "websocket_api.throttling.UserMessageRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("DJANGO_THROTTLE_ANON", "100/minute"),
        "user": os.environ.get("DJANGO_THROTTLE_USER", "1000/minute"),
    },
}

# Failed sign-ins (admin, /api/session/, /api/token/, HTTP Basic) allowed per username and
# per client address within WINDOW seconds; beyond them sign-ins get 429 (users/signin.py).
SIGN_IN_THROTTLE = {
    "FAILURES_PER_USERNAME": env_int("DJANGO_SIGN_IN_FAILURES_PER_USERNAME", 5),
    "FAILURES_PER_ADDRESS": env_int("DJANGO_SIGN_IN_FAILURES_PER_ADDRESS", 20),
    "WINDOW": env_int("DJANGO_SIGN_IN_WINDOW", 900),
}

# Sessions and security
# https://docs.djangoproject.com/en/5.2/ref/settings/#session-cookie-secure
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind a proxy that terminates TLS and sets X-Forwarded-Proto.
if env_bool("DJANGO_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# https://docs.djangoproject.com/en/5.2/ref/settings/#secure-ssl-redirect
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT")
# Never redirected: the probes and the metrics, which load balancers and Prometheus
# request from each process directly over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# https://docs.djangoproject.com/en/5.2/ref/settings/#secure-hsts-seconds
# Start small (3600) and raise it once HTTPS works everywhere: browsers remember it.
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD")
# https://docs.djangoproject.com/en/5.2/ref/settings/#session-cookie-age
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 1209600)

# The demo page at / and its JSON sign-in endpoint /api/session/: on in development, off
# in production unless DJANGO_DEMO=1.
DEMO_ENABLED = env_bool("DJANGO_DEMO", DEBUG)

# Describing the API: the AsyncAPI document (/api/schema/asyncapi.json, `manage.py asyncapi`)
# and the docs page (/api/docs/), built by websocket_api/schema.py (the README's "Describing
# the API").
# Who may read them: "public" (anyone), "staff" (signed-in staff; others get 403, and the
# docs page sends them to sign in) or "off" (404). Default: public with DEBUG, else staff.
API_SCHEMA_ACCESS = (
    os.environ.get("DJANGO_API_SCHEMA_ACCESS", "public" if DEBUG else "staff").strip().lower()
)
if API_SCHEMA_ACCESS not in {"public", "staff", "off"}:
    raise ImproperlyConfigured("DJANGO_API_SCHEMA_ACCESS must be public, staff or off.")
# What the document says of the API, and where clients connect (its servers; add yours).
ASYNCAPI = {
    **json.loads(
        r"""{{ {"TITLE": cookiecutter.project_name, "DESCRIPTION": cookiecutter.description} | tojson }}"""  # noqa: E501
    ),
    "VERSION": "0.1.0",
    "SERVERS": {
        "development": {
            "host": "127.0.0.1:8000",
            "protocol": "ws",
            "description": "`make run` (manage.py runserver) on this machine.",
        },
    },
    "URLPATTERNS": "config.routing.websocket_urlpatterns",
}

# Internationalization
# https://docs.djangoproject.com/en/5.2/topics/i18n/
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files
# https://docs.djangoproject.com/en/5.2/howto/static-files/
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# Serve /static/ from Daphne itself: on in development; in production a proxy in front
# usually serves STATIC_ROOT instead (see the README).
SERVE_STATIC = env_bool("DJANGO_SERVE_STATIC", DEBUG)

# Operations: probes, metrics and logs (ops/, the README's "Operations")
# Seconds /readyz gives each of its checks (a database query, a channel-layer round trip)
# before it answers 503; keep it below the probe's own timeout.
READINESS_TIMEOUT = env_float("DJANGO_READINESS_TIMEOUT", 2.0)
# /metrics (Prometheus): on by default with DEBUG only. With a token, a scrape must send
# "Authorization: Bearer <token>" (401 without one, 403 with a wrong one).
METRICS_ENABLED = env_bool("DJANGO_METRICS_ENABLED", DEBUG)
METRICS_TOKEN = os.environ.get("DJANGO_METRICS_TOKEN", "")
# Distinct values a metric label keeps (route, action, ...) before it says "other".
METRICS_MAX_LABEL_VALUES = env_int("DJANGO_METRICS_MAX_LABEL_VALUES", 100)
# The level of the one log line per WebSocket action (logger websocket_api.actions).
LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
# DEBUG by default: a line per message costs throughput; INFO logs every action.
ACTION_LOG_LEVEL = os.environ.get("DJANGO_ACTION_LOG_LEVEL", "DEBUG").strip().upper()
if ACTION_LOG_LEVEL not in LOG_LEVELS:
    raise ImproperlyConfigured(f"DJANGO_ACTION_LOG_LEVEL must be one of {sorted(LOG_LEVELS)}.")

# Logging
# https://docs.djangoproject.com/en/5.2/topics/logging/
# DJANGO_LOG_FORMAT: "plain" lines, or "json", one object per line with the extra fields
# (ops/logging.py). Secret-looking extra fields are redacted either way.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "ops.logging.RedactingFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "ops.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

"""Settings, read from the environment.

Every variable is documented in README.md ("Configuration"). Defaults are for a
single office machine on SQLite; production sets ``PAYVAND_SECRET_KEY``,
``PAYVAND_ALLOWED_HOSTS``, ``PAYVAND_MASTER_KEY`` and ``DATABASE_URL``.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from payvand.core.languages import LANGUAGES, LANGUAGES_BIDI, register_language_info


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("PAYVAND_DATA_DIR", "var")).resolve()

DEMO = env_bool("PAYVAND_DEMO", False)
DEBUG = env_bool("PAYVAND_DEBUG", False)
# Cookies marked Secure, HSTS and the https redirect; only the demo on
# http://127.0.0.1 and the test-suite's live server turn this off.
HTTPS = env_bool("PAYVAND_HTTPS", not (DEMO or DEBUG))


def _development_secret_key() -> str:
    """A random key kept under the data folder, so sessions survive a restart."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("PAYVAND_SECRET_KEY") or _development_secret_key()
ALLOWED_HOSTS = env_list("PAYVAND_ALLOWED_HOSTS") or ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("PAYVAND_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "payvand.core",
    "payvand.core.audit",
    "payvand.orgs",
    "payvand.accounts",
    "payvand.cases",
    "payvand.consent",
    "payvand.screening",
    "payvand.assistance",
    "payvand.plans",
    "payvand.trafficking",
    "payvand.attachments",
    "payvand.linkage",
    "payvand.stats",
    "payvand.referrals",
    "payvand.dashboard",
    "payvand.demo",
    "payvand.directory",
    "payvand.protection",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "payvand.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "payvand.accounts.middleware.SecondFactorMiddleware",  # django-otp's, once a minute
    "payvand.core.middleware.UserLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "payvand.accounts.middleware.SessionPolicyMiddleware",
    "payvand.core.middleware.ErasedDataMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "payvand.urls"
WSGI_APPLICATION = "payvand.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "payvand.core.context_processors.payvand",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'payvand.sqlite3'}",
        conn_max_age=int(os.environ.get("PAYVAND_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE avoids
    # "database is locked" upgrades in the middle of a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # an invitation link stays valid three days

# Lock-out after repeated wrong passwords (django-axes), per account.
AXES_FAILURE_LIMIT = int(os.environ.get("PAYVAND_LOCKOUT_FAILURES", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("PAYVAND_LOCKOUT_MINUTES", "15")))
# Per account, as the threat model asks. Adding the IP address would lock a whole
# office behind one NAT address out after ten typos by different people.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "payvand.accounts.views.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "payvand.accounts.views.locked_out"
AXES_VERBOSE = False

# Two-factor authentication (TOTP, django-otp) for every role that can see personal data
# (accounts/twofactor.py). A code is accepted one 30-second step early or late (the
# device's tolerance), and only once; wrong codes double the wait (throttle factor 1 s).
OTP_TOTP_ISSUER = os.environ.get("PAYVAND_OTP_ISSUER", "Payvand")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Sessions end after PAYVAND_SESSION_IDLE_MINUTES without a request (to the minute: a
# session in use is written back once a minute, not on every request; accounts/sessions.py).
SESSION_COOKIE_AGE = int(os.environ.get("PAYVAND_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = False
# ... and in any case PAYVAND_SESSION_MAX_HOURS after signing in (accounts/middleware.py).
PAYVAND_SESSION_MAX_HOURS = float(os.environ.get("PAYVAND_SESSION_MAX_HOURS", "12"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS and env_bool("PAYVAND_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("PAYVAND_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a reverse proxy, trust its X-Forwarded-Proto and take the client's address from
# the last X-Forwarded-For entry (the one the proxy added): core/middleware.py.
BEHIND_PROXY = env_bool("PAYVAND_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline script or style anywhere: every page works under this policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

register_language_info()
LANGUAGE_CODE = "en"
LANGUAGES = LANGUAGES
LANGUAGES_BIDI = LANGUAGES_BIDI
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
COLLECTED_STATIC = env_bool("PAYVAND_COLLECTED_STATIC", False)
# Only `payvand serve` collects (into the data folder); elsewhere WhiteNoise
# serves straight from the package.
STATIC_ROOT = DATA_DIR / "static" if COLLECTED_STATIC else None
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if COLLECTED_STATIC
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not COLLECTED_STATIC
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = os.environ.get(
    "PAYVAND_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("PAYVAND_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PAYVAND_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("PAYVAND_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PAYVAND_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("PAYVAND_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("PAYVAND_EMAIL_FROM", "Payvand <noreply@localhost>")
# The public address, for links in e-mails sent outside a request (commands, jobs).
PAYVAND_BASE_URL = os.environ.get("PAYVAND_BASE_URL", "http://127.0.0.1:8000")

# Master key for the per-organisation data keys (the encryption issue uses it);
# `payvand serve` refuses to start without one of these.
# Attachments: sealed files under the data folder, never served by a static server.
ATTACHMENTS_DIR = Path(
    os.environ.get("PAYVAND_ATTACHMENTS_DIR") or DATA_DIR / "attachments"
).resolve()
ATTACHMENT_MAX_BYTES = int(os.environ.get("PAYVAND_ATTACHMENT_MAX_MB", "10")) * 1024 * 1024

MASTER_KEY = os.environ.get("PAYVAND_MASTER_KEY", "")
MASTER_KEY_FILE = os.environ.get("PAYVAND_MASTER_KEY_FILE", "")

LOG_LEVEL = os.environ.get("PAYVAND_LOG_LEVEL", "INFO").upper()
LOG_FILE = os.environ.get("PAYVAND_LOG_FILE", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "filters": {"request_id": {"()": "payvand.core.middleware.RequestIdLogFilter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
        **(
            {
                "file": {
                    "class": "logging.handlers.WatchedFileHandler",
                    "filename": LOG_FILE,
                    "formatter": "plain",
                    "filters": ["request_id"],
                }
            }
            if LOG_FILE
            else {}
        ),
    },
    "root": {"handlers": ["stderr", *(["file"] if LOG_FILE else [])], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}},
}

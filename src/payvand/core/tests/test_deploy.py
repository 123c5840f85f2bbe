"""Production mode, checked the way an operator would run it: as a separate process."""

import os
import subprocess
import sys

import pytest

PRODUCTION_ENV = {
    "PAYVAND_SECRET_KEY": "k" * 60 + "-production-secret-for-the-test",
    "PAYVAND_ALLOWED_HOSTS": "payvand.example.org",
    "PAYVAND_MASTER_KEY": "q" * 43,
    "PAYVAND_LINKAGE_SECRET": "l" * 43,
}


def _clean_env() -> dict[str, str]:
    """The environment without the test suite's own settings."""
    dropped = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    return {
        k: v for k, v in os.environ.items() if not k.startswith("PAYVAND_") and k not in dropped
    }


def _payvand(*args, env_extra=None):
    env = _clean_env()
    env |= env_extra or {}
    return subprocess.run(
        [sys.executable, "-m", "payvand", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = _payvand(
        "check", "--deploy", "--fail-level", "WARNING",
        env_extra=PRODUCTION_ENV | {"PAYVAND_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_serve_refuses_to_start_without_each_key(tmp_path, missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _payvand("serve", env_extra=env | {"PAYVAND_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "Refusing to start" in result.stderr
    assert missing in result.stderr


@pytest.mark.parametrize("key", ["PAYVAND_MASTER_KEY", "PAYVAND_LINKAGE_SECRET"])
def test_serve_refuses_a_key_of_the_wrong_length(tmp_path, key):
    env = PRODUCTION_ENV | {key: "c2hvcnQ", "PAYVAND_DATA_DIR": str(tmp_path)}
    result = _payvand("serve", env_extra=env)
    assert result.returncode != 0 and "32 bytes" in result.stderr


@pytest.mark.django_db
def test_security_headers_on_every_page(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_production_settings_are_secure_by_default():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SESSION_COOKIE_AGE, s.SECURE_SSL_REDIRECT)"
    )
    env = _clean_env()
    env |= PRODUCTION_ENV | {"DJANGO_SETTINGS_MODULE": "payvand.settings"}
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.split()  # fmt: skip
    assert out == ["False", "True", "True", "31536000", "1800", "True"]


def test_database_url_selects_postgresql():
    code = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'])"
    env = _clean_env()
    env |= {
        "DATABASE_URL": "postgres://payvand@db.internal:5432/payvand",
        "DJANGO_SETTINGS_MODULE": "payvand.settings",
        "PAYVAND_SECRET_KEY": "x" * 50,
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip
    assert out == "django.db.backends.postgresql"

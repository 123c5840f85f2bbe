"""Settings for the test suite: the real ones, over plain http, with fast hashing."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("PAYVAND_HTTPS", "0")
os.environ.setdefault("PAYVAND_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
# A fixed, public key: test data is never real.
os.environ.setdefault("PAYVAND_MASTER_KEY", "dGVzdC1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXMhISE=")

from payvand.settings import *  # noqa: F403

# Attachments of the suite go to a folder of their own, removed by the OS's tmp cleaner.
ATTACHMENTS_DIR = Path(tempfile.mkdtemp(prefix="payvand-test-attachments-"))

# The suite's "today" is its users' (accounts.User.time_zone defaults to Asia/Tashkent,
# UTC+5): with UTC here, a test's date and the date a request or a service sees differed
# every evening after 19:00 UTC, and a task "due today" was overdue.
TIME_ZONE = "Asia/Tashkent"

# Argon2 is deliberately slow; the suite creates hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

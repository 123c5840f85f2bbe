import os
import shutil
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from payvand.core.checks import production_keys
from payvand.core.keys import master_key_mismatch

ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'


class Command(BaseCommand):
    help = "Run the production server (gunicorn; static files by WhiteNoise)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default=os.environ.get("PAYVAND_BIND", "127.0.0.1:8000"),
            help="Address to listen on (PAYVAND_BIND, default 127.0.0.1:8000).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("PAYVAND_WORKERS", "3")),
            help="Worker processes (PAYVAND_WORKERS, default 3).",
        )

    def handle(self, *args, bind, workers, **options):
        problems = [str(error.msg) for error in production_keys(None)]
        if settings.DEBUG:
            problems.append("PAYVAND_DEBUG is on; production must run with it off.")
        if problems:
            raise CommandError(
                "Refusing to start the production server:\n  - " + "\n  - ".join(problems)
            )
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(
                "The database has unapplied migrations: run `payvand migrate` first."
            )
        mismatch = master_key_mismatch()
        if mismatch:
            raise CommandError(f"Refusing to start the production server: {mismatch}")
        env = {**os.environ, "PAYVAND_COLLECTED_STATIC": "1"}
        subprocess.run(
            [sys.executable, "-m", "payvand", "collectstatic", "--noinput", "-v", "0"],
            env=env,
            check=True,
        )
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
        self.stdout.write(f"Payvand on http://{bind} with {workers} workers")
        sys.stdout.flush()
        os.execvpe(
            gunicorn,
            [
                gunicorn,
                "payvand.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                # The path without its query string, and no referrer: a search for a
                # survivor's name (/cases/?name=…) must not be written to the journal.
                "--access-logformat",
                ACCESS_LOG_FORMAT,
                "--error-logfile",
                "-",
                # gunicorn's control socket would live in $HOME, shared between servers.
                "--no-control-socket",
                "--forwarded-allow-ips",
                os.environ.get("PAYVAND_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            ],
            env,
        )

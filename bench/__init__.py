"""Payvand's benchmark harness: `make bench` (``python -m bench``).

The runner starts one worker process per database (settings are read from the
environment when Django is imported, so a database cannot be switched inside one
process). Each worker migrates a throwaway database, seeds the demo region and
runs every ``bench/bench_*.py`` module; the runner writes the figures to
``bench/RESULTS.md``.

Adding a capability's benchmark means adding one file, ``bench/bench_<name>.py``,
with a function ``run(ctx: bench.harness.Context) -> list[bench.harness.Figure]``.
"""

"""Load and fault scripts: ``python -m bench.faults load|crash|dbrestart|all``.

Each starts a throwaway PostgreSQL cluster of its own (pg.py), seeds the demo region,
runs the production server (`payvand serve`, gunicorn) on loopback and drives it with
simulated staff (client.py); see the modules load.py, crash.py and dbrestart.py for
what each proves. Figures go to the "Load and faults" section of bench/RESULTS.md.
"""

"""Offline guard for the Python subprocesses the tests start (the CLI, notebook kernels, the benchmark).

The test session puts this folder first on ``PYTHONPATH``; Python imports ``sitecustomize`` at start-up, so every
child interpreter refuses connections to non-local addresses, like the session itself.
"""

import offline_guard

offline_guard.install()

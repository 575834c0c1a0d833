"""Settings for ``bench/bench_pages.py``'s server: Escalate's own, plus the bare view.

``DJANGO_SETTINGS_MODULE=bench.settings escalate serve`` (with the project folder on
PYTHONPATH) serves every page of Escalate and ``/bench/bare/`` from the same processes,
with the same middleware, so the two are measured under the same load.
"""

from escalate.settings import *  # noqa: F403 - Escalate's settings, unchanged

ROOT_URLCONF = "bench.urls"

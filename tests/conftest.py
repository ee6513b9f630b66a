"""pytest configuration of the unit tests.

Property tests (hypothesis) run *derandomized* by default, so that a CI run and a local run draw the same
examples and a failure can be reproduced. ``HYPOTHESIS_PROFILE=explore`` draws fresh random examples, ten times
as many, to hunt for new counterexamples.
"""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("repro", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repro"))

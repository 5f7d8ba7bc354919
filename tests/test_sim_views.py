"""The simulated engine's JSON views where they compute something: times (UTC, whatever the zone
the simulator runs in), durations as `docker ps` words them."""
from __future__ import annotations

import calendar
import os
import time

import pytest

from labkit.sim.api.views import human_duration, parse_time


@pytest.fixture
def summer_zone():
    """A zone with daylight saving, in summer (the engine's times are UTC all the same)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_parse_time_is_utc_in_any_zone(summer_zone):
    assert parse_time("2024-07-01T12:00:00.250000000Z") == calendar.timegm((2024, 7, 1, 12, 0, 0)) + 0.25
    assert parse_time("2024-01-01T12:00:00Z") == calendar.timegm((2024, 1, 1, 12, 0, 0))
    assert parse_time("0001-01-01T00:00:00Z") == 0.0


@pytest.mark.parametrize("seconds, words", [
    (0.5, "Less than a second"), (1, "1 second"), (59, "59 seconds"), (60, "About a minute"),
    (150, "2 minutes"), (3600, "About an hour"), (3 * 3600, "3 hours"), (3 * 86400, "3 days"),
    (20 * 86400, "2 weeks"), (90 * 86400, "3 months"), (800 * 86400, "2 years"),
])
def test_human_duration_as_docker_ps_says_it(seconds, words):
    assert human_duration(seconds) == words


def test_times_are_the_worlds_clock(sim_client):
    """The time `docker stop -t 2` skips is the world's: the engine's own clock (SystemTime before,
    FinishedAt after) says the kill came 2 s after, as the real engine's does (conformance
    scenario pid1_stop), though the simulator did not wait for it."""
    box = sim_client.containers.run("busybox", "sleep 600", name="clocked", detach=True)
    before = parse_time(sim_client.info()["SystemTime"])
    assert before > parse_time(box.attrs["Created"]) > 0
    box.stop(timeout=2)
    box.reload()
    assert box.attrs["State"]["ExitCode"] == 137
    assert 1.9 < parse_time(box.attrs["State"]["FinishedAt"]) - before < 4
    assert 1.9 < parse_time(sim_client.info()["SystemTime"]) - before < 4

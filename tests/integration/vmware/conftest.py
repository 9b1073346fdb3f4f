"""Fixtures for the VMware tests: the simulator (tests/vcsim), built once per session.

``vcsim`` is a fresh simulator per test (default inventory: 1 cluster of 2 hosts, 1 standalone
host, 1 VM per pool, 1 distributed portgroup); ``vcsim_factory(**flags)`` starts others. All are
stopped at teardown. ``si`` is a pyVmomi connection to ``vcsim`` for set-up and read-back.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vcsim_helpers  # noqa: E402


@pytest.fixture(scope='session')
def vcsim_binary():
    return vcsim_helpers.build()


@pytest.fixture
def vcsim_factory(vcsim_binary):
    started = []

    def start(**flags):
        sim = vcsim_helpers.Simulator(**flags).start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def vcsim(vcsim_factory):
    return vcsim_factory()


@pytest.fixture
def si(vcsim):
    conn = vcsim.connect()
    yield conn
    try:
        conn.content.sessionManager.Logout()
    except Exception:
        pass

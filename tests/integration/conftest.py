# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the integration tests (real namespaces, real ansible runs).

``lab_factory(topology, vms=1, masquerade=False, base=None)``
    Builds a lab (tests/lab/vmnetlab.py) with a fresh unique prefix and returns the ``Lab``.
    The prefix is ``base`` (default: env VMNET_LAB_PREFIX, else "tl") plus 5 random
    characters, so parallel test runs never collide. Every lab made in a test is torn down
    (``down()``) when the test ends, passed or failed. ``module_lab_factory`` is the same with
    module scope (one lab shared by a test module; heal faults between tests).

``ansible_run(inventory, host, module, args=None, check=False, diff=False, extra_vars=None)``
    Runs ``ansible HOST -i INVENTORY -m MODULE -a ARGS`` (args: dict -> passed as JSON, or
    a "k=v" string) and returns that host's result dict (``changed``, ``failed``,
    ``unreachable``, ``msg``, ``diff``, ``ansible_facts`` ...). The process exit code, stdout
    and stderr are added as ``_rc``, ``_stdout`` and ``_stderr`` for error messages. When
    ``host`` is a pattern matching several hosts, the result is ``{host: result}`` (plus those keys).

``run_playbook(path, inventory, extra_vars=None, check=False, diff=False, limit=None, tags=None)``
    Runs ``ansible-playbook`` and returns ``(rc, data, output)``; ``output`` is stdout, then
    stderr after a "--- stderr ---" line (for assertion messages); ``data`` is the parsed
    output of the test callback (tests/integration/callback_plugins/vmnet_json.py):
    ``{"plays": [{"play": {...}, "tasks": [{"task": {"name", "action", "id"},
    "hosts": {HOST: RESULT}}]}], "stats": {HOST: {"ok", "changed", "failures",
    "unreachable", "skipped", "rescued", "ignored"}}}`` (the ansible.posix.json shape), or
    None when the run printed no JSON (syntax error, bad inventory).
    Fixture ``task_results_of(data, name)`` returns the per-host results of the task named ``name``.

Environment of every run: ANSIBLE_CONFIG=<repo>/ansible.cfg,
ANSIBLE_COLLECTIONS_PATH=<repo>/.collections (vmnet.doctor = this checkout), the
ansible binaries next to sys.executable (the venv), stdout callback ``vmnet_json``.
Lab tests need root (namespaces): when not root, tests that use the lab fixtures or import
from vmnetlab are skipped with a reason; everything else runs.
"""

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LAB_DIR = os.path.join(REPO, 'tests', 'lab')
if LAB_DIR not in sys.path:
    sys.path.insert(0, LAB_DIR)

from vmnetlab import Lab, destroy_lab, unique_prefix  # noqa: E402  pylint: disable=wrong-import-position

BIN_DIR = os.path.dirname(sys.executable)
CALLBACK_DIR = os.path.join(HERE, 'callback_plugins')
ANSIBLE_TIMEOUT = 300


LAB_FIXTURES = {'lab_factory', 'module_lab_factory'}


def _uses_lab(item):
    """True for tests that build namespace labs (lab fixtures, or a module importing from vmnetlab)."""
    if LAB_FIXTURES & set(getattr(item, 'fixturenames', ())):
        return True
    module = getattr(item, 'module', None)
    for value in (vars(module).values() if module is not None else ()):
        if getattr(value, '__module__', None) == 'vmnetlab' or getattr(value, '__name__', None) == 'vmnetlab':
            return True
    return False


def pytest_collection_modifyitems(config, items):
    """When not root, skip the tests that need namespaces (CAP_SYS_ADMIN); the others still run."""
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason='needs root: builds network namespaces (tests/lab)')
    for item in items:
        if _uses_lab(item):
            item.add_marker(skip)


def ansible_env(extra=None):
    """Environment for ansible / ansible-playbook runs against this checkout."""
    env = dict(os.environ)
    env.update({
        'ANSIBLE_CONFIG': os.path.join(REPO, 'ansible.cfg'),
        'ANSIBLE_COLLECTIONS_PATH': os.path.join(REPO, '.collections'),
        'ANSIBLE_CALLBACK_PLUGINS': CALLBACK_DIR,
        'ANSIBLE_STDOUT_CALLBACK': 'vmnet_json',
        'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_HOST_KEY_CHECKING': '0',
        'ANSIBLE_PIPELINING': '1',
        'PATH': BIN_DIR + os.pathsep + env.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin'),
        'LANG': 'C.UTF-8', 'LC_ALL': 'C.UTF-8',
    })
    if extra:
        env.update(extra)
    return env


def parse_callback_output(stdout):
    """Parse the vmnet_json document from stdout (tolerates lines printed before it)."""
    start = stdout.find('{\n')
    if start != 0:
        start = stdout.find('\n{\n') + 1
    if start < 0 or not stdout[start:].strip():
        raise ValueError('no JSON document in ansible output:\n%s' % stdout)
    return json.loads(stdout[start:])


def task_results(data, name):
    """Per-host results of the (last) task called ``name`` in parsed callback output."""
    found = None
    for play in data.get('plays', []):
        for task in play['tasks']:
            if task['task']['name'] == name:
                found = task['hosts']
    if found is None:
        raise KeyError('no task named %r in the run' % name)
    return found


def _run_ansible(argv, env_extra=None, cwd=REPO):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          env=ansible_env(env_extra), cwd=cwd, timeout=ANSIBLE_TIMEOUT, check=False)
    return proc


def _lab_factory():
    made = []

    def make(topology, vms=1, masquerade=False, base=None):
        prefix = unique_prefix(base or os.environ.get('VMNET_LAB_PREFIX', 'tl'))
        lab = Lab(prefix, topology, vms=vms, masquerade=masquerade)
        made.append(prefix)
        lab.up()
        return lab

    try:
        yield make
    finally:
        errors = []
        for prefix in made:
            try:
                destroy_lab(prefix)
            except Exception as exc:  # pylint: disable=broad-except
                errors.append(str(exc))
        assert not errors, errors


@pytest.fixture
def lab_factory():
    """Make labs: ``lab = lab_factory('bridged', vms=1)``; all are destroyed after the test."""
    yield from _lab_factory()


@pytest.fixture(scope='module')
def module_lab_factory():
    """Like lab_factory, but the labs live until the end of the test module (share one, heal between tests)."""
    yield from _lab_factory()


@pytest.fixture
def task_results_of():
    """``task_results_of(data, 'task name')`` -> {host: result} from run_playbook's parsed output."""
    return task_results


@pytest.fixture
def ansible_run():
    """Run one module ad hoc; return the host's result dict (plus _rc/_stdout/_stderr)."""
    def run(inventory, host, module, args=None, check=False, diff=False, extra_vars=None, verbosity=0):
        argv = [os.path.join(BIN_DIR, 'ansible'), host, '-i', str(inventory), '-m', module]
        if args:
            argv += ['-a', json.dumps(args) if isinstance(args, dict) else str(args)]
        if check:
            argv.append('--check')
        if diff:
            argv.append('--diff')
        if extra_vars:
            argv += ['-e', json.dumps(extra_vars)]
        if verbosity:
            argv.append('-' + 'v' * verbosity)
        proc = _run_ansible(argv)
        try:
            data = parse_callback_output(proc.stdout)
            hosts = data['plays'][0]['tasks'][0]['hosts']
            result = hosts[host] if host in hosts else (list(hosts.values())[0] if len(hosts) == 1 else hosts)
        except (ValueError, KeyError, IndexError) as exc:
            raise AssertionError('cannot read the result of %s (rc=%d): %s\nstdout:\n%s\nstderr:\n%s'
                                 % (' '.join(argv), proc.returncode, exc, proc.stdout, proc.stderr))
        result['_rc'] = proc.returncode
        result['_stdout'] = proc.stdout
        result['_stderr'] = proc.stderr
        return result
    return run


@pytest.fixture
def run_playbook():
    """Run a playbook; return (rc, parsed callback output, stdout)."""
    def run(path, inventory, extra_vars=None, check=False, diff=False, limit=None, tags=None, verbosity=0):
        argv = [os.path.join(BIN_DIR, 'ansible-playbook'), str(path), '-i', str(inventory)]
        if extra_vars:
            argv += ['-e', json.dumps(extra_vars)]
        if check:
            argv.append('--check')
        if diff:
            argv.append('--diff')
        if limit:
            argv += ['--limit', limit]
        if tags:
            argv += ['--tags', tags]
        if verbosity:
            argv.append('-' + 'v' * verbosity)
        proc = _run_ansible(argv)
        try:
            data = parse_callback_output(proc.stdout)
        except ValueError:
            data = None
        if data is None and proc.returncode != 0:
            sys.stderr.write('ansible-playbook failed (rc=%d):\n%s\n%s\n' % (proc.returncode, proc.stdout,
                                                                             proc.stderr))
        return proc.returncode, data, proc.stdout + ('\n--- stderr ---\n' + proc.stderr if proc.stderr else '')
    return run

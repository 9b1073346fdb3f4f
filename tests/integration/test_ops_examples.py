# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The operations examples, checked by the tools that consume them:

* examples/systemd/*: ``systemd-analyze verify`` (no warning) with the install paths pointed at
  this checkout, and the timer's calendar parsed by ``systemd-analyze calendar``;
* examples/cron/vmnet-doctor: cron.d syntax (5 time fields, user, command), ``sh -n`` on the
  command, and the same playbook invocation as the systemd unit (they must not drift);
* execution-environment.yml + bindep.txt: ``ansible-builder create`` makes the build context from
  a collection tarball built here, and ``bindep`` parses bindep.txt;
* examples/grafana/dashboard.json: every PromQL expression parses (``promtool check rules``) and
  uses only metrics the collection exports;
* examples/Jenkinsfile: its shell steps pass ``bash -n`` and shellcheck, and its diagnose step,
  run as Jenkins would run it (same environment variables) against the lab, exits 2 on a broken
  path and 0 on a healthy one, leaving the JUnit, JSON and HTML files its publish globs expect.
"""
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

from vmnetlab import Lab, destroy_lab, unique_prefix

from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import metrics

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, 'examples')
BIN_DIR = os.path.dirname(sys.executable)


def run(argv, **kwargs):
    kwargs.setdefault('timeout', 300)
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          check=False, **kwargs)


def tool(name, env_var):
    for c in (os.environ.get(env_var), os.path.join(BIN_DIR, name), shutil.which(name)):
        if c and os.access(c, os.X_OK):
            return c
    return None


# ------------------------------------------------------------------ systemd and cron
def unit_command(text):
    """ExecStart of a unit, continuation lines joined, as argv."""
    joined = re.sub(r'\\\n\s*', ' ', text)
    line = next(x for x in joined.splitlines() if x.startswith('ExecStart='))
    return shlex.split(line[len('ExecStart='):])


def test_systemd_units_verify(tmp_path):
    analyze = shutil.which('systemd-analyze')
    assert analyze, 'systemd-analyze missing (Debian package systemd)'
    for name in ('vmnet-doctor-scheduled.service', 'vmnet-doctor-scheduled.timer'):
        with open(os.path.join(EXAMPLES, 'systemd', name)) as f:
            text = f.read().replace('/opt/vmnet-doctor', REPO)
        (tmp_path / name).write_text(text)
    proc = run([analyze, 'verify', '--man=no', str(tmp_path / 'vmnet-doctor-scheduled.timer'),
                str(tmp_path / 'vmnet-doctor-scheduled.service')], cwd=str(tmp_path))
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    with open(os.path.join(EXAMPLES, 'systemd', 'vmnet-doctor-scheduled.timer')) as f:
        calendar = re.search(r'^OnCalendar=(.+)$', f.read(), re.M).group(1)
    proc = run([analyze, 'calendar', '--iterations=2', calendar])
    assert proc.returncode == 0, proc.stderr
    assert 'Normalized form: *-*-* *:00/15:00' in proc.stdout


def test_systemd_unit_runs_the_scheduled_playbook():
    with open(os.path.join(EXAMPLES, 'systemd', 'vmnet-doctor-scheduled.service')) as f:
        argv = unit_command(f.read())
    assert argv[0].endswith('/.venv/bin/ansible-playbook')
    assert os.path.exists(os.path.join(REPO, argv[1])), argv[1]


CRON_FIELD = re.compile(r'^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$')


def test_cron_line_matches_the_systemd_unit():
    with open(os.path.join(EXAMPLES, 'cron', 'vmnet-doctor')) as f:
        lines = [x for x in f.read().splitlines() if x.strip() and not x.startswith('#') and '=' not in x.split()[0]]
    assert len(lines) == 1, lines
    fields = lines[0].split(None, 6)
    assert all(CRON_FIELD.match(f) for f in fields[:5]), fields[:5]
    assert fields[:5] == ['*/15', '*', '*', '*', '*']
    assert fields[5] == 'root'
    command = fields[6]
    proc = run(['sh', '-n', '-c', command])
    assert proc.returncode == 0, proc.stderr
    playbook_run = shlex.split(command.split('&&', 1)[1].split('>>', 1)[0])
    playbook_run = [a for a in playbook_run if not re.match(r'^[A-Z_]+=', a)]
    with open(os.path.join(EXAMPLES, 'systemd', 'vmnet-doctor-scheduled.service')) as f:
        unit = unit_command(f.read())
    assert playbook_run[0] == '.venv/bin/ansible-playbook' and unit[0].endswith(playbook_run[0])
    assert playbook_run[1:] == unit[1:]


# ------------------------------------------------------------------ execution environment
def test_execution_environment_build_context(tmp_path):
    builder = tool('ansible-builder', 'VMNET_ANSIBLE_BUILDER')
    assert builder, 'ansible-builder missing: pip install ansible-builder into the test venv (or set VMNET_ANSIBLE_BUILDER)'
    for name in ('execution-environment.yml', 'bindep.txt'):
        shutil.copy(os.path.join(REPO, name), str(tmp_path))
    proc = run([os.path.join(BIN_DIR, 'ansible-galaxy'), 'collection', 'build', REPO, '--output-path', str(tmp_path)],
               cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tarball = glob.glob(str(tmp_path / 'vmnet-doctor-*.tar.gz'))
    assert len(tarball) == 1
    proc = run([builder, 'create', '-f', 'execution-environment.yml', '-c', 'context'], cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    context = tmp_path / 'context'
    containerfile = (context / 'Dockerfile').read_text() if (context / 'Dockerfile').exists() \
        else (context / 'Containerfile').read_text()
    assert os.path.exists(str(context / '_build' / 'collections' / os.path.basename(tarball[0])))
    assert 'ansible-galaxy collection install --offline -p /usr/share/ansible/collections' in containerfile
    # The image's Python requirements are requirements.txt without ansible-core (pinned separately).
    with open(os.path.join(REPO, 'requirements.txt')) as f:
        wanted = sorted(x.strip() for x in f if x.strip() and not x.startswith('#') and not x.startswith('ansible-core'))
    assert sorted((context / '_build' / 'requirements.txt').read_text().split()) == wanted
    bindep = tool('bindep', 'VMNET_BINDEP') or os.path.join(os.path.dirname(builder), 'bindep')
    proc = run([bindep, '-f', os.path.join(REPO, 'bindep.txt'), '-l', 'newline'])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'iproute2' in proc.stdout.split()  # this machine is dpkg: the dpkg names are selected


# ------------------------------------------------------------------ grafana
def dashboard_exprs():
    with open(os.path.join(EXAMPLES, 'grafana', 'dashboard.json')) as f:
        dash = json.load(f)
    return [t['expr'] for p in dash['panels'] for t in p.get('targets', [])], dash


def test_grafana_dashboard_queries_parse_and_use_exported_metrics(tmp_path):
    exprs, dash = dashboard_exprs()
    assert dash['uid'] and dash['templating']['list'][0]['type'] == 'datasource'
    known = set(name for name, _t, _h in metrics.FAMILIES)
    for expr in exprs:
        names = set(re.findall(r'\bvmnet_doctor_[a-z_]+', expr))
        assert names and names <= known, (expr, names - known)
    rules = {'groups': [{'name': 'dashboard', 'rules': [
        {'record': 'dashboard:expr_%d' % i, 'expr': e.replace('$path', '.*')} for i, e in enumerate(exprs)]}]}
    path = tmp_path / 'dashboard-rules.yml'
    path.write_text(json.dumps(rules))
    assert os.access('/usr/bin/promtool', os.X_OK), 'promtool missing (Debian package prometheus)'
    proc = run(['/usr/bin/promtool', 'check', 'rules', str(path)])
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ------------------------------------------------------------------ Jenkinsfile
def jenkins_steps():
    with open(os.path.join(EXAMPLES, 'Jenkinsfile')) as f:
        text = f.read()
    steps = {}
    for label, body in re.findall(r"sh\(label: '([^']+)',(?: returnStatus: true,)? script: '''(.*?)'''\)", text, re.S):
        steps[label] = body.replace('\\\\', '\\')  # Groovy ''' strings: only \\ is an escape here
    return steps, text


def test_jenkinsfile_shell_steps_lint():
    steps, text = jenkins_steps()
    assert sorted(steps) == ['diagnose', 'remediate']
    assert "sh(label: 'setup', script: 'make setup')" in text
    for stage in ('Checkout', 'Set up', 'Diagnose', 'Approve', 'Remediate'):
        assert "stage('%s')" % stage in text
    assert "junit(testResults: 'reports/diagnose/*.junit.xml'" in text
    shellcheck = shutil.which('shellcheck')
    assert shellcheck, 'shellcheck missing (Debian package shellcheck)'
    for label, body in steps.items():
        proc = run(['bash', '-n', '-c', body])
        assert proc.returncode == 0, (label, proc.stderr)
        proc = run([shellcheck, '-s', 'bash', '-'], input=body)
        assert proc.returncode == 0, (label, proc.stdout)


def test_jenkins_diagnose_step_exit_codes_and_artifacts(tmp_path):
    steps, _text = jenkins_steps()
    lab = Lab(unique_prefix('op'), 'bridged', vms=1)
    try:
        lab.up()
        inventory = tmp_path / 'inventory.yml'
        lab.write_inventory(str(inventory))
        paths = tmp_path / 'paths.yml'
        paths.write_text(json.dumps({'doctor_paths': [{'name': 'vm1', 'source': lab.ns('host'),
                                                       'target_ip': lab.ip('vm1'), 'target_host': lab.ns('vm1'),
                                                       'hypervisor': lab.ns('hv')}]}))
        env = dict(os.environ, INVENTORY=str(inventory), PATHS_FILE=str(paths), REPORT_DIR=str(tmp_path / 'reports'),
                   ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
                   ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.collections'),
                   PATH=BIN_DIR + os.pathsep + os.environ.get('PATH', '/usr/bin:/bin'))
        for key in ('ANSIBLE_STDOUT_CALLBACK', 'ANSIBLE_CALLBACK_PLUGINS'):
            env.pop(key, None)
        # The workspace is the checkout: the step calls .venv/bin/ansible-playbook relative to it.
        assert os.path.exists(os.path.join(REPO, '.venv', 'bin', 'ansible-playbook'))
        lab.inject('vm_icmp_nft_drop')
        broken = run(['bash', '-c', steps['diagnose']], cwd=REPO, env=env, timeout=600)
        assert broken.returncode == 2, broken.stdout[-3000:] + broken.stderr[-3000:]
        diag = tmp_path / 'reports' / 'diagnose'
        for pattern in ('*.junit.xml', '*.json', '*.html'):
            assert glob.glob(str(diag / pattern)), (pattern, os.listdir(str(diag)))
        html = open(glob.glob(str(diag / '*.html'))[0]).read()
        assert 'ICMP_BLOCKED' in html and 'data-state="broken"' in html
        lab.heal('all')
        healthy = run(['bash', '-c', steps['diagnose']], cwd=REPO, env=env, timeout=600)
        assert healthy.returncode == 0, healthy.stdout[-3000:] + healthy.stderr[-3000:]
    finally:
        destroy_lab(lab.prefix)

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the diagnosis reports (JSON, JUnit XML) on the controller, atomically.

Rendering is in ``plugin_utils/reporting/report.py`` (pure); this plugin only adds the clock, the
collection version and the file writes (temporary file in the same directory + ``os.replace``).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import report

ARGUMENT_SPEC = dict(
    diagnosis=dict(type='dict', required=True),
    report_dir=dict(type='path', required=True),
    report_name=dict(type='str', default='vmnet-doctor-{timestamp}'),
    formats=dict(type='list', elements='str', choices=['json', 'junit'], default=['json', 'junit']),
    probes=dict(type='raw'),
    timings=dict(type='dict'),
    run=dict(type='dict'),
    fail_on_broken=dict(type='bool', default=False),
)

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collection_version(root=COLLECTION_ROOT):
    """Version from the installed MANIFEST.json, else from galaxy.yml of a source checkout."""
    manifest = os.path.join(root, 'MANIFEST.json')
    try:
        with open(manifest) as f:
            return json.load(f)['collection_info']['version']
    except (IOError, OSError, ValueError, KeyError, TypeError):
        pass
    galaxy = os.path.join(root, 'galaxy.yml')
    try:
        import yaml
        with open(galaxy) as f:
            return str(yaml.safe_load(f)['version'])
    except (IOError, OSError, ImportError, KeyError, TypeError, ValueError, AttributeError):
        return None


def write_atomic(path, text):
    """Write ``text`` to ``path`` so readers see the old file or the whole new one, never a part."""
    directory = os.path.dirname(path) or '.'
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), suffix='.tmp', dir=directory)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        precise = datetime.datetime.now(datetime.timezone.utc)
        now = precise.replace(microsecond=0)
        stamp = now.strftime('%Y%m%dT%H%M%SZ')
        diagnosis = args['diagnosis']
        if not isinstance(diagnosis.get('paths'), list):
            raise AnsibleActionFail('diagnosis has no "paths" list: pass the registered result of vmnet.doctor.diagnose')
        paths = diagnosis['paths']
        name = args['report_name'].replace('{timestamp}', stamp)
        if not name or os.sep in name or name in ('.', '..'):
            raise AnsibleActionFail('report_name %r must be a plain file name' % args['report_name'])
        report_dir = args['report_dir']
        try:
            os.makedirs(report_dir, exist_ok=True)
        except OSError as e:
            raise AnsibleActionFail('cannot create report_dir %s: %s' % (report_dir, to_native(e)))

        files = {}
        try:
            if 'json' in args['formats']:
                timings = dict(args['timings'] or {})
                if timings:
                    timings['seconds'] = report.phase_seconds(args['timings'], precise.isoformat())
                doc = report.json_report(diagnosis, generated_at=now.isoformat(),
                                         collection_version=collection_version(), probes=args['probes'],
                                         timings=timings, run=args['run'])
                files['json'] = os.path.join(report_dir, name + '.json')
                write_atomic(files['json'], report.render_json(doc))
            if 'junit' in args['formats']:
                files['junit'] = os.path.join(report_dir, name + '.junit.xml')
                write_atomic(files['junit'], report.junit_xml(paths, timestamp=now.isoformat()))
        except (IOError, OSError) as e:
            raise AnsibleActionFail('cannot write report in %s: %s' % (report_dir, to_native(e)))

        totals = report.counts(paths)
        lines = report.summary_lines(paths)
        result.update(changed=False, files=files, summary_lines=lines, totals=totals,
                      broken=(totals['broken'] + totals['unexplained']) > 0)
        if args['fail_on_broken'] and result['broken']:
            result['failed'] = True
            result['msg'] = '%d of %d path(s) broken or unexplained:\n%s' % (
                totals['broken'] + totals['unexplained'], totals['paths'],
                '\n'.join(line for line in lines if not line.startswith('OK')))
        return result

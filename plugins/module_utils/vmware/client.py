# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vSphere connection, shared argument spec and PropertyCollector helpers (pyVmomi).

Reads go through ``retrieve()``: one ``RetrievePropertiesEx`` (plus ``ContinueRetrievePropertiesEx``
when the server pages) for any number of objects, so the round trips of a question do not grow
with the inventory. Nothing here calls ``fail_json``: errors are ``DoctorError``.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import ssl
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

try:
    from pyVim.connect import SmartConnect
    from pyVmomi import vim, vmodl
    HAS_PYVMOMI = True
    PYVMOMI_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised only without pyVmomi
    HAS_PYVMOMI = False
    PYVMOMI_IMPORT_ERROR = exc
    vim = vmodl = SmartConnect = None


def vmware_argument_spec():
    """Connection options, as documented in the vmnet.doctor.vmware doc fragment."""
    return dict(
        hostname=dict(type='str', required=True, fallback=(env_fallback, ['VMWARE_HOST'])),
        port=dict(type='int', default=443, fallback=(env_fallback, ['VMWARE_PORT'])),
        username=dict(type='str', required=True, aliases=['user'],
                      fallback=(env_fallback, ['VMWARE_USER'])),
        password=dict(type='str', required=True, aliases=['pass', 'pwd'], no_log=True,
                      fallback=(env_fallback, ['VMWARE_PASSWORD'])),
        validate_certs=dict(type='bool', default=True,
                            fallback=(env_fallback, ['VMWARE_VALIDATE_CERTS'])),
    )


def _fault_text(exc):
    msg = getattr(exc, 'msg', None) or str(exc)
    return '%s: %s' % (type(exc).__name__.split('.')[-1], msg.strip())


def connect(hostname, port, username, password, validate_certs=True, timeout=60):
    """Log in and return the ServiceInstance. Raise DoctorError with a clear reason."""
    where = '%s:%s' % (hostname, port)
    context = ssl.create_default_context()
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        return SmartConnect(host=hostname, port=port, user=username, pwd=password,
                            sslContext=context, httpConnectionTimeout=timeout)
    except vim.fault.InvalidLogin:
        raise DoctorError('Login to vSphere at %s failed: wrong user name or password for %r'
                          % (where, username), obj=where)
    except ssl.SSLCertVerificationError as exc:
        raise DoctorError('TLS certificate of %s could not be verified (%s). Install the CA that '
                          'signed it, or set validate_certs: false for a lab server.'
                          % (where, exc.verify_message or exc), obj=where)
    except ssl.SSLError as exc:
        raise DoctorError('TLS handshake with %s failed: %s' % (where, exc), obj=where)
    except socket.gaierror as exc:
        raise DoctorError('Cannot resolve vSphere host %r: %s' % (hostname, exc), obj=where)
    except (socket.timeout, ConnectionError, OSError) as exc:
        raise DoctorError('Cannot reach vSphere API at %s: %s' % (where, exc), obj=where)
    except vmodl.MethodFault as exc:
        raise DoctorError('Login to vSphere at %s failed: %s' % (where, _fault_text(exc)), obj=where)
    except Exception as exc:  # http.client errors, unexpected replies from non-vSphere servers
        raise DoctorError('Cannot talk to a vSphere API at %s: %s: %s'
                          % (where, type(exc).__name__, exc), obj=where)


_CONTENT = {}


def content_of(si):
    """The ServiceContent, read once per connection (``si.content`` costs a round trip per use)."""
    key = id(si)
    if key not in _CONTENT:
        _CONTENT[key] = si.RetrieveContent()
    return _CONTENT[key]


def disconnect(si):
    """Log out; never raise (the work is done)."""
    try:
        content_of(si).sessionManager.Logout()
    except Exception:
        pass
    _CONTENT.pop(id(si), None)


def connect_from_params(params):
    return connect(params['hostname'], params['port'], params['username'],
                   params['password'], params['validate_certs'])


def _props(obj_content):
    out = {'obj': obj_content.obj, 'moid': obj_content.obj._moId,
           'type': obj_content.obj._wsdlName}
    for prop in obj_content.propSet or []:
        out[prop.name] = prop.val
    missing = []
    for m in obj_content.missingSet or []:
        missing.append({'path': m.path, 'fault': _fault_text(m.fault)})
    if missing:
        out['_missing'] = missing
    return out


def retrieve(si, object_specs, prop_specs):
    """Run one RetrievePropertiesEx (following continuation tokens).

    ``object_specs``: list of ObjectSpec; ``prop_specs``: {vim type: [property paths]}.
    Returns a list of dicts: obj, moid, type, one key per property path, _missing when the
    server could not read a path.
    """
    pc = content_of(si).propertyCollector
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=object_specs,
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=t, pathSet=paths, all=False)
                 for t, paths in prop_specs.items()])
    options = vmodl.query.PropertyCollector.RetrieveOptions()
    try:
        result = pc.RetrievePropertiesEx(specSet=[spec], options=options)
        out = []
        while result is not None:
            out.extend(_props(oc) for oc in result.objects or [])
            if not result.token:
                break
            result = pc.ContinueRetrievePropertiesEx(token=result.token)
    except vmodl.MethodFault as exc:
        raise DoctorError('vSphere PropertyCollector query failed: %s' % _fault_text(exc))
    return out


def view_object_spec(view):
    """ObjectSpec selecting every object of a ContainerView (TraversalSpec over 'view')."""
    traverse = vmodl.query.PropertyCollector.TraversalSpec(
        name='traverseView', path='view', skip=False, type=vim.view.ContainerView)
    return vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traverse])


def object_specs(objs):
    return [vmodl.query.PropertyCollector.ObjectSpec(obj=o, skip=False) for o in objs]


class ContainerView(object):
    """``with ContainerView(si, [vim.HostSystem, ...]) as view:`` — destroyed on exit."""

    def __init__(self, si, types, container=None):
        self.si = si
        self.types = types
        self.container = container
        self.view = None

    def __enter__(self):
        content = content_of(self.si)
        self.view = content.viewManager.CreateContainerView(
            self.container or content.rootFolder, self.types, True)
        return self.view

    def __exit__(self, *exc):
        try:
            self.view.DestroyView()
        except Exception:
            pass
        return False


def wait_for_task(task, what, timeout=300):
    """Poll a Task with backoff until it ends; raise DoctorError with the task's fault."""
    delay = 0.05
    deadline = time.time() + timeout
    while True:
        info = task.info
        if info.state == vim.TaskInfo.State.success:
            return info.result
        if info.state == vim.TaskInfo.State.error:
            raise DoctorError('%s failed: %s' % (what, _fault_text(info.error)))
        if time.time() > deadline:
            raise DoctorError('%s did not finish within %d s' % (what, timeout))
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def call(what, func, *args, **kwargs):
    """Run one vSphere method; turn a fault into DoctorError naming ``what``."""
    try:
        return func(*args, **kwargs)
    except vmodl.MethodFault as exc:
        raise DoctorError('%s failed: %s' % (what, _fault_text(exc)))


def fault_text(exc):
    return _fault_text(exc)

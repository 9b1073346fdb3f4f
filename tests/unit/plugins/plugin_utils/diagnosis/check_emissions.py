# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which check of the diagnosis engine raises which finding code, read from the source (ast).

A code counts for a function when the function calls ``ctx.find(<code>, ...)`` with the code as a
literal, a conditional of literals, or a local name assigned such literals. Codes found in a helper
(any function whose name does not start with ``check_``) count for the ``check_*`` functions that call
it, across the ``checks_*`` modules. Used by test_diagnosis_catalog.py to keep the catalogue's
``checks`` lists true.
"""
import ast
import collections
import glob
import os

ENGINE_DIR = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', '..',
                                          'plugins', 'plugin_utils', 'diagnosis'))


def _literals(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    return set()


def _called_name(call):
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def check_functions(engine_dir=ENGINE_DIR):
    """{'checks_l2.check_hv_port': <FunctionDef>, ...} for every top-level function of checks_*.py."""
    out = {}
    for path in sorted(glob.glob(os.path.join(engine_dir, 'checks_*.py'))):
        module = os.path.basename(path)[:-3]
        with open(path) as handle:
            tree = ast.parse(handle.read())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                out['%s.%s' % (module, node.name)] = node
    return out


def emitted_codes(engine_dir=ENGINE_DIR):
    """{code: sorted list of 'checks_<module>.check_<name>'} of the public checks that raise it."""
    functions = check_functions(engine_dir)
    direct, calls = {}, {}
    for qualname, func in functions.items():
        assigned = collections.defaultdict(set)
        for node in ast.walk(func):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned[target.id] |= _literals(node.value)
        codes, called = set(), set()
        for node in ast.walk(func):
            if not isinstance(node, ast.Call):
                continue
            called.add(_called_name(node))
            if _called_name(node) == 'find' and node.args:
                first = node.args[0]
                codes |= _literals(first) or (assigned.get(first.id, set()) if isinstance(first, ast.Name) else set())
        direct[qualname], calls[qualname] = codes, called
    by_name = collections.defaultdict(list)
    for qualname in functions:
        by_name[qualname.split('.', 1)[1]].append(qualname)

    def reach(qualname, seen):
        codes = set(direct[qualname])
        for name in calls[qualname]:
            for callee in by_name.get(name, ()):
                if callee not in seen and not callee.split('.', 1)[1].startswith('check_'):
                    seen.add(callee)
                    codes |= reach(callee, seen)
        return codes

    out = collections.defaultdict(set)
    for qualname in functions:
        if qualname.split('.', 1)[1].startswith('check_'):
            for code in reach(qualname, {qualname}):
                out[code].add(qualname)
    return dict((code, sorted(names)) for code, names in out.items())

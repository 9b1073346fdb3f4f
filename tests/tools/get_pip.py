# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip script that ``ansible-test`` downloads.

``ansible-test sanity --venv`` bootstraps pip in each virtual environment it
creates by running a get-pip script fetched from the Ansible CI file server,
which is unreachable from our CI machines.  ansible-test first looks for the
script in ``~/.ansible/test/cache/get_pip_<version>.py``; ``make sanity`` puts
this file there.  It installs pip from the interpreter's bundled wheel
(``ensurepip``) and then lets that pip install what ansible-test asked for
from the package registry.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ensurepip
import os
import subprocess
import sys

DROPPED_OPTIONS = ('--no-setuptools', '--no-wheel')


def main():
    ensurepip.bootstrap(upgrade=True)
    # ensurepip points PIP_CONFIG_FILE at os.devnull, which would drop the
    # site pip configuration (index mirrors, certificate bundle).
    os.environ.pop('PIP_CONFIG_FILE', None)
    args = [arg for arg in sys.argv[1:] if arg not in DROPPED_OPTIONS]
    if args:
        subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    main()

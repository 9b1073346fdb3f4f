"""CommandRunner.prefetch: reads started ahead run once, in parallel, and hand their result to run()."""
import threading
import time

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.runner import CommandRunner


class SlowModule(object):
    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()

    @staticmethod
    def get_bin_path(name):
        return None if name == 'missing' else '/usr/sbin/' + name

    def run_command(self, argv, **_kwargs):
        with self.lock:
            self.calls.append(tuple(argv))
        time.sleep(0.2)
        if argv[-1] == 'boom':
            raise RuntimeError('unexpected')
        return 0, ' '.join(argv[1:]), ''


def test_prefetched_reads_run_once_and_overlap():
    module = SlowModule()
    runner = CommandRunner(module)
    reads = [['ip', '-j', 'link', 'show'], ['ip', '-j', 'addr', 'show'], ['nft', '-j', 'list', 'ruleset'],
             ['missing', 'x']]
    started = time.time()
    runner.prefetch(reads + [reads[0]])
    results = [runner.run(argv) for argv in reads]
    assert time.time() - started < 0.5          # three 0.2 s reads side by side, not 0.6 s in turn
    assert results[:3] == [(0, '-j link show', ''), (0, '-j addr show', ''), (0, '-j list ruleset', '')]
    assert results[3] == (127, '', 'missing: command not found')
    assert sorted(module.calls) == sorted(('/usr/sbin/' + a[0],) + tuple(a[1:]) for a in reads[:3])
    assert runner.run(reads[0]) == results[0] and len(module.calls) == 3


@pytest.mark.filterwarnings('ignore::pytest.PytestUnhandledThreadExceptionWarning')
def test_a_prefetch_that_raises_never_blocks_run():
    runner = CommandRunner(SlowModule())
    runner.prefetch([['ip', 'boom']])
    time.sleep(0.4)
    with pytest.raises(RuntimeError, match='unexpected'):
        runner.run(['ip', 'boom'])          # run again in the caller, which sees the error

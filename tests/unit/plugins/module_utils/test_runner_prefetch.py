"""CommandRunner with real processes: reads started ahead run once, side by side, and hand their result to run()."""
import os
import shutil
import stat

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.runner import CommandRunner


class Module(object):
    """The two things CommandRunner asks of an AnsibleModule."""

    def __init__(self, path):
        self.path = path

    def get_bin_path(self, name):
        return shutil.which(name, path=self.path)


def runner_in(tmp_path):
    return CommandRunner(Module(os.pathsep.join([str(tmp_path), os.environ.get('PATH', '/usr/bin:/bin')])))


def meet(tmp_path, me, other, tries=500):
    """A read that says "met" only when ``other`` runs while it runs (it looks ``tries`` times, 10 ms apart),
    "alone" otherwise: two of them meet only when they were started side by side."""
    return ['sh', '-c', 'touch %(d)s/%(me)s; echo $$ >> %(d)s/ran; i=0; while [ ! -e %(d)s/%(other)s ]; do '
            'i=$((i+1)); [ $i -gt %(tries)d ] && { echo alone; exit 0; }; sleep 0.01; done; echo met'
            % {'d': tmp_path, 'me': me, 'other': other, 'tries': tries}]


def test_prefetched_reads_run_side_by_side_and_once(tmp_path):
    runner = runner_in(tmp_path)
    first, second = meet(tmp_path, 'a', 'b'), meet(tmp_path, 'b', 'a')
    runner.prefetch([first, second, first])
    assert runner.run(second) == (0, 'met\n', '')
    assert runner.run(first) == (0, 'met\n', '')
    assert runner.run(first) == (0, 'met\n', '')        # cached: not run again
    assert len((tmp_path / 'ran').read_text().split()) == 2
    assert runner.cached(first) and runner.cached(second)


def test_a_read_not_prefetched_runs_alone_in_run(tmp_path):
    runner = runner_in(tmp_path)
    assert runner.run(meet(tmp_path, 'a', 'b', tries=20)) == (0, 'alone\n', '')


def test_locale_missing_and_unstartable_programs(tmp_path):
    broken = tmp_path / 'broken-tool'
    broken.write_text('not a program\n')
    broken.chmod(stat.S_IRUSR)          # found on PATH by name? no: not executable, so run by its path
    runner = runner_in(tmp_path)
    reads = [['sh', '-c', 'echo "$LANG $LC_ALL"; echo oops >&2; exit 3'], ['no-such-tool-vmnet', 'x'],
             [str(broken)], ['sh', '-c', 'printf "\\377ok"']]
    runner.prefetch(reads)
    assert runner.run(reads[0]) == (3, 'C C\n', 'oops\n')
    assert runner.run(reads[1]) == (127, '', 'no-such-tool-vmnet: command not found')
    rc, out, err = runner.run(reads[2])
    assert (rc, out) == (126, '') and str(broken) in err
    rc, out, _err = runner.run(reads[3])
    assert rc == 0 and out.endswith('ok')              # undecodable bytes do not fail the read


def test_prefetch_keeps_at_most_running_processes(tmp_path):
    runner = runner_in(tmp_path)
    runner.running = 2
    reads = [['sh', '-c', 'echo %d' % index] for index in range(5)]
    runner.prefetch(reads)
    assert len(runner._started) == 2 and len(runner._queue) == 3     # pylint: disable=protected-access
    # read in any order: a queued read is started when asked for, the others as processes are read
    assert [runner.run(argv) for argv in reversed(reads)] == [(0, '%d\n' % i, '') for i in reversed(range(5))]
    assert not runner._started and not runner._queue                  # pylint: disable=protected-access


def test_preset_answers_without_a_process(tmp_path):
    runner = runner_in(tmp_path)
    argv = ['sh', '-c', 'touch %s/ran' % tmp_path]
    runner.preset(argv, (0, 'preset\n', ''))
    runner.prefetch([argv])
    assert runner.run(argv) == (0, 'preset\n', '')
    assert not (tmp_path / 'ran').exists()

#!/usr/bin/env bash
# Run the integration tests in three shards side by side: the lab tests mostly wait on network
# timeouts and ansible round trips, not CPU, and each test builds its own namespaces under a
# unique prefix, so two pytest processes share the machine safely.
#
#   shard a: the long lab files below
#   shard b: every other tests/integration/test_*.py (new files land here by default)
#   shard c: the labs that run their own switch and firewall daemons (Open vSwitch, libvirtd,
#            firewalld/ufw), each in its own namespaces, and the packet witness's files; then
#            tests/integration/vmware in its own pytest run (its conftest must be collected after
#            the top-level one, as a plain `pytest tests/integration` does)
#
# Extra arguments go to every pytest run (make integration PYTEST_ARGS='-k mtu').
# Each shard's output is printed when all are done, then one closing line for all of them.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
LOGS="$ROOT/.cache/integration"
LONG=(test_remediate_role.py test_host_locks.py test_icmp_ignored_ipv6.py
      test_scheduled.py test_rulebook.py test_ops_examples.py)
DAEMONS=(test_ovs.py test_libvirt.py test_fw_daemons.py test_witness.py test_witness_more.py)

cd "$ROOT" || exit 1
rm -rf "$LOGS"
mkdir -p "$LOGS"
shard_a=() shard_b=() shard_c=()
for file in tests/integration/test_*.py; do
    if [[ " ${LONG[*]} " == *" $(basename "$file") "* ]]; then shard_a+=("$file")
    elif [[ " ${DAEMONS[*]} " == *" $(basename "$file") "* ]]; then shard_c+=("$file")
    else shard_b+=("$file"); fi
done

run() {  # run NAME FILES... -- one pytest run, its output and exit code kept under $LOGS
    local name="$1"; shift
    "$PY" -m pytest -p no:cacheprovider "$@" >"$LOGS/$name.log" 2>&1
    echo $? >"$LOGS/$name.rc"
}

run a "${shard_a[@]}" "$@" &
# VMware (the simulator, 5-6 min) after the daemon labs, the shortest shard (measured: a 38, b 41, c 35 min).
( if [ "${#shard_c[@]}" -gt 0 ]; then run c "${shard_c[@]}" "$@"; else echo 5 >"$LOGS/c.rc"; : >"$LOGS/c.log"; fi
  run vmware tests/integration/vmware "$@" ) &
run b "${shard_b[@]}" "$@"
wait

status=0 passed=0 failed=0 skipped=0 errors=0
for name in a vmware b c; do
    echo "===== integration shard $name (exit code $(cat "$LOGS/$name.rc"))"
    cat "$LOGS/$name.log"
    rc="$(cat "$LOGS/$name.rc")"
    # 5 = pytest collected nothing (a -k filter that matches no test of this shard)
    if [ "$rc" != 0 ] && [ "$rc" != 5 ]; then status=1; fi
    last="$(grep -E '^=*.*[0-9]+ (passed|failed|error|errors|skipped|deselected)' "$LOGS/$name.log" | tail -1)"
    for kind in passed failed skipped error; do
        n="$(grep -oE "[0-9]+ ${kind}s?\b" <<<"$last" | grep -oE '^[0-9]+' || true)"
        case "$kind" in
            passed) passed=$((passed + ${n:-0})) ;;
            failed) failed=$((failed + ${n:-0})) ;;
            skipped) skipped=$((skipped + ${n:-0})) ;;
            error) errors=$((errors + ${n:-0})) ;;
        esac
    done
done
if [ "$passed" = 0 ] && [ "$failed" = 0 ]; then status=1; fi
if [ "$errors" != 0 ]; then status=1; fi
echo "integration: ${passed} passed, $((failed + errors)) failed, ${skipped} skipped"
exit "$status"

#!/usr/bin/env bash
# `make demo`: build the namespace lab, break the host -> VM path three ways,
# show what the facts say, diagnose, remediate, and prove the path works again.
# Everything runs inside network namespaces created here, and is removed at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
BIN="$ROOT/.venv/bin"
PREFIX="${PREFIX:-vd}"
read -r -a FAULTS <<< "${DEMO_FAULTS:-vm_icmp_nft_drop mtu_mismatch host_stale_arp}"
INVENTORY="$ROOT/.cache/lab/$PREFIX.yml"
REPORTS="$ROOT/reports/demo"
export ANSIBLE_CONFIG="$ROOT/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$ROOT/.collections"

lab() { "$PY" tests/lab/lab.py "$@" --prefix "$PREFIX"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ping_vm() {  # ping_vm SIZE: one line saying whether host -> vm1 answers
    if ip netns exec "$PREFIX-host" ping -n -q -c 2 -W 1 -s "$1" "$VM_IP" >/dev/null 2>&1; then
        echo "ping $PREFIX-host -> $VM_IP (payload $1 bytes): answered"
    else
        echo "ping $PREFIX-host -> $VM_IP (payload $1 bytes): NO ANSWER"
    fi
}

last_summary() {  # print the last "... summary, one line per path" block of a playbook run
    awk '/[Ss]ummary, one line per path\] \*/ {buf = ""; on = 1; next}
         on && /^$/ {on = 0}
         on {buf = buf $0 "\n"}
         END {printf "%s", buf}'
}

trap 'lab down >/dev/null 2>&1 || true' EXIT

step "Build the lab (bridged: host, hypervisor bridge, vm1)"
mkdir -p "$(dirname "$INVENTORY")"
lab down >/dev/null 2>&1 || true
lab up --topology bridged --inventory "$INVENTORY" >/dev/null
VM_IP="$("$PY" -c 'import sys; sys.path.insert(0, "tests/lab"); from vmnetlab import Lab; print(Lab(sys.argv[1]).ip("vm1"))' "$PREFIX")"
HOST_IP="$("$PY" -c 'import sys; sys.path.insert(0, "tests/lab"); from vmnetlab import Lab; print(Lab(sys.argv[1]).ip("host"))' "$PREFIX")"
ping_vm 56
ping_vm 3000

step "Break it: ${FAULTS[*]}"
for fault in "${FAULTS[@]}"; do lab fault "$fault"; done   # each prints the diagnosis the fault declares
ping_vm 56
ping_vm 3000

step "What the facts show (vmnet.doctor.net_facts on every hop)"
"$BIN/ansible-playbook" -i "$INVENTORY" scripts/demo-facts.yml \
    -e "demo_prefix=$PREFIX demo_vm_ip=$VM_IP demo_host_ip=$HOST_IP" \
    | sed -n '/^TASK \[Evidence/,/^PLAY RECAP/p' | grep -E '^\s+("|- )|^ok: ' | sed 's/ => *$//' || true

step "Diagnose (playbooks/diagnose.yml)"
"$BIN/ansible-playbook" -i "$INVENTORY" playbooks/diagnose.yml \
    -e "doctor_source=$PREFIX-host doctor_target_ip=$VM_IP doctor_target_host=$PREFIX-vm1" \
    -e "doctor_hypervisor=$PREFIX-hv doctor_report_dir=$REPORTS/diagnose" \
    | last_summary

echo "All findings, in path order (from the JSON report):"
"$PY" - "$REPORTS/diagnose" <<'PY'
import glob, json, os, sys
report = max(glob.glob(os.path.join(sys.argv[1], '*.json')), key=os.path.getmtime)
for path in json.load(open(report))['paths']:
    for f in path['findings']:
        fix = f.get('fix') or {}
        what = 'manual' if fix.get('manual') else '%s on %s' % (fix.get('module'), fix.get('host'))
        obj = ', '.join('%s=%s' % kv for kv in sorted(f['object'].items()) if kv[0] != 'type')
        print('  %-14s %-9s on %-8s %s -> fix: %s' % (f['code'], f['layer'], f['host'], obj, what))
PY

step "Remediate (playbooks/remediate.yml)"
start=$(date +%s%N)
"$BIN/ansible-playbook" -i "$INVENTORY" playbooks/remediate.yml \
    -e "doctor_source=$PREFIX-host doctor_target_ip=$VM_IP doctor_target_host=$PREFIX-vm1" \
    -e "doctor_hypervisor=$PREFIX-hv doctor_report_dir=$REPORTS/remediate" \
    | last_summary
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
printf 'remediate.yml took %d.%01d s (wall clock, including Ansible start-up)\n' $((ms / 1000)) $((ms % 1000 / 100))

step "The path after remediation"
ping_vm 56
ping_vm 3000
echo
echo "Reports: $REPORTS (JSON, JUnit XML)"
echo "The lab is removed on exit; 'make lab' builds one to keep."

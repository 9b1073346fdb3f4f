#!/usr/bin/env bash
# Prepare this checkout to run vmnet.doctor: Debian packages (only those
# missing), a virtual environment inside the repository, and the collection
# built with ansible-galaxy and installed into ./.collections.
#
#   scripts/bootstrap.sh deps      Debian packages
#   scripts/bootstrap.sh venv      .venv with requirements.txt (+ requirements-test.txt with --test)
#   scripts/bootstrap.sh install   build the collection and install it into ./.collections
#   scripts/bootstrap.sh all [--test]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
COLLECTIONS="$ROOT/.collections"
DIST="$ROOT/.cache/dist"

# Runtime needs: the lab and the Linux collectors/fixers; test needs add the
# vCenter simulator toolchain and promtool.
RUNTIME_PKGS=(iproute2 iputils-ping nftables iptables procps openssh-client python3-venv make git)
TEST_PKGS=(shellcheck bpftrace bpftool chromium openjdk-17-jre-headless systemd openssh-server tcpdump golang-go golang-github-vmware-govmomi-dev prometheus
           openvswitch-switch libvirt-daemon-system libvirt-daemon-driver-lxc libvirt-clients dnsmasq-base firewalld ufw network-manager ifupdown)

say() { printf 'vmnet.doctor: %s\n' "$*" >&2; }

need_root() {
    if [ "$(id -u)" != 0 ]; then
        say "this needs root: the lab creates network namespaces, veth pairs, bridges and"
        say "firewall rules (CAP_NET_ADMIN/CAP_SYS_ADMIN), and missing Debian packages are"
        say "installed with apt-get. Re-run as root (e.g. sudo make $1)."
        exit 1
    fi
}

deps() {
    local want=("${RUNTIME_PKGS[@]}") missing=()
    if [ "${1:-}" = --test ]; then want+=("${TEST_PKGS[@]}"); fi
    for pkg in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        command -v apt-get >/dev/null || { say "missing packages ${missing[*]} and no apt-get"; exit 1; }
        say "installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

venv() {
    local stamp="$VENV/.vmnet-doctor-stamp" reqs=("$ROOT/requirements.txt")
    if [ "${1:-}" = --test ]; then reqs+=("$ROOT/requirements-test.txt"); fi
    local sum
    sum="$(cat "${reqs[@]}" | sha256sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && grep -qx "$sum" "$stamp"; then return 0; fi
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    say "installing Python requirements into $VENV"
    local args=() log="$ROOT/.cache/pip-install.log"
    for r in "${reqs[@]}"; do args+=(-r "$r"); done
    mkdir -p "$ROOT/.cache"
    if ! { "$VENV/bin/python" -m pip install -q --upgrade pip &&
           "$VENV/bin/python" -m pip install -q "${args[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        say "pip install failed (log: $log)"
        exit 1
    fi
    echo "$sum" > "$stamp"
}

install() {
    rm -rf "$DIST"; mkdir -p "$DIST"
    "$VENV/bin/ansible-galaxy" collection build "$ROOT" --output-path "$DIST" --force >/dev/null
    local target="$COLLECTIONS/ansible_collections/vmnet/doctor"
    # A development checkout may link the collection path to the source tree:
    # remove the link itself, never what it points to.
    if [ -L "$target" ]; then rm -f "$target"; fi
    "$VENV/bin/ansible-galaxy" collection install "$DIST"/vmnet-doctor-*.tar.gz \
        -p "$COLLECTIONS" --force >/dev/null
    say "installed $(basename "$DIST"/vmnet-doctor-*.tar.gz) into $COLLECTIONS"
}

case "${1:-all}" in
    deps) need_root integration; deps "${2:-}" ;;
    venv) venv "${2:-}" ;;
    install) install ;;
    all)
        if [ "${2:-}" = --test ]; then need_root test; else need_root demo; fi
        deps "${2:-}"; venv "${2:-}"; install ;;
    *) say "unknown step: $1"; exit 2 ;;
esac

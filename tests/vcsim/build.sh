#!/bin/sh
# Build the test vCenter simulator from Debian's golang-go + golang-github-vmware-govmomi-dev
# (no downloads). Output: tests/vcsim/vcsim (gitignored).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS=-mod=mod
export GOCACHE="${GOCACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/go-build}"
unset GOFLAGS
exec go build -o "$here/vcsim" .

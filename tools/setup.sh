#!/usr/bin/env bash
# Installs what caseledger needs on a fresh Debian machine (as root): Debian's LMDB.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq liblmdb-dev >/dev/null
elif ! pkg-config --exists lmdb; then
    echo "caseledger needs liblmdb-dev: run this script as root, or: sudo apt-get install -y liblmdb-dev" >&2
    exit 1
fi

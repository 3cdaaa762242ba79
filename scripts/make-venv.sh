#!/usr/bin/env bash
# Create the project virtualenv: scripts/make-venv.sh PYTHON VENV_DIR
# Needs Python 3.11 or newer. On Debian/Ubuntu without the venv module (package python3-venv),
# installs that package when apt-get and root (or password-less sudo) are available.
set -euo pipefail

python=${1:?usage: $0 PYTHON VENV_DIR}
venv=${2:?usage: $0 PYTHON VENV_DIR}

say() { echo "make-venv: $*" >&2; }

if ! command -v "$python" >/dev/null 2>&1; then
    say "$python not found: install Python 3.11 or newer (or run make PYTHON=/path/to/python3.11)"
    exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    say "$("$python" --version 2>&1) is too old: invgov needs Python 3.11 or newer (make PYTHON=...)"
    exit 1
fi

if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo -n)
    if command -v apt-get >/dev/null 2>&1 && "${sudo[@]}" true 2>/dev/null; then
        say "the venv module is missing: installing python$version-venv"
        apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600)
        "${apt[@]}" update
        "${apt[@]}" install -y --no-install-recommends "python$version-venv" >/dev/null
    else
        say "the venv module is missing: install python$version-venv (apt) and retry"
        exit 1
    fi
fi

rm -rf "$venv"
"$python" -m venv "$venv"
say "created $venv with $("$venv/bin/python" --version)"

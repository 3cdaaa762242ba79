#!/usr/bin/env bash
# Install the Debian packages the test suite needs, where apt-get exists and they are missing:
# postgresql (server binaries under /usr/lib/postgresql/<version>/bin, for scripts/test-postgres.sh)
# chromium + chromium-driver (/usr/bin/chromium, for the Playwright browser tests), Pango
# (libpango-1.0-0, libpangoft2-1.0-0) which WeasyPrint needs to render the founder one-pager, and
# openjdk-17-jre-headless (Java 17 for the Spark tests, which skip without it).
# Without apt-get this does nothing and says so; the PostgreSQL tests then skip themselves.
set -euo pipefail

PACKAGES=(postgresql chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 openjdk-17-jre-headless)

say() { echo "apt-deps: $*"; }

if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get on this machine: not installing ${PACKAGES[*]}."
    say "PostgreSQL tests will skip unless INVGOV_TEST_POSTGRES_URL is set; browser tests need /usr/bin/chromium."
    exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    say "already installed: ${PACKAGES[*]}"
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo -n)
    else
        say "missing ${missing[*]} but not root and no password-less sudo: skipping."
        say "install them yourself (sudo apt-get install ${missing[*]}) or PostgreSQL/browser tests will skip or fail."
        exit 0
    fi
fi

# Keep package scripts from starting services (e.g. Debian's default PostgreSQL cluster) while
# installing, unless the machine already has a policy of its own.
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
    "${sudo[@]}" sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi

apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
# Debian's JRE package fails to configure where slim images dropped the man page folders.
"${sudo[@]}" mkdir -p /usr/share/man/man1
say "installing ${missing[*]} (apt-get update first)"
"${apt[@]}" update
"${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
say "installed ${missing[*]}"

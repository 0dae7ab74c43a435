#!/usr/bin/env bash
# Installs what the package needs beyond Swift: GLPK's headers and library (Debian's
# libglpk-dev), and tries the optional COIN-OR CBC backend (coinor-libcbc-dev). Does nothing when
# they are already there. Needs root (or sudo) to install.
set -euo pipefail

if ! command -v swift >/dev/null 2>&1; then
    echo "error: swift is not on PATH; install a Swift 6 toolchain first (https://www.swift.org/install/linux/)" >&2
    exit 1
fi

# Whether any of the paths (globs expanded by the caller) exists.
have() { for f in "$@"; do [ -e "$f" ] && return 0; done; return 1; }

# The optional second MILP backend, COIN-OR CBC (opened at run time): installed when possible,
# never required.
install_cbc() {
    have /usr/lib/*/libCbcSolver.so* /usr/lib/libCbcSolver.so* && return 0
    command -v apt-get >/dev/null 2>&1 || return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then command -v sudo >/dev/null 2>&1 && sudo="sudo" || return 0; fi
    echo "COIN-OR CBC (optional backend) is missing: installing coinor-libcbc-dev with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq coinor-libcbc-dev >/dev/null 2>&1 \
        || echo "warning: could not install coinor-libcbc-dev; the cbc backend stays unavailable (GLPK is the default)" >&2
}

if [ -f /usr/include/glpk.h ] && have /usr/lib/*/libglpk.so* /usr/lib/libglpk.so*; then
    install_cbc
    exit 0
fi

echo "GLPK (libglpk-dev) is missing: installing it with apt-get" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: no apt-get here; install GLPK's headers and library with your package manager (glpk-devel, glpk)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "error: installing libglpk-dev needs root; run: apt-get install libglpk-dev" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libglpk-dev >/dev/null
echo "installed libglpk-dev" >&2
install_cbc

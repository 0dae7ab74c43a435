#!/usr/bin/env bash
# Installs what the package needs beyond Swift: GLPK's headers and library (Debian's
# libglpk-dev). Does nothing when they are already there. Needs root (or sudo) to install.
set -euo pipefail

if ! command -v swift >/dev/null 2>&1; then
    echo "error: swift is not on PATH; install a Swift 6 toolchain first (https://www.swift.org/install/linux/)" >&2
    exit 1
fi

if [ -f /usr/include/glpk.h ] && ls /usr/lib/*/libglpk.so* /usr/lib/libglpk.so* >/dev/null 2>&1; then
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

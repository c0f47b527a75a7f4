#!/usr/bin/env bash
# Configures and builds sluice into ${BUILD_DIR:-build} (warnings are errors).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_COMPILE_WARNING_AS_ERROR=ON "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"

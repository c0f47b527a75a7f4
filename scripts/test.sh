#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (ctest):
# once in a normal build (with the valgrind check of the daemons), then
# once more in an AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)

echo "== build and test (${BUILD_DIR:-build})"
scripts/build.sh
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j"$jobs")

if [ "${SLUICE_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== build and test with address,undefined sanitizers (build-asan)"
  BUILD_DIR=build-asan scripts/build.sh -DSL_SANITIZE=address,undefined
  (cd build-asan && ctest --output-on-failure -j"$jobs")
fi

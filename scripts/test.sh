#!/usr/bin/env bash
# The test command: builds everything (the end-to-end tests start the real executables)
# and runs the Swift test suite, then the Python tests where their tools are available.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build

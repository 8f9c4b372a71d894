#!/usr/bin/env bash
# The test command (README): builds everything — the end-to-end tests start the real
# executables — then runs the Swift suite and the Python tests (client, real engine).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== swift build"
swift build --build-tests
echo "== swift test"
swift test --skip-build

echo "== python client tests"
if python3 -c "import zmq, pytest" 2>/dev/null; then
  python3 -m pytest -q clients/python/tests
else
  echo "SKIPPED: python client tests need pyzmq and pytest (pip install -r clients/python/requirements-test.txt)"
fi

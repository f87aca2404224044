#!/usr/bin/env bash
# Install (or reuse) the pinned environment, then run the test suite.
# Extra arguments go to pytest, e.g. tools/run_tests.sh -k grid
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_root/tools/install.sh"
cd "$repo_root"
exec "${SCFA_VENV:-$repo_root/.venv}/bin/python" -m pytest "$@"

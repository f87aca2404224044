#!/usr/bin/env bash
# Install (or reuse) the pinned environment, then run the test suite in
# SCFA_TEST_WORKERS processes (pytest-xdist; default 2: most tests wait on
# subprocesses and imports, and two workers take about three quarters of
# the time of one on 2 cores). Extra arguments go to pytest, e.g.
# tools/run_tests.sh -k grid, or SCFA_TEST_WORKERS=0 for one process.
# One math thread per process unless OMP_NUM_THREADS says otherwise: two
# workers with torch's default of a thread per core oversubscribe the
# cores (the suite took 334 s that way on 2 cores, 228 s with one thread).
set -euo pipefail
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_root/tools/install.sh"
cd "$repo_root"
exec "${SCFA_VENV:-$repo_root/.venv}/bin/python" -m pytest \
    -n "${SCFA_TEST_WORKERS:-2}" --dist worksteal "$@"

#!/usr/bin/env bash
# Create (or reuse) .venv/ in the repository and install the pinned stack
# and scfa_mm in editable mode. A second run with nothing changed only
# checks a stamp and an import, and takes seconds.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SCFA_VENV:-$repo_root/.venv}"
python_bin="${PYTHON:-python3}"
stamp="$venv/.scfa_mm_installed"

cd "$repo_root"
wanted_stamp="$(cat requirements/pinned.txt requirements/tests.txt setup.cfg pyproject.toml | sha256sum | cut -d' ' -f1)"

if [ ! -x "$venv/bin/python" ]; then
  echo "[install] creating virtual environment $venv"
  "$python_bin" -m venv "$venv"
fi
py="$venv/bin/python"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted_stamp" ] \
    && "$py" -c "import scfa_mm" >/dev/null 2>&1; then
  echo "[install] $venv is up to date"
  exit 0
fi

echo "[install] installing the pinned stack into $venv (first run: a few minutes)"
"$py" -m pip install --quiet --upgrade pip "setuptools<81" wheel
"$py" -m pip install --quiet -r requirements/pinned.txt -r requirements/tests.txt
"$py" -m pip install --quiet --no-build-isolation --no-deps -e .
"$py" -m pip check || echo "[install] note: pip check reported the conflicts above"
"$py" -c "import scfa_mm, mmaction.models; print('[install] scfa_mm', scfa_mm.__version__, 'ready')"
# the video decoders that work here (torchcodec also needs FFmpeg's shared
# libraries: on Debian/Ubuntu apt-get install ffmpeg)
"$py" -c "from scfa_mm.datasets.transforms.loading import available_backends; print('[install] video backends:', ', '.join(available_backends()) or 'none')"
echo "$wanted_stamp" > "$stamp"

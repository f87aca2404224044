#!/usr/bin/env bash
# The one-command demo: install if needed, generate the synthetic
# temporal-action set if missing, train SCFA on the CPU, evaluate on the
# test split and draw the figures into work_dirs/demo/.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
bash tools/install.sh
py="${SCFA_VENV:-$repo_root/.venv}/bin/python"
data=data/synthetic
out=work_dirs/demo
config=configs/scfa/scfa_r18_synthetic.py
start=$(date +%s)

if [ ! -f "$data/test.txt" ]; then
  "$py" tools/data/make_synthetic.py --out "$data"
fi
rm -rf "$out"
"$py" tools/train.py "$config" --work-dir "$out"
checkpoint=$(ls -t "$out"/epoch_*.pth | head -n 1)
"$py" tools/test.py "$config" "$checkpoint" --work-dir "$out/test" \
    --dump "$out/test_results.pt"
"$py" tools/analysis/report_synthetic.py "$out/test_results.pt" \
    --config "$config" --train-dir "$out" --data-root "$data" --out "$out"
echo "demo finished in $(( $(date +%s) - start )) s (after install)"

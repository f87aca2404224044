"""Probe a clip-level encoder (SCFA, CVRL) offline: k-NN and linear probe
on frozen features, for a checkpoint or for the untrained encoder.

Every video of the training and of the test split passes through the
config's test pipeline (no augmentation) and the backbone; its pooled
features, averaged over its views, are the video's representation
``(C, )``. Two classifiers read them, both fitted on the training split
and scored on the test split:

- **k-NN**: the majority class of the ``k`` training videos of highest
  cosine similarity (a tie goes to the nearer class);
- **linear probe**: multinomial logistic regression (L-BFGS, to
  convergence) on the features standardised with the training split's
  mean and deviation.

It also measures how well the encoder does its own pretext task on videos
it never trained on: every test video passes twice through the config's
*training* pipeline (two augmented views, as in training), and
**instance accuracy** is the share of the ``2N`` projected views whose
nearest other view (cosine) is the other view of the same video (chance
``1 / (2N - 1)``).

``--untrained`` evaluates the same encoder at its random initialisation,
drawn as ``tools/train.py`` draws it (seed, build, ``init_weights``): the
control that tells what training added. Prints the figures and writes them
to ``WORK_DIR/probe.json``.

Examples:
    python tools/analysis/probe_encoder.py \\
        configs/cvrl/cvrl_r3d18-small_synthetic.py \\
        work_dirs/cvrl_r3d18-small_synthetic/epoch_20.pth
    python tools/analysis/probe_encoder.py \\
        configs/cvrl/cvrl_r3d18-small_synthetic.py --untrained --seed 0
"""
import argparse
import json
import os
import os.path as osp

# first: registers the plugin, and makes mmengine's first import with the
# pinned stack's known warnings quieted (so it must precede mmengine's)
import scfa_mm  # isort: skip  # noqa: F401
from mmengine import Config
from mmengine.registry import init_default_scope

from scfa_mm.evaluation.encoder_probe import probe_encoder
from scfa_mm.utils.build import build_model_to_evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument(
        '--untrained',
        action='store_true',
        help='probe the encoder at its random initialisation')
    parser.add_argument(
        '--seed',
        type=int,
        help="seed of the random initialisation (default: the config's "
        'randomness.seed)')
    parser.add_argument('--k', type=int, default=5)
    parser.add_argument('--work-dir')
    parser.add_argument(
        '--train-list',
        help='annotation list the classifiers are fitted on (default: the '
        "config's train_dataloader list)")
    args = parser.parse_args()
    if (args.checkpoint is None) == (not args.untrained):
        parser.error('give a checkpoint or --untrained (not both)')
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    seed = args.seed if args.seed is not None else \
        cfg.get('randomness', {}).get('seed', 0)
    model = build_model_to_evaluate(cfg.model, args.checkpoint, seed)
    name = osp.splitext(osp.basename(args.config))[0]
    work_dir = args.work_dir or osp.join(
        'work_dirs', name, 'probe_untrained' if args.untrained else 'probe')
    os.makedirs(work_dir, exist_ok=True)
    metrics = probe_encoder(model, cfg, args.k, args.train_list)
    metrics.update(
        checkpoint=args.checkpoint, untrained=args.untrained, seed=seed)
    for key, value in metrics.items():
        print(f'{key}: {value}')
    with open(osp.join(work_dir, 'probe.json'), 'w') as f:
        json.dump(metrics, f, indent=1)


if __name__ == '__main__':
    main()

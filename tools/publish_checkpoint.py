"""Slim a training checkpoint for release: the weights and ``meta`` only.

A checkpoint written by MMEngine's Runner also holds the training state
(optimizer, schedulers, message hub), several times the size of the
weights. This tool keeps the weights and the plain-data part of ``meta``
(epoch, seed, class names ...) and writes a file that ``torch.load``
reads with ``weights_only=True``. The input is read weights-only too
(what MMEngine's Runner stores is allowed); one that pickles other objects
is refused, since unpickling it could run code, unless
``--unsafe-load-pickled-checkpoints`` is given (only for a checkpoint you
trust). As OpenMMLab does, the
first 8 hex digits of the file's SHA-256 go into its name: ``OUT.pth``
becomes ``OUT-1a2b3c4d.pth``.

With ``--backbone-only`` the output is the backbone's plain state dict
(``backbone.`` stripped), for any MMAction2 config:
``backbone=dict(..., init_cfg=dict(type='Pretrained', checkpoint=OUT))``.

Examples:
    python tools/publish_checkpoint.py work_dirs/scfa_hmdb51/epoch_100.pth \
        checkpoints/scfa_r50_hmdb51.pth
    python tools/publish_checkpoint.py work_dirs/scfa_hmdb51/epoch_100.pth \
        checkpoints/scfa_r50_hmdb51_backbone.pth --backbone-only
"""
import argparse
import hashlib
import os
import os.path as osp
from collections import OrderedDict
from typing import Any, Dict

import torch

from scfa_mm.utils.checkpoint import (UNSAFE_LOADING_FLAG, CheckpointReadError,
                                      CheckpointRefusedError,
                                      load_checkpoint_file)

PLAIN_TYPES = (str, int, float, bool, type(None))


def plain_data(value: Any) -> Any:
    """``value`` with everything but plain data (str, numbers, bool, None,
    and lists, tuples and dicts of them) left out; None if nothing is
    left."""
    if isinstance(value, PLAIN_TYPES):
        return value
    if isinstance(value, dict):
        kept = {
            key: plain_data(item)
            for key, item in value.items() if isinstance(key, PLAIN_TYPES)
        }
        return {k: v for k, v in kept.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return type(value)(plain_data(item) for item in value)
    return None


def published_checkpoint(checkpoint: Dict, backbone_only: bool) -> Dict:
    """The content to write: ``{'state_dict', 'meta'}`` or, with
    ``backbone_only``, the backbone's state dict."""
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise ValueError('the input holds no state dict of tensors (neither '
                         'as "state_dict" nor at its top level)')
    if backbone_only:
        prefix = 'backbone.'
        backbone = OrderedDict((key[len(prefix):], value.cpu())
                               for key, value in state_dict.items()
                               if key.startswith(prefix))
        if not backbone:
            raise ValueError(f'the input has no "{prefix}*" weights')
        return backbone
    return dict(
        state_dict=OrderedDict(
            (key, value.cpu()) for key, value in state_dict.items()),
        meta=plain_data(checkpoint.get('meta', {})))


def publish(in_file: str,
            out_file: str,
            backbone_only: bool = False,
            unsafe: bool = False) -> str:
    """Write the published checkpoint; returns its final path (with the
    SHA-256 prefix). ``unsafe``: read ``in_file`` with full unpickling."""
    checkpoint = load_checkpoint_file(
        in_file, map_location='cpu', unsafe=unsafe)
    content = published_checkpoint(checkpoint, backbone_only)
    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    stem = out_file[:-len('.pth')] if out_file.endswith('.pth') else out_file
    temporary = f'{stem}.partial'
    torch.save(content, temporary)
    with open(temporary, 'rb') as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    final_file = f'{stem}-{sha256[:8]}.pth'
    os.replace(temporary, final_file)
    return final_file


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('in_file', help='checkpoint written by training')
    parser.add_argument(
        'out_file', help='output path; the SHA-256 prefix is added')
    parser.add_argument(
        '--backbone-only',
        action='store_true',
        help='write only the backbone weights, as a plain state dict')
    parser.add_argument(
        UNSAFE_LOADING_FLAG,
        action='store_true',
        help='read the input with full unpickling, which runs any code a '
        'crafted file names: only for a checkpoint you trust that '
        'weights-only loading (the default) refuses')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        final_file = publish(args.in_file, args.out_file, args.backbone_only,
                             args.unsafe_load_pickled_checkpoints)
    except (CheckpointRefusedError, CheckpointReadError) as error:
        raise SystemExit(str(error)) from None
    print(f'written to {final_file}')


if __name__ == '__main__':
    main()

"""The grid captioner end to end: tools/train.py, tools/test.py and
tools/caption_video.py on tiny real videos and their captions."""
import json
import os
import re
import sys

import cv2
import pytest

from scfa_mm.models.captioners import vocabulary_from_checkpoint
from scfa_mm.utils.build import load_dump
from .conftest import REPO_ROOT, load_tool, write_moving_square_videos
from .test_training import run_tool

CONFIG = os.path.join(REPO_ROOT, 'tests', 'configs', 'grid_caption_tiny.py')
PHRASES = [['a square moves to the right', 'the white square goes right'],
           ['a square moves to the left', 'the white square goes left']]


@pytest.fixture(scope='module')
def caption_data(tmp_path_factory):
    """8 tiny videos of a square moving right or left, 2 captions each."""
    root = tmp_path_factory.mktemp('captions')
    ann_file = write_moving_square_videos(root)
    records = []
    for line in ann_file.read_text().splitlines():
        name, label = line.split()
        records.append(
            dict(
                video=name,
                video_id=name[:-4],
                label=int(label),
                captions=PHRASES[int(label)]))
    captions = root / 'captions.json'
    captions.write_text(json.dumps(records))
    options = [f'model.vocabulary.ann_file={captions}']
    for split in ('train', 'val', 'test'):
        options += [
            f'{split}_dataloader.dataset.ann_file={captions}',
            f'{split}_dataloader.dataset.data_prefix.video={root}/videos'
        ]
    return root, options


def caption_losses(work_dir):
    losses = []
    for run in os.listdir(work_dir):
        path = os.path.join(work_dir, run, 'vis_data', 'scalars.json')
        if os.path.isfile(path):
            losses += [
                json.loads(line)['loss_caption'] for line in open(path)
                if 'loss_caption' in line
            ]
    return losses


def test_train_test_and_caption_a_video(caption_data, tmp_path, capsys):
    root, options = caption_data
    work_dir = tmp_path / 'work'
    run_tool([
        sys.executable, 'tools/train.py', CONFIG, '--work-dir',
        str(work_dir), '--cfg-options', *options
    ], REPO_ROOT)
    checkpoint = str(work_dir / 'epoch_3.pth')
    # 3 epochs of 2 steps: the decoder learns the (tiny) language
    losses = caption_losses(work_dir)
    assert len(losses) == 6, losses
    assert losses[-1] < losses[0] - 0.5, losses

    # the vocabulary travels with the weights: every word of the training
    # captions, once, and nothing else
    words = set(' '.join(sum(PHRASES, [])).split())
    saved = vocabulary_from_checkpoint(checkpoint)
    assert len(saved) == len(set(saved)) == len(words)
    assert set(saved) == words

    output = run_tool([
        sys.executable, 'tools/test.py', CONFIG, checkpoint, '--work-dir',
        str(tmp_path / 'test'), '--dump',
        str(tmp_path / 'results.pt'), '--cfg-options', *options
    ], REPO_ROOT)
    for metric in ('caption/BLEU-4', 'caption/ROUGE-L', 'caption/CIDEr'):
        assert re.search(rf'{metric}: [0-9.]+', output), metric
    samples = load_dump(str(tmp_path / 'results.pt'))['samples']
    predictions = {s['video_id']: s['pred_caption'] for s in samples}
    assert len(predictions) == 8
    for caption in predictions.values():
        assert caption and set(caption.split()) <= words, caption
    # the evaluator scored these very captions: the share naming their
    # video's direction (square_i moves right for even i), counted here
    right = [
        set(caption.split()) & {'right', 'left'} == {
            ('right', 'left')[int(video[len('square_'):]) % 2]
        } for video, caption in predictions.items()
    ]
    reported = float(
        re.search(r'caption/keyword_acc: ([0-9.]+)', output).group(1))
    assert reported == pytest.approx(sum(right) / len(right), abs=1e-4)

    # the one-line user path gives the caption tools/test.py gave
    tool = load_tool('tools/caption_video.py')
    image = tmp_path / 'square_3.png'
    capsys.readouterr()
    tool.main([
        str(root / 'videos' / 'square_3.mp4'), CONFIG, checkpoint,
        '--save-grid',
        str(image)
    ])
    assert capsys.readouterr().out.strip() == predictions['square_3']
    # the 2x2 grid of 32x32 cells, the caption strip under it
    saved_image = cv2.imread(str(image))
    assert saved_image.shape[1] == 64 and saved_image.shape[0] > 64

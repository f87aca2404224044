"""Test dumps are written and read without unpickling arbitrary objects."""
import os
import pickle
import runpy
import sys

import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

from scfa_mm.evaluation import SafeDumpResults
from scfa_mm.utils import read_test_dump
from scfa_mm.utils.build import load_dump
from ..conftest import REPO_ROOT


class _Payload:
    """Unpickling this creates ``marker``: a stand-in for any code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker, ))


def _crafted_dumps(tmp_path):
    marker = str(tmp_path / 'code_ran')
    sample = dict(gt_label=0, pred_score=[0.3, 0.7], payload=_Payload(marker))
    with open(tmp_path / 'crafted.pkl', 'wb') as f:
        pickle.dump([sample], f)
    # the same payload inside a torch.save file
    torch.save([sample], tmp_path / 'crafted.pt')
    return marker


def test_crafted_dumps_are_refused_and_run_nothing(tmp_path, monkeypatch):
    marker = _crafted_dumps(tmp_path)
    for name in ('crafted.pkl', 'crafted.pt'):
        with pytest.raises(ValueError, match='allow_pickle'):
            read_test_dump(str(tmp_path / name))
        assert not os.path.exists(marker), name
    # the analysis tool refuses it too
    monkeypatch.setattr(sys, 'argv', [
        'confusion_matrix.py',
        str(tmp_path / 'crafted.pkl'), '--out',
        str(tmp_path / 'cm.png')
    ])
    with pytest.raises(ValueError, match='--allow-pickle'):
        runpy.run_path(
            os.path.join(REPO_ROOT, 'tools/analysis/confusion_matrix.py'),
            run_name='__main__')
    assert not os.path.exists(marker)
    assert not os.path.exists(tmp_path / 'cm.png')
    # an explicit opt-in reads an old pickle (and runs it: the reason for
    # the flag)
    load_dump(str(tmp_path / 'crafted.pkl'), allow_pickle=True)
    assert os.path.exists(marker)


def test_safe_dump_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    scores = rng.random((5, 3)).astype(np.float32)
    embeddings = rng.normal(size=(5, 4)).astype(np.float32)
    metric = SafeDumpResults(str(tmp_path / 'out.pt'))
    samples = []
    for i in range(5):
        sample = BaseDataElement(
            metainfo=dict(
                filename=f'v{i}.mp4',
                frame_inds=np.arange(4),
                skipped_unreadable=['bad.mp4'] if i == 2 else [],
                handle=object()))
        sample.gt_label = torch.tensor([i % 3])
        sample.pred_score = torch.from_numpy(scores[i])
        sample.embedding = torch.from_numpy(embeddings[i])
        samples.append(sample.to_dict())
    metric.process({}, samples)
    assert metric.evaluate(5) == {}
    arrays = read_test_dump(str(tmp_path / 'out.pt'))
    np.testing.assert_array_equal(arrays['labels'], [0, 1, 2, 0, 1])
    np.testing.assert_array_equal(arrays['scores'], scores)
    np.testing.assert_array_equal(arrays['embeddings'], embeddings)
    dumped = load_dump(str(tmp_path / 'out.pt'))
    assert dumped['skipped'] == ['bad.mp4']
    first = dumped['samples'][0]
    assert first['filename'] == 'v0.mp4' and 'handle' not in first
    assert first['frame_inds'].tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match=r"'\.pt', '\.pth'.*out\.pkl"):
        SafeDumpResults('out.pkl')

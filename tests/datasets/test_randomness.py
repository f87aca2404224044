"""New random views every epoch, the same for the same seed, with a stock
MMEngine data loader (with and without DataEpochSeedHook)."""
import pytest
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset
from mmengine.runner import Runner, set_random_seed

from scfa_mm.datasets import randomness
from scfa_mm.engine import DataEpochSeedHook


class FramesDataset(BaseDataset):
    """Eight 300-frame videos, described only by their frame counts."""

    def load_data_list(self):
        return [
            dict(total_frames=300, filename=f'video_{i}.mp4') for i in range(8)
        ]


@TRANSFORMS.register_module(force=True)
class KeepFrameIndices(BaseTransform):

    def transform(self, results):
        return dict(
            sample_idx=results['sample_idx'],
            frame_inds=' '.join(map(str, results['frame_inds'])))


@pytest.fixture(autouse=True)
def no_epoch_state():
    randomness._epoch_state = None
    yield
    randomness._epoch_state = None


class FakeRunner:

    def __init__(self, seed, epoch):
        self.seed, self.epoch = seed, epoch


def views_per_epoch(num_workers,
                    persistent,
                    with_hook,
                    seed=7,
                    epochs=3,
                    shuffle=False):
    """``[{sample index: frame indices}]`` for each epoch."""
    set_random_seed(seed)
    pipeline = [
        dict(type='TemporalMultiView', num_views=2, clip_len=8),
        dict(type='KeepFrameIndices')
    ]
    loader = Runner.build_dataloader(
        dict(
            batch_size=2,
            num_workers=num_workers,
            persistent_workers=persistent,
            sampler=dict(type='DefaultSampler', shuffle=shuffle),
            collate_fn=dict(type='pseudo_collate'),
            dataset=FramesDataset(pipeline=pipeline)),
        seed=seed)
    views = []
    for epoch in range(epochs):
        loader.sampler.set_epoch(epoch)
        if with_hook:
            DataEpochSeedHook().before_train_epoch(FakeRunner(seed, epoch))
        views.append({
            index: frames
            for batch in loader
            for index, frames in zip(batch['sample_idx'], batch['frame_inds'])
        })
    return views


def assert_new_every_epoch(views):
    for before, after in zip(views, views[1:]):
        assert sorted(before) == sorted(after) == list(range(8))
        same = [i for i in before if before[i] == after[i]]
        assert not same, f'samples {same} repeat their views'


@pytest.mark.parametrize('persistent', [False, True])
def test_stock_loader_draws_new_views_every_epoch(persistent):
    """MMEngine seeds non-persistent workers identically every epoch; with
    an unshuffled sampler every worker then meets the same samples at the
    same place in the same random stream. The views must change anyway, and
    repeat for the same seed."""
    views = views_per_epoch(2, persistent, with_hook=False)
    assert_new_every_epoch(views)
    assert views == views_per_epoch(2, persistent, with_hook=False)
    assert views != views_per_epoch(2, persistent, False, seed=8)


def test_with_the_hook_views_depend_only_on_seed_epoch_and_sample():
    reference = views_per_epoch(0, False, with_hook=True)
    assert_new_every_epoch(reference)
    for num_workers, persistent in ((2, False), (2, True)):
        assert views_per_epoch(num_workers, persistent, True) == reference
    # the order of the samples does not matter either
    assert views_per_epoch(2, False, True, shuffle=True) == reference
    assert views_per_epoch(0, False, True, seed=8) != reference

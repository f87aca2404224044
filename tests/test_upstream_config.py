import os.path as osp

import torch
from mmaction.registry import DATASETS
from mmengine import Config

from scfa_mm.utils import build_untrained_model
from .conftest import REPO_ROOT, VIDEO_DIR, VIDEOS

CONFIG = osp.join(REPO_ROOT, 'configs', 'examples',
                  'tsn_r50_grid-aggregate_kinetics400.py')


def test_upstream_config_with_scfa_transforms_loads_a_sample(tmp_path):
    cfg = Config.fromfile(CONFIG)
    # inherited from upstream, untouched by the swap
    assert cfg.model.type == 'Recognizer2D'
    assert cfg.model.cls_head.type == 'TSNHead'
    assert cfg.train_cfg.max_epochs == 100
    ann_file = tmp_path / 'train_list.txt'
    ann_file.write_text(''.join(f'{name} {label}\n'
                                for label, name in enumerate(sorted(VIDEOS))))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(
        ann_file=str(ann_file), data_prefix=dict(video=VIDEO_DIR))
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == len(VIDEOS)
    sample = dataset[1]
    # two views, each one 4x4 grid of 56x56 frames
    assert sample['inputs'].shape == (2, 3, 224, 224)
    assert sample['inputs'].dtype == torch.uint8
    assert sample['data_samples'].gt_label.item() == 1

    cfg.model.backbone.depth = 18
    cfg.model.cls_head.in_channels = 512
    model = build_untrained_model(cfg.model)
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(
                inputs=[sample['inputs']],
                data_samples=[sample['data_samples']]))
        predictions = model(**data, mode='predict')
    assert predictions[0].pred_score.shape == (400, )

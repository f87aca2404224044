"""Checks that run before the Runner starts (tools/train.py, tools/test.py)."""
import pytest
from mmengine import Config

from scfa_mm.utils import check_labels


def config_with_list(tmp_path, lines, num_classes=2):
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text(''.join(f'{line}\n' for line in lines))
    loader = dict(
        dataset=dict(
            type='VideoDataset',
            ann_file=str(ann_file),
            data_prefix=dict(video=str(tmp_path)),
            pipeline=[]))
    return Config(
        dict(
            model=dict(cls_head=dict(num_classes=num_classes)),
            train_dataloader=loader,
            test_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset', times=2,
                    dataset=loader['dataset'])))), str(ann_file)


@pytest.mark.parametrize('key', ['train_dataloader', 'test_dataloader'])
def test_out_of_range_label_names_file_line_video_and_range(tmp_path, key):
    cfg, ann_file = config_with_list(
        tmp_path, ['a.mp4 0', 'b.mp4 1', 'c.mp4 5', 'd.mp4 1', 'e.mp4 -1'])
    with pytest.raises(ValueError) as error:
        check_labels(cfg, [key])
    message = str(error.value)
    assert ann_file in message and key in message
    assert '2 label(s) outside [0, 2)' in message
    assert f'line 3 ({tmp_path}/c.mp4): label [5]' in message
    assert f'line 5 ({tmp_path}/e.mp4): label [-1]' in message
    assert 'line 4' not in message


def test_labels_in_range_pass(tmp_path):
    cfg, _ = config_with_list(tmp_path, ['a.mp4 0', 'b.mp4 1'])
    check_labels(cfg, ['train_dataloader', 'test_dataloader'])
    cfg.model.cls_head.num_classes = 1
    with pytest.raises(ValueError, match=r'\[0, 1\)(.|\n)*line 2 .*b.mp4'):
        check_labels(cfg, ['train_dataloader'])

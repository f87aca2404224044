import json

import pytest

from scfa_mm.datasets import VideoCaptionDataset
from scfa_mm.datasets.video_caption_dataset import CaptionAnnotationError

RECORDS = [
    dict(
        video='a/v0.mp4',
        video_id='v0',
        label=1,
        captions=['a dog runs', 'the dog is running']),
    dict(video='v1.mp4', video_id=7, captions=['a cat sleeps']),
]


def write(tmp_path, records):
    path = tmp_path / 'captions.json'
    path.write_text(
        records if isinstance(records, str) else json.dumps(records))
    return str(path)


def test_records_become_data_infos(tmp_path):
    dataset = VideoCaptionDataset(
        write(tmp_path, RECORDS), pipeline=[], data_prefix=dict(video='/v'))
    first, second = (dataset.get_data_info(i) for i in range(2))
    assert (first['filename'], first['video_id'], first['label'],
            first['gt_captions']) == ('/v/a/v0.mp4', 'v0', 1,
                                      ['a dog runs', 'the dog is running'])
    assert second['video_id'] == '7' and 'label' not in second
    # every caption once, in file order: what the vocabulary is built from
    assert VideoCaptionDataset.read_captions(write(tmp_path, RECORDS)) == [
        'a dog runs', 'the dog is running', 'a cat sleeps'
    ]


@pytest.mark.parametrize('edit, message', [
    (lambda r: '[{"video": ', 'cannot read the caption annotations'),
    (lambda r: [], 'non-empty JSON list'),
    (lambda r: r[:1] + ['v1.mp4'], r'record 1: expected an object'),
    (lambda r: [r[0], dict(video='v1.mp4', captions=['x'])],
     r"record 1: missing \['video_id'\]"),
    (lambda r: [r[0], dict(r[1], captions=[])],
     r"record 1 \(video 'v1.mp4'\)"),
    (lambda r: [r[0], dict(r[1], captions=['ok', '  '])], 'non-empty strings'),
    (lambda r: [r[0], dict(r[1], captions='a cat')], 'non-empty list'),
    (lambda r: [r[0], dict(r[1], video_id='v0')],
     "record 1: video_id 'v0' is also record 0"),
    (lambda r: [dict(r[0], label='1')], r'record 0: "label" must be an int'),
])
def test_bad_annotations_name_the_file_and_record(tmp_path, edit, message):
    path = write(tmp_path, edit([dict(r) for r in RECORDS]))
    with pytest.raises(CaptionAnnotationError, match=message) as error:
        VideoCaptionDataset(path, pipeline=[])
    assert path in str(error.value)


def test_a_missing_file_is_named(tmp_path):
    path = str(tmp_path / 'nowhere.json')
    with pytest.raises(CaptionAnnotationError, match='nowhere.json'):
        VideoCaptionDataset(path, pipeline=[])

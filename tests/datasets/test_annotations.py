"""The annotation-list reader (scfa_mm/datasets/annotations.py) against
MMAction2's own parsers: it accepts what they read correctly and names
every line they reject or misread."""
import pytest
from mmaction.registry import DATASETS

from scfa_mm.datasets.annotations import (AnnotationListError, ListFormat,
                                          outside_prefix,
                                          parse_annotation_list,
                                          read_annotation_list)

VIDEO = ListFormat()
FRAMES = ListFormat(rawframes=True)


def write(tmp_path, text, name='list.txt'):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return str(path)


def mmaction_reads(ann_file, fmt):
    """``(path, labels)`` of every line as MMAction2's dataset reads it."""
    kind = 'RawframeDataset' if fmt.rawframes else 'VideoDataset'
    key = 'img' if fmt.rawframes else 'video'
    dataset = DATASETS.build(
        dict(
            type=kind,
            ann_file=ann_file,
            data_prefix={key: ''},
            pipeline=[],
            multi_class=fmt.multi_class,
            num_classes=5 if fmt.multi_class else None))
    read = []
    for info in dataset.load_data_list():  # as built, before one-hot
        label = info['label']
        labels = tuple(label) if isinstance(label, list) else (label, )
        read.append((info.get('filename', info.get('frame_dir')), labels))
    return read


@pytest.mark.parametrize('fmt, text', [
    (VIDEO, 'a.mp4 0\nsub/b.avi 3\r\nc.mp4\n'),
    (ListFormat(multi_class=True), 'a.mp4 0 2\nb.mp4 1\n'),
    (FRAMES, 'a 5 0\nb\t7   1\nc 3\n'),
])
def test_valid_lists_read_as_mmaction2_reads_them(tmp_path, fmt, text):
    ann_file = write(tmp_path, text)
    entries = parse_annotation_list(ann_file, fmt)
    assert [(e.path, e.labels) for e in entries] == \
        mmaction_reads(ann_file, fmt)
    if fmt.rawframes:
        assert [e.total_frames for e in entries] == [5, 7, 3]


# each bad line, the reason named, and what MMAction2 makes of it
# (an exception, or a misread entry)
BAD_VIDEO_LINES = [
    ('b.mp4\t1', 'whitespace other than single spaces', ('b.mp4\t1', (-1, ))),
    ('b.mp4  1', "empty field: ' ' repeated", 'too many values to unpack'),
    ('b.mp4 x', "label 'x' is not an integer", 'invalid literal for int'),
    ('b.mp4 1_0', "label '1_0' is not an integer", ('b.mp4', (10, ))),
    ('b.mp4 0 1', '2 labels in a single-label list',
     'too many values to unpack'),
    ('', 'blank line', ('', (-1, ))),
]


@pytest.mark.parametrize('line, reason, mmaction', BAD_VIDEO_LINES)
def test_each_bad_line_is_named_with_file_line_and_format(
        tmp_path, line, reason, mmaction):
    ann_file = write(tmp_path, f'a.mp4 0\n{line}\nc.mp4 1\n')
    with pytest.raises(AnnotationListError) as error:
        parse_annotation_list(ann_file, VIDEO, where='train_dataloader: ')
    message = str(error.value)
    assert message.startswith(
        f'train_dataloader: annotation list {ann_file}: 1 problem(s):')
    assert f'\n  line 2: {reason}' in message
    assert line == '' or repr(line) in message
    assert message.endswith('Expected lines: "<path> <label>" (VideoDataset;'
                            ' fields separated by single spaces; a list '
                            'without labels, one path a line, is read with '
                            'label -1).')
    # MMAction2 alone: a bare error naming no file, or a wrong entry
    if isinstance(mmaction, str):
        with pytest.raises(ValueError, match=mmaction):
            mmaction_reads(ann_file, VIDEO)
    else:
        assert mmaction_reads(ann_file, VIDEO)[1] == mmaction


@pytest.mark.parametrize('line, reason', [
    ('b', 'no frame count'),
    ('b x 1', "frame count 'x' is not an integer"),
    ('b 0 1', 'frame count 0 (at least 1 needed)'),
    ('b 5 1 2', '2 labels in a single-label list'),
    ('b 5 one', "label 'one' is not an integer"),
])
def test_bad_frame_folder_lines(tmp_path, line, reason):
    ann_file = write(tmp_path, f'a 5 0\n{line}\n')
    with pytest.raises(AnnotationListError) as error:
        parse_annotation_list(ann_file, FRAMES)
    assert f'line 2: {reason}' in str(error.value)
    assert str(error.value).count(repr(line)) == 1
    assert '"<folder> <total frames> <label>" (RawframeDataset' \
        in str(error.value)


def test_bom_duplicates_contradictions_and_empty_list(tmp_path):
    ann_file = write(
        tmp_path, '\ufeffa.mp4 0\nb.mp4 1\nc.mp4 0\nb.mp4 1\n'
        'c.mp4 1\n./b.mp4 1\nd.mp4 0\n')
    # MMAction2 keeps the mark in the first path
    assert mmaction_reads(ann_file, VIDEO)[0] == ('\ufeffa.mp4', (0, ))
    entries, problems = read_annotation_list(ann_file)
    assert [e.path for e in entries] == ['b.mp4', 'd.mp4']
    assert [str(p) for p in problems] == [
        "line 1: starts with a UTF-8 byte-order mark, which training reads "
        "as part of the path; save the list as UTF-8 without BOM (sed -i "
        "'1s/^\\xEF\\xBB\\xBF//' FILE): '\\ufeffa.mp4 0'",
        'line 3: c.mp4 listed with different labels or frame counts on '
        "lines 3, 5 (contradictory): 'c.mp4 0'",
        "line 4: duplicate of line 2 (the sample would count twice): "
        "'b.mp4 1'",
        'line 5: c.mp4 listed with different labels or frame counts on '
        "lines 3, 5 (contradictory): 'c.mp4 1'",
        "line 6: duplicate of line 2 (the sample would count twice): "
        "'./b.mp4 1'",
    ]
    empty = write(tmp_path, '', 'empty.txt')
    with pytest.raises(
            AnnotationListError,
            match=r'empty.txt: 1 problem\(s\):\n  empty list'):
        parse_annotation_list(empty)
    with pytest.raises(ValueError, match='need at least one array'):
        mmaction_reads(empty, VIDEO)  # MMAction2's own message


def test_paths_outside_the_data_prefix_are_refused_unless_allowed(tmp_path):
    ann_file = write(
        tmp_path, 'a.mp4 0\n../../etc/passwd 0\n/etc/passwd 1\n'
        'x/../../y.mp4 0\nx/../z.mp4 1\n')
    with pytest.raises(AnnotationListError) as error:
        parse_annotation_list(ann_file, data_prefix='data/videos')
    message = str(error.value)
    assert '3 problem(s)' in message
    for number, line in ((2, '../../etc/passwd 0'), (3, '/etc/passwd 1'),
                         (4, 'x/../../y.mp4 0')):
        assert (f"line {number}: path outside the data prefix 'data/videos'"
                ' (allow with the config key allow_paths_outside_data_prefix'
                f' = True): {line!r}') in message
    entries = parse_annotation_list(
        ann_file, data_prefix='data/videos', allow_outside_prefix=True)
    assert len(entries) == 5
    # no prefix: relative to the working directory
    assert outside_prefix('../a.mp4', '') and outside_prefix('/a.mp4', None)
    assert not outside_prefix('a/../b.mp4', '')
    assert not outside_prefix('..a.mp4', 'data')
    assert outside_prefix('../videos2/a.mp4', 'data/videos')


def test_a_list_that_is_not_utf8_is_named(tmp_path):
    ann_file = tmp_path / 'latin1.txt'
    ann_file.write_bytes('caf\xe9.mp4 0\n'.encode('latin-1'))
    with pytest.raises(
            AnnotationListError, match=f'{ann_file} is not UTF-8 text'):
        read_annotation_list(str(ann_file))

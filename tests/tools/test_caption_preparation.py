"""MSR-VTT and MSVD caption preparation, on small fabricated copies of the
official layouts (empty video files: the tools only check that they
exist)."""
import csv
import itertools
import json

import pytest

from ..conftest import load_tool

# MSR-VTT: (video_id, official split, captions as the annotators wrote them)
MSRVTT_TRAIN_VAL = [
    ('video0', 'train',
     ['a man is talking about a car', 'A Man Talks, loudly.', '  a car  ']),
    ('video1', 'validate', ['a cat plays with a ball', '   ']),
    ('video2', 'train', ['someone cooks pasta']),
    ('video5', 'validate', ['kids run', 'children are running', 'run']),
]
MSRVTT_TEST = [
    ('video3', 'test', ['a woman sings', 'a singer on a stage']),
    ('video4', 'test', ['', 'two dogs fight', 'dogs']),
]
MSRVTT_FOLDER = {
    'train': 'TrainValVideo',
    'validate': 'TrainValVideo',
    'test': 'TestVideo'
}


def write_msrvtt_json(path, videos, first_sen_id):
    """The official layout; sentences interleaved across videos, as a
    video's captions are not contiguous in the release."""
    sentences = []
    for captions in itertools.zip_longest(*(v[2] for v in videos)):
        for (video_id, _, _), caption in zip(videos, captions):
            if caption is not None:
                sentences.append(
                    dict(
                        caption=caption,
                        video_id=video_id,
                        sen_id=first_sen_id + len(sentences)))
    records = [
        dict(
            category=3,
            url='unused',
            video_id=video_id,
            **{
                'start time': 1.0,
                'end time': 9.5
            },
            split=split,
            id=int(video_id[5:])) for video_id, split, _ in videos
    ]
    path.write_text(
        json.dumps(
            dict(info=dict(year=2016), videos=records, sentences=sentences)))


@pytest.fixture
def msrvtt(tmp_path):
    root = tmp_path / 'msrvtt'
    for video_id, split, _ in MSRVTT_TRAIN_VAL + MSRVTT_TEST:
        folder = root / 'videos' / MSRVTT_FOLDER[split]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f'{video_id}.mp4').write_bytes(b'')
    write_msrvtt_json(root / 'train_val_videodatainfo.json', MSRVTT_TRAIN_VAL,
                      0)
    write_msrvtt_json(root / 'test_videodatainfo.json', MSRVTT_TEST, 100)
    return root


def prepare_msrvtt(root, *extra):
    """The official layout: TrainValVideo/ and TestVideo/ in videos/."""
    tool = load_tool('tools/data/msrvtt/prepare_captions.py')
    tool.main([
        '--annotations',
        str(root / 'train_val_videodatainfo.json'),
        str(root / 'test_videodatainfo.json'), '--video-root',
        str(root / 'videos'), '--out',
        str(root / 'annotations'), *extra
    ])


def read_split(root, split):
    return json.loads((root / 'annotations' / f'{split}.json').read_text())


def test_msrvtt_captions_and_splits(msrvtt, capsys):
    prepare_msrvtt(msrvtt)
    out = {'train': 'train', 'validate': 'val', 'test': 'test'}
    for split, name in out.items():
        expected = [
            dict(
                video=f'{MSRVTT_FOLDER[s]}/{v}.mp4',
                video_id=v,
                captions=[c.strip() for c in caps if c.strip()])
            for v, s, caps in MSRVTT_TRAIN_VAL + MSRVTT_TEST if s == split
        ]
        assert read_split(msrvtt, name) == expected
    # by hand: video0 keeps its 3 captions, video2 its 1; one empty caption
    # in video1 and one in video4
    assert read_split(msrvtt, 'train')[0]['captions'] == [
        'a man is talking about a car', 'A Man Talks, loudly.', 'a car'
    ]
    printed = capsys.readouterr().out
    assert ('train: 2 videos, 4 captions, captions per video min 1 / '
            'median 2 / max 3') in printed
    assert 'val: 2 videos, 4 captions' in printed
    assert '2 empty captions left out' in printed
    assert not (msrvtt / 'annotations' / 'missing_videos.txt').exists()


def test_msrvtt_output_feeds_the_caption_dataset(msrvtt):
    from scfa_mm.datasets.video_caption_dataset import VideoCaptionDataset
    prepare_msrvtt(msrvtt)
    dataset = VideoCaptionDataset(
        str(msrvtt / 'annotations' / 'test.json'),
        pipeline=[],
        data_prefix=dict(video=str(msrvtt / 'videos')))
    info = dataset.get_data_info(1)
    assert info['filename'] == str(msrvtt / 'videos' / 'TestVideo' /
                                   'video4.mp4')
    assert info['gt_captions'] == ['two dogs fight', 'dogs']


def test_msrvtt_single_folder_of_all_videos(msrvtt):
    for video in (msrvtt / 'videos').glob('*/*.mp4'):
        video.rename(msrvtt / 'videos' / video.name)
    prepare_msrvtt(msrvtt)
    assert [r['video'] for r in read_split(msrvtt, 'val')] == \
        ['video1.mp4', 'video5.mp4']


def test_msrvtt_video_folders_named_by_hand(msrvtt):
    """Only the named folders are searched, paths stay relative to the
    root."""
    other = msrvtt / 'videos' / 'extra' / 'clips'
    other.mkdir(parents=True)
    (msrvtt / 'videos' / 'TestVideo' / 'video3.mp4').rename(other /
                                                            'video3.mp4')
    folders = [
        str(msrvtt / 'videos' / name)
        for name in ('TrainValVideo', 'TestVideo', 'extra/clips')
    ]
    prepare_msrvtt(msrvtt, '--videos', *folders)
    assert [r['video'] for r in read_split(msrvtt, 'test')] == \
        ['extra/clips/video3.mp4', 'TestVideo/video4.mp4']
    with pytest.raises(ValueError, match='is not inside --video-root'):
        prepare_msrvtt(msrvtt, '--videos', str(msrvtt))
    with pytest.raises(FileNotFoundError, match='video3.mp4'):
        prepare_msrvtt(msrvtt, '--videos', *folders[:2])


def test_msrvtt_missing_videos_are_named(msrvtt, capsys):
    (msrvtt / 'videos' / 'TrainValVideo' / 'video2.mp4').unlink()
    (msrvtt / 'videos' / 'TestVideo' / 'video4.mp4').unlink()
    with pytest.raises(FileNotFoundError) as error:
        prepare_msrvtt(msrvtt)
    assert '2 videos listed' in str(error.value)
    assert 'video2.mp4, video4.mp4' in str(error.value)
    assert '--skip-missing' in str(error.value)
    assert not (msrvtt / 'annotations').exists()

    prepare_msrvtt(msrvtt, '--skip-missing')
    assert 'left out 2 videos' in capsys.readouterr().out
    assert (msrvtt / 'annotations' / 'missing_videos.txt').read_text() == \
        'video2.mp4\nvideo4.mp4\n'
    assert [r['video_id'] for r in read_split(msrvtt, 'train')] == ['video0']
    assert [r['video_id'] for r in read_split(msrvtt, 'test')] == ['video3']


@pytest.mark.parametrize('damage, message', [
    (lambda d: '{"videos": [', 'test_videodatainfo.json is not valid JSON'),
    (lambda d: d.pop('sentences') and d, 'no "sentences"'),
    (lambda d: d['videos'][1].pop('split') and d,
     '"videos"[1] lacks [\'split\']'),
    (lambda d: d['sentences'][0].pop('caption') and d,
     '"sentences"[0] lacks [\'caption\']'),
    (lambda d: d['videos'][0].update(split='dev') or d,
     "(video3) has split 'dev'"),
    (lambda d: d['sentences'][0].update(video_id='video9') or d,
     'describes video video9'),
    (lambda d: d['videos'][0].update(video_id='video0') or d,
     'video video0 is listed twice'),
    (lambda d: dict(
        d, sentences=[s for s in d['sentences'] if s['video_id'] != 'video3']),
     '1 videos have no (non-empty) caption in'),
])
def test_msrvtt_bad_annotations_are_named(msrvtt, damage, message):
    path = msrvtt / 'test_videodatainfo.json'
    data = damage(json.loads(path.read_text()))
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    with pytest.raises(ValueError) as error:
        prepare_msrvtt(msrvtt)
    assert message in str(error.value)
    assert not (msrvtt / 'annotations').exists()


def test_msrvtt_missing_annotation_file_is_named(msrvtt):
    (msrvtt / 'test_videodatainfo.json').unlink()
    with pytest.raises(FileNotFoundError, match='test_videodatainfo.json'):
        prepare_msrvtt(msrvtt)


# MSVD: clip -> (vid number, [(language, description), ...]); VideoIDs with
# '-' and '_' as in the release
MSVD_CLIPS = {
    '-4wsuPCjDBc_5_15': (3, [('English', 'a squirrel eats a nut'),
                             ('French', 'un écureuil mange'),
                             ('English', 'A squirrel, eating.')]),
    'ab_cd_1_4': (1, [('English', 'a man slices an onion')]),
    'zz9_0_7': (6, [('English', 'a dog barks'), ('English', '  '),
                    ('English', 'dog barking')]),
    'Kx1_10_20': (2, [('German', 'eine Frau tanzt'),
                      ('English', 'a woman dances'),
                      ('English', 'a lady is dancing  ')]),
    'q_2_3': (5, [('English', 'a plane lands')]),
    'rrr_30_40': (4, [('English', 'a boy plays guitar'),
                      ('Spanish', 'un chico toca')]),
}
MSVD_UNMAPPED = ('nomap_1_2', [('English', 'not in the mapping')])
MSVD_SIZES = '3,1,2'


def split_clip(clip):
    video_id, start, end = clip.rsplit('_', 2)
    return video_id, start, end


@pytest.fixture
def msvd(tmp_path):
    root = tmp_path / 'msvd'
    (root / 'videos').mkdir(parents=True)
    for clip in MSVD_CLIPS:
        (root / 'videos' / f'{clip}.avi').write_bytes(b'')
    # the mapping's lines on purpose not in vid order
    (root / 'youtube_mapping.txt').write_text(''.join(
        f'{clip} vid{vid}\n' for clip, (vid, _) in MSVD_CLIPS.items()))
    rows = [(clip, language, text) for clip, (_, captions) in
            [*MSVD_CLIPS.items(), (MSVD_UNMAPPED[0], (0, MSVD_UNMAPPED[1]))]
            for language, text in captions]
    with open(
            root / 'MSR Video Description Corpus.csv',
            'w',
            newline='',
            encoding='utf-8') as f:
        writer = csv.writer(f)
        writer.writerow([
            'VideoID', 'Start', 'End', 'WorkerID', 'Source', 'AnnotationTime',
            'Language', 'Description'
        ])
        for worker, (clip, language, text) in enumerate(rows):
            writer.writerow(
                [*split_clip(clip), worker, 'clean', 17, language, text])
    (root / 'AllVideoDescriptions.txt').write_text(
        '# MSVD descriptions\n# <clip> <description>\n#\n' +
        ''.join(f'{clip} {text}\n'
                for clip, language, text in rows if language == 'English'))
    return root


def prepare_msvd(root, *extra, ann='MSR Video Description Corpus.csv'):
    tool = load_tool('tools/data/msvd/prepare_captions.py')
    args = [
        '--annotations',
        str(root / ann), '--mapping',
        str(root / 'youtube_mapping.txt'), '--video-root',
        str(root / 'videos'), '--out',
        str(root / 'annotations'), '--split-sizes', MSVD_SIZES, *extra
    ]
    tool.main(args)


def expected_msvd(clips=MSVD_CLIPS):
    """Per split, the records in vid order: vid 1-3 train, 4 val, 5-6
    test."""
    by_vid = sorted(clips.items(), key=lambda item: item[1][0])
    records = [
        dict(
            video=f'{clip}.avi',
            video_id=clip,
            captions=[
                t.strip() for lang, t in caps
                if lang == 'English' and t.strip()
            ]) for clip, (_, caps) in by_vid
    ]
    return dict(train=records[:3], val=records[3:4], test=records[4:])


@pytest.mark.parametrize(
    'ann', ['MSR Video Description Corpus.csv', 'AllVideoDescriptions.txt'])
def test_msvd_captions_and_splits(msvd, ann, capsys):
    prepare_msvd(msvd, ann=ann)
    for split, records in expected_msvd().items():
        assert read_split(msvd, split) == records
    # by hand: vid1 ab_cd_1_4, vid2 Kx1_10_20 (German left out), vid3
    # -4wsuPCjDBc_5_15 (French left out) train; vid4 val; vid5, vid6 test
    train = read_split(msvd, 'train')
    assert [r['video_id']
            for r in train] == ['ab_cd_1_4', 'Kx1_10_20', '-4wsuPCjDBc_5_15']
    assert train[2]['captions'] == [
        'a squirrel eats a nut', 'A squirrel, eating.'
    ]
    assert read_split(msvd,
                      'test')[1]['captions'] == ['a dog barks', 'dog barking']
    printed = capsys.readouterr().out
    assert 'train: 3 videos, 5 captions, captions per video min 1 / ' \
        'median 2 / max 2' in printed
    assert '1 empty captions left out' in printed
    assert '1 annotated clips not in' in printed and 'nomap_1_2' in printed
    if ann.endswith('.csv'):
        assert '11 English rows kept, 3 in other languages' in printed
    else:
        assert '11 caption lines read, 3 comment lines skipped' in printed
    assert 'not in the mapping' not in json.dumps(
        [read_split(msvd, s) for s in ('train', 'val', 'test')])


def test_msvd_needs_the_mapping(msvd):
    (msvd / 'youtube_mapping.txt').unlink()
    with pytest.raises(FileNotFoundError) as error:
        prepare_msvd(msvd)
    assert 'youtube_mapping.txt' in str(error.value)
    assert '--mapping' in str(error.value)


def test_msvd_split_sizes_must_match_the_mapping(msvd):
    tool = load_tool('tools/data/msvd/prepare_captions.py')
    with pytest.raises(ValueError) as error:
        tool.main([
            '--annotations',
            str(msvd / 'AllVideoDescriptions.txt'), '--mapping',
            str(msvd / 'youtube_mapping.txt'), '--video-root',
            str(msvd / 'videos'), '--out',
            str(msvd / 'annotations')
        ])
    assert 'maps 6 clips but --split-sizes 1200,100,670 adds up to 1970' \
        in str(error.value)
    with pytest.raises(ValueError, match='three positive integers'):
        prepare_msvd(msvd, '--split-sizes', '3,3')


def test_msvd_missing_videos_are_named(msvd, capsys):
    (msvd / 'videos' / 'Kx1_10_20.avi').unlink()
    with pytest.raises(FileNotFoundError) as error:
        prepare_msvd(msvd)
    assert '1 videos' in str(error.value)
    assert 'Kx1_10_20.avi' in str(error.value)
    assert not (msvd / 'annotations').exists()

    prepare_msvd(msvd, '--skip-missing')
    assert 'left out 1 videos' in capsys.readouterr().out
    assert (msvd / 'annotations' /
            'missing_videos.txt').read_text() == 'Kx1_10_20.avi\n'
    expected = expected_msvd()
    del expected['train'][1]
    assert read_split(msvd, 'train') == expected['train']
    # a later complete run drops the stale list
    (msvd / 'videos' / 'Kx1_10_20.avi').write_bytes(b'')
    prepare_msvd(msvd)
    assert not (msvd / 'annotations' / 'missing_videos.txt').exists()


def test_msvd_many_missing_videos_show_the_first_ten(tmp_path):
    clips = {
        f'c{i:02d}_0_1': (i + 1, [('English', f'clip {i}')])
        for i in range(12)
    }
    (tmp_path / 'videos').mkdir()
    (tmp_path / 'youtube_mapping.txt').write_text(''.join(
        f'{clip} vid{vid}\n' for clip, (vid, _) in clips.items()))
    (tmp_path / 'captions.txt').write_text(''.join(
        f'{clip} {caps[0][1]}\n' for clip, (_, caps) in clips.items()))
    tool = load_tool('tools/data/msvd/prepare_captions.py')
    with pytest.raises(FileNotFoundError) as error:
        tool.main([
            '--annotations',
            str(tmp_path / 'captions.txt'), '--mapping',
            str(tmp_path / 'youtube_mapping.txt'), '--video-root',
            str(tmp_path / 'videos'), '--split-sizes', '10,1,1'
        ])
    message = str(error.value)
    assert message.startswith('12 videos')
    assert 'c09_0_1.avi, ...' in message and 'c10_0_1' not in message


def rewrite_csv(root, edit):
    path = root / 'MSR Video Description Corpus.csv'
    lines = path.read_text(encoding='utf-8').splitlines(keepends=True)
    path.write_text(''.join(edit(lines)), encoding='utf-8')


def test_msvd_bad_csv_is_named(msvd):
    rewrite_csv(msvd,
                lambda lines: [lines[0].replace(',Language', '')] + lines[1:])
    with pytest.raises(ValueError) as error:
        prepare_msvd(msvd)
    assert 'MSR Video Description Corpus.csv:1' in str(error.value)
    assert "lacks the columns ['Language']" in str(error.value)


def test_msvd_csv_row_with_extra_fields_is_named(msvd):
    rewrite_csv(
        msvd, lambda lines: lines[:4] +
        [lines[4].rstrip('\r\n') + ',extra\r\n'] + lines[5:])
    with pytest.raises(ValueError) as error:
        prepare_msvd(msvd)
    assert 'MSR Video Description Corpus.csv:5: 9 fields, the header ' \
        'has 8' in str(error.value)


def test_msvd_clip_without_english_caption_is_named(msvd):
    rewrite_csv(
        msvd, lambda lines: [
            line.replace(',English,', ',Italian,')
            if line.startswith('q,2,3,') else line for line in lines
        ])
    with pytest.raises(ValueError) as error:
        prepare_msvd(msvd)
    assert '1 clips of' in str(error.value)
    assert 'English) caption' in str(error.value)
    assert str(error.value).endswith(': q_2_3')


@pytest.mark.parametrize('mapping, message', [
    ('a_1_2 vid1\nb_1_2 video2\n', 'youtube_mapping.txt:2: expected'),
    ('a_1_2 vid1\nb_1_2 vid1\n', 'youtube_mapping.txt:2: clip b_1_2 or '
     'vid1 is already mapped'),
])
def test_msvd_bad_mapping_is_named(msvd, mapping, message):
    (msvd / 'youtube_mapping.txt').write_text(mapping)
    with pytest.raises(ValueError) as error:
        prepare_msvd(msvd)
    assert message in str(error.value)


def test_msvd_unknown_extension_needs_format(msvd):
    (msvd / 'AllVideoDescriptions.txt').rename(msvd / 'descriptions.dat')
    with pytest.raises(ValueError, match='pass --format'):
        prepare_msvd(msvd, ann='descriptions.dat')
    prepare_msvd(msvd, '--format', 'txt', ann='descriptions.dat')
    assert read_split(msvd, 'val') == expected_msvd()['val']

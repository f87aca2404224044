# Penn Action (15 actions) from the official release extracted into
# data/penn_action/ (frames in Penn_Action/frames/<id>/000001.jpg ...), with
# the RawframeDataset lists (<id> <num frames> <label>) that
# tools/data/penn_action/prepare.py writes. Same SCFA sampling and tiling as
# for HMDB51.
_base_ = './hmdb51_scfa.py'

dataset_type = 'RawframeDataset'
data_root = 'data/penn_action/Penn_Action/frames'
ann_file_train = 'data/penn_action/penn_action_train_list_rawframes.txt'
ann_file_test = 'data/penn_action/penn_action_test_list_rawframes.txt'
class_names = 'data/penn_action/classnames.txt'
data_preparation = ('python tools/data/penn_action/prepare.py --root '
                    'data/penn_action/Penn_Action --out data/penn_action')

# The HMDB51 pipelines (same views, grid and augmentation), reading frames
# with RawFrameDecode where HMDB51 has VideoInit, TemporalMultiView,
# DecordDecode.
train_pipeline = [
    _base_.train_pipeline[1],
    dict(type='RawFrameDecode'), *_base_.train_pipeline[3:]
]
val_pipeline = [
    _base_.val_pipeline[1],
    dict(type='RawFrameDecode'), *_base_.val_pipeline[3:]
]
test_pipeline = val_pipeline

frame_dataset = dict(
    type=dataset_type,
    data_prefix=dict(img=data_root),
    metainfo=dict(classes=class_names),
    filename_tmpl='{:06}.jpg',
    start_index=1)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=ann_file_train,
        pipeline=train_pipeline,
        **frame_dataset))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=ann_file_test,
        pipeline=val_pipeline,
        test_mode=True,
        **frame_dataset))
test_dataloader = val_dataloader

# carl_r50-transformer_4xb1-300e_penn-action.py with the per-view
# augmentation in the data workers (PerView and the Clip* transforms on
# uint8 frames), as MMAction2 pipelines usually augment: the same draws and
# ops as the GPU path, several times the worker cores per GPU
# (docs/performance.md). For the frame cache, put
# _base_/datasets/penn_action_carl_cache.py's cpu_train_pipeline in the
# cache config the same way.
_base_ = './carl_r50-transformer_4xb1-300e_penn-action.py'

model = dict(data_preprocessor=dict(type='ActionDataPreprocessor'))
train_dataloader = dict(dataset=dict(pipeline=_base_.cpu_train_pipeline))

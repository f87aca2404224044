# cvrl_r3d50_16xb64-200e_kinetics400.py with the per-clip augmentation in
# the data workers (PerView and the Clip* transforms on uint8 frames), as
# MMAction2 pipelines usually augment: the same draws and ops as the GPU
# path, about 3-4 times the worker cores per GPU (docs/performance.md).
_base_ = './cvrl_r3d50_16xb64-200e_kinetics400.py'

model = dict(data_preprocessor=dict(type='ActionDataPreprocessor'))
train_dataloader = dict(dataset=dict(pipeline=_base_.cpu_train_pipeline))

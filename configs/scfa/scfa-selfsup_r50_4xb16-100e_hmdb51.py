# SCFA, self-supervised, on HMDB51 split 1: positives are only the other
# views of the same video (instance discrimination); labels reach only the
# online linear probe, which is trained on detached features.
_base_ = './scfa_r50_4xb16-100e_hmdb51.py'

model = dict(positives='video')

# Synchronised BatchNorm across GPUs: with per-GPU statistics the model can
# tell its own views from other GPUs' by their batch statistics and cheat
# the instance task (SimCLR, CVRL). Dropped on machines without GPUs.
sync_bn = 'torch'

# CVRL's pre-training schedule as the official code runs it
# (tensorflow/models official/projects/video_ssl, "the release":
# cvrl_pretrain_k600_200ep.yaml on video_classification_kinetics600):
#
# - SGD, momentum 0.9 (the base experiment's), nesterov off (the yaml).
#   The paper names LARS: one file away, lars_cosine_200e.py.
# - lr 0.32 at a global batch of 1024; the config that changes the batch
#   scales it linearly (auto_scale_lr, or by hand).
# - Linear warm-up from 0 over 1787 steps, then cosine decay to 0 over the
#   whole run, 71488 steps, counted from step 0 (not from the end of the
#   warm-up). Kinetics-600 has 366,016 training videos in the release's
#   data (357.4 steps of 1024 per epoch): 1787 steps = 5.0 epochs and
#   71488 = 200 epochs. The schedule is written in epochs and converted
#   to iterations, so another dataset or batch keeps 5 warm-up epochs out
#   of 200.
#   Release: lr(s) = s / W * c(W) for s < W, c(s) after, with
#   c(s) = 0.32 * (1 + cos(pi * s / S)) / 2.
#   Ours: MMEngine chains the two schedulers (their factors multiply) and
#   its LinearLR reaches 1 at the warm-up's last step: lr(s) =
#   s / (W - 1) * c(s) during the warm-up, c(s) after. The same after the
#   warm-up; during it within 1 / (W - 1) (0.1% for W > 1000) and
#   c(0) / c(W) = 1.0015 (W / S = 1 / 40).
# - Weight decay 1e-6 on convolution and linear weights only (the
#   release's variables named 'kernel'): BatchNorm and biases are exempt.
#   The release adds wd * sum(w ** 2) / 2 (tf.nn.l2_loss) to the loss,
#   which adds wd * w to the gradient: coupled L2, as torch's SGD
#   weight_decay, so the same 1e-6.
#
# The step. Per replica the release minimises
#   loss_a + loss_b + wd * sum(w ** 2) / 2,
# loss_a the mean cross-entropy of the replica's first clips against the
# global batch, loss_b of its second clips; the gathered embeddings pass
# their gradient back (an all-sum's gradient is an all-sum), and the Keras
# optimiser SUMS the replicas' gradients. The pre-training task does not
# divide by the number of replicas R (tasks/pretrain.py; the generic
# video_classification task does, "the default gradients allreduce
# performs sum inside the optimizer"). On one replica that is
# 2 * grad(our mean InfoNCE) + wd * w: our loss_weight=2 (model config),
# DDP's averaging of our ranks' gradients giving the single-process
# gradient, and weight_decay=1e-6. On R TPU replicas the public task's
# step would be R times larger (lr 0.32 * R); the yaml does not say R, and
# the release's training driver imports a pre-training task that is not in
# the public tree (tasks.google.pretrain), so we keep the one-replica
# step.
max_epochs = 200
warmup_epochs = 5
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.32, momentum=0.9, nesterov=False,
        weight_decay=1e-6),
    # no decay on BatchNorm (backbone and projection head) nor on biases
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
param_scheduler = [
    # from (almost) 0: MMEngine's LinearLR needs a positive start
    dict(
        type='LinearLR',
        start_factor=1e-6,
        end_factor=1.0,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=1024)

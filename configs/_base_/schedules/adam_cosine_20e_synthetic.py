# The CPU-sized schedule of the synthetic configs (SCFA, CVRL, and the TSN
# and ViViT baselines): adam_cosine_100e.py shortened to 20 epochs, Adam at
# 3e-4 (1e-3 left SCFA's contrastive loss at chance from random weights)
# with weight decay 1e-4, cosine to 1e-5, validation every 5 epochs.
_base_ = './adam_cosine_100e.py'

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(optimizer=dict(lr=3e-4, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=1e-5,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]

# The grid captioner on the synthetic set, sized for 2 CPU cores: a
# ResNet-18 from random weights reads a video's 16 frames tiled 4x4 at
# 32x32 (128x128); its 4x4x512 feature map gives 16 visual tokens, one per
# cell, i.e. per moment. A 2-layer 256-d Transformer decoder writes the
# caption (greedy search: the captions are short and regular). The
# schedule and runtime are those of the other synthetic configs (Adam at
# 3e-4, 20 epochs). Its order-free twin is mean-caption_r18_synthetic.py
# (docs/captioning.md compares them).
#   python tools/data/make_synthetic.py --out data/synthetic
#   python tools/train.py configs/caption/grid-caption_r18_synthetic.py
_base_ = [
    '../_base_/models/grid_captioner_r50.py',
    '../_base_/datasets/synthetic_caption.py',
    '../_base_/schedules/adam_cosine_20e_synthetic.py',
    '../_base_/synthetic_runtime.py'
]

model = dict(
    backbone=dict(depth=18, pretrained=None),
    visual_channels=512,
    decoder=dict(
        embed_dims=256,
        num_layers=2,
        num_heads=4,
        feedforward_channels=512,
        max_length=20),
    vocabulary=dict(
        ann_file='data/synthetic/captions/train.json', min_count=1),
    beam_size=1)

randomness = dict(seed=0)

# MMPretrain's BLIP captioner (ViT-B/16 at 384 + BERT-base decoder, the
# model of mmpretrain::blip/blip-base_8xb32_caption.py, unchanged) reading
# SCFA grids of MSR-VTT: a video's 16 frames tiled 4x4 at 96x96 make one
# 384x384 image, BLIP's input size. Start from MMPretrain's COCO caption
# checkpoint (README.md here: the weights, the tokenizer files and the
# transformers version it needs):
#   CKPT=checkpoints/blip-base_3rdparty_coco-caption_20230419-a5b71af3.pth
#   python tools/test.py configs/blip/blip-base_grid-caption_msrvtt.py $CKPT
#   bash tools/dist_train.sh configs/blip/blip-base_grid-caption_msrvtt.py 4 \
#       --cfg-options load_from=$CKPT
# Where a value comes from: (release) MMPretrain's BLIP caption config,
# (ours) our choice for grids. No reference numbers yet.
_base_ = [
    '../_base_/datasets/msrvtt_caption.py', '../_base_/default_runtime.py'
]

# (release) the tokenizer BLIP was trained with: a hub name, or a local
# folder with bert-base-uncased's vocab.txt and tokenizer_config.json to
# run offline (--cfg-options model.tokenizer.name_or_path=FOLDER)
tokenizer_path = 'bert-base-uncased'

# (release) the model of MMPretrain's config, built in MMPretrain's scope
# (_scope_: its nested parts, tokenizer and data preprocessor come from
# MMPretrain's registries, not MMAction2's default scope)
model = dict(
    _scope_='mmpretrain',
    type='BlipCaption',
    vision_encoder=dict(
        type='VisionTransformer',
        arch='b',
        img_size=384,
        patch_size=16,
        out_type='raw',
    ),
    tokenizer=dict(type='BlipTokenizer', name_or_path=tokenizer_path),
    decoder_head=dict(
        type='SeqGenerationHead',
        decoder=dict(
            type='XBertLMHeadDecoder',
            med_config=dict(
                architectures=['BertModel'],
                attention_probs_dropout_prob=0.1,
                hidden_act='gelu',
                hidden_dropout_prob=0.1,
                hidden_size=768,
                initializer_range=0.02,
                intermediate_size=3072,
                layer_norm_eps=1e-12,
                max_position_embeddings=512,
                model_type='bert',
                num_attention_heads=12,
                num_hidden_layers=12,
                pad_token_id=0,
                add_type_embeddings=False,
                vocab_size=30524,
                encoder_width=768,
                add_cross_attention=True),
        ),
    ),
    prompt='a picture of ',
    max_txt_len=20,
    # (release) BLIP's mean and std; (ours) to_rgb=False: the video
    # decoders give RGB frames (MMPretrain's image loader gives BGR, hence
    # its to_rgb=True)
    data_preprocessor=dict(
        type='MultiModalDataPreprocessor',
        mean=[122.770938, 116.7460125, 104.09373615],
        std=[68.5005327, 66.6321579, 70.32316305],
        to_rgb=False),
)

# (ours) one view of 16 frames per video, each frame 96x96 in a 4x4 grid:
# 384x384; (release) bicubic resizing, as BLIP's image pipeline
clip_len = 16
blip_grid = dict(
    type='GridAggregate',
    grid_shape=(4, 4),
    cell_size=(96, 96),
    interpolation='bicubic')

train_pipeline = [
    dict(type='VideoInit'),
    dict(
        type='TemporalMultiView',
        num_views=1,
        clip_len=clip_len,
        strategy='segment'),
    dict(type='DecordDecode'),
    # (ours) a light crop, one draw per video, as the grid captioner's; no
    # flip, which would swap "left" and "right" in the captions
    dict(type='Resize', scale=(110, 110), keep_ratio=False),
    dict(type='RandomCrop', size=96),
    blip_grid,
    dict(type='GridAsImage'),
    # a new caption of the video every epoch, cleaned as BLIP's are
    dict(type='SampleCaption', mode='random'),
    dict(type='mmpretrain.CleanCaption', keys='gt_caption'),
    dict(
        type='mmpretrain.PackInputs',
        input_key='img',
        algorithm_keys=['gt_caption'],
        meta_keys=['video_id']),
]
# BLIP writes pred_caption; VideoCaptionMetric reads it beside gt_captions
# and video_id
test_pipeline = [
    dict(type='VideoInit'),
    dict(
        type='TemporalMultiView',
        num_views=1,
        clip_len=clip_len,
        test_mode=True),
    dict(type='DecordDecode'),
    blip_grid,
    dict(type='GridAsImage'),
    dict(
        type='mmpretrain.PackInputs',
        input_key='img',
        algorithm_keys=['gt_captions'],
        meta_keys=['video_id']),
]
val_pipeline = test_pipeline

# default_collate stacks the images into the (N, 3, 384, 384) batch that
# MultiModalDataPreprocessor expects (it reads a list as views of a clip)
collate = dict(type='default_collate')
train_dataloader = dict(
    collate_fn=collate, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(collate_fn=collate, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(
    collate_fn=collate, dataset=dict(pipeline=test_pipeline))

default_hooks = dict(
    checkpoint=dict(save_best='caption/CIDEr', rule='greater'))

# (release) BLIP's caption fine-tuning: AdamW at 1e-5, weight decay 0.05,
# cosine over 10 epochs, for 256 images per step (8 GPUs x 32);
# --auto-scale-lr scales it to the batch used here (16 per GPU)
max_epochs = 10
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=2)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-5, weight_decay=0.05))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs)
]
auto_scale_lr = dict(enable=False, base_batch_size=256)

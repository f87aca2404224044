"""The caption vocabulary, the Transformer text decoder and its searches,
and the grid captioner's visual tokens and vocabulary persistence."""
import itertools
import math

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from scfa_mm.datasets.caption_text import tokenize_caption
from scfa_mm.models.captioners import (CaptionVocabulary,
                                       vocabulary_from_checkpoint)
from scfa_mm.models.captioners.grid_captioner import grid_positions

WORDS = 'a red circle moves to the left right'.split()

# -- vocabulary -------------------------------------------------------------


def test_tokenize_lowercases_and_drops_punctuation():
    assert tokenize_caption('A red-circle, moving LEFT... (fast)!') == \
        ['a', 'red', 'circle', 'moving', 'left', 'fast']
    assert tokenize_caption("the man's car isn't red") == \
        ['the', "man's", 'car', "isn't", 'red']
    with pytest.raises(TypeError, match='must be a str'):
        tokenize_caption(None)


def test_vocabulary_round_trip_and_unknown_words():
    vocab = CaptionVocabulary(WORDS)
    assert len(vocab) == 4 + len(WORDS)
    ids = vocab.encode('A red circle moves to the LEFT.', max_length=10)
    # <bos>=1, then the words at 4 + their position in WORDS, <eos>=2
    assert ids == [1, 4, 5, 6, 7, 8, 9, 10, 2]
    assert vocab.decode(ids) == 'a red circle moves to the left'
    unknown = vocab.encode('a blue circle moves', max_length=10)
    assert unknown == [1, 4, vocab.unk_id, 6, 7, 2]
    assert vocab.decode(unknown) == 'a <unk> circle moves'
    # decoding stops at <eos> and skips padding and <bos>
    assert vocab.decode([1, 4, 0, 5, 2, 6, 7]) == 'a red'
    # too long: cut, the end token kept
    assert vocab.encode('a red circle moves', max_length=4) == [1, 4, 5, 2]
    batch = vocab.encode_batch(['a red', 'a red circle moves'], 10)
    assert batch.tolist() == [[1, 4, 5, 2, 0, 0], [1, 4, 5, 6, 7, 2]]


def test_vocabulary_from_captions_orders_by_count_then_alphabet():
    captions = ['b a c', 'a b', 'a d', 'c']
    # counts: a 3, b 2, c 2, d 1
    assert CaptionVocabulary.from_captions(captions).words == \
        ['a', 'b', 'c', 'd']
    assert CaptionVocabulary.from_captions(captions, min_count=2).words == \
        ['a', 'b', 'c']
    assert CaptionVocabulary.from_captions(captions, max_words=1).words == \
        ['a']
    with pytest.raises(ValueError, match='special tokens'):
        CaptionVocabulary(['a', '<eos>'])
    with pytest.raises(ValueError, match='twice'):
        CaptionVocabulary(['a', 'b', 'a'])


# -- decoder ----------------------------------------------------------------


def tiny_decoder(vocab_size=len(WORDS) + 4, max_length=8, seed=0):
    torch.manual_seed(seed)
    decoder = MODELS.build(
        dict(
            type='CaptionTransformerDecoder',
            vocab_size=vocab_size,
            embed_dims=16,
            num_layers=2,
            num_heads=2,
            feedforward_channels=32,
            dropout=0.0,
            max_length=max_length))
    decoder.init_weights()
    return decoder.eval()


def test_decoder_is_causal():
    """The logits at position i never change with the tokens after i, and
    do change with the token at i."""
    decoder = tiny_decoder()
    memory = torch.randn(1, 5, 16)
    tokens = torch.tensor([[1, 4, 5, 6, 7, 8, 9]])
    logits = decoder(tokens, memory)
    for position in range(1, tokens.size(1)):
        changed = tokens.clone()
        changed[0, position] = 11 if tokens[0, position] != 11 else 10
        other = decoder(changed, memory)
        torch.testing.assert_close(other[:, :position], logits[:, :position])
        assert not torch.allclose(other[:, position], logits[:, position])
    # padding later in the sequence changes nothing before it either
    padded = tokens.clone()
    padded[0, 4:] = 0
    torch.testing.assert_close(decoder(padded, memory)[:, :4], logits[:, :4])


def test_beam_search_of_one_beam_is_greedy_search():
    decoder = tiny_decoder(seed=1)
    memory = torch.randn(6, 5, 16)
    greedy = decoder.greedy_search(memory)
    beam = decoder.beam_search(memory, beam_size=1)
    assert torch.equal(greedy, beam)
    # greedy by hand: the argmax word after each prefix
    for row in greedy:
        prefix = row[:1]
        for token in row[1:]:
            if prefix[-1] in (decoder.eos_id, decoder.pad_id):
                assert token == decoder.pad_id
            else:
                logits = decoder(prefix[None], memory[:1])[0, -1]
                logits[[decoder.pad_id, decoder.bos_id]] = -math.inf
                assert token == logits.argmax()
            prefix = torch.cat([prefix, token[None]])
        break


def sequence_log_prob(decoder, memory, words):
    """log p(words, <eos> | memory), one position at a time."""
    tokens = torch.tensor([[decoder.bos_id] + words])
    logits = decoder(tokens, memory)[0].float()
    logits[:, [decoder.pad_id, decoder.bos_id]] = -math.inf
    log_probs = logits.log_softmax(-1)
    targets = words + [decoder.eos_id]
    return sum(log_probs[i, t].item() for i, t in enumerate(targets))


@pytest.mark.parametrize('length_penalty', [0.0, 1.0])
def test_wide_beam_search_finds_the_best_caption(length_penalty):
    """With a beam wider than all partial captions, beam search is
    exhaustive: compare with every caption of up to 2 words, scored by
    hand (sum of log-probabilities / length ** penalty)."""
    vocab_size, max_length = 7, 4  # 3 words + <unk>; <bos> + 2 + <eos>
    decoder = tiny_decoder(vocab_size, max_length, seed=0)
    with torch.no_grad():  # flatter word distributions than at init
        decoder.word_embedding.weight.mul_(0.2)
    memory = torch.randn(1, 3, 16)
    choices = [3, 4, 5, 6]
    best, best_score = None, -math.inf
    for length in range(0, 3):
        for words in itertools.product(choices, repeat=length):
            score = sequence_log_prob(decoder, memory, list(words)) / (
                (length + 1)**length_penalty)
            if score > best_score:
                best, best_score = list(words), score
    # captions that run out of room (no <eos> within max_length) also
    # compete: 3 words without an end
    for words in itertools.product(choices, repeat=3):
        tokens = torch.tensor([[decoder.bos_id] + list(words[:2])])
        logits = decoder(tokens, memory)[0].float()
        logits[:, [decoder.pad_id, decoder.bos_id]] = -math.inf
        log_probs = logits.log_softmax(-1)
        score = sum(log_probs[i, t].item()
                    for i, t in enumerate(words)) / (3**length_penalty)
        if score > best_score:
            best, best_score = list(words), score
    found = decoder.beam_search(
        memory, beam_size=64, length_penalty=length_penalty)[0].tolist()
    found_words = [t for t in found[1:] if t not in (0, decoder.eos_id)]
    assert found_words == best
    # the case is one where the greedy choice is not the best
    greedy = decoder.greedy_search(memory)[0].tolist()
    assert [t for t in greedy[1:] if t not in (0, decoder.eos_id)] != best


# -- captioner --------------------------------------------------------------


def tiny_captioner(**kwargs):
    torch.manual_seed(0)
    cfg = dict(
        type='GridCaptioner',
        backbone=dict(
            type='ResNet',
            depth=18,
            pretrained=None,
            norm_eval=False,
            out_indices=(1, )),
        visual_channels=128,
        decoder=dict(
            type='CaptionTransformerDecoder',
            embed_dims=16,
            num_layers=1,
            num_heads=2,
            feedforward_channels=32,
            dropout=0.0,
            max_length=10),
        vocabulary=dict(words=WORDS),
        beam_size=2,
        data_preprocessor=dict(
            type='ActionDataPreprocessor',
            mean=[0, 0, 0],
            std=[1, 1, 1],
            format_shape='NCHW'))
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def samples(*captions):
    out = []
    for index, references in enumerate(captions):
        sample = ActionDataSample()
        sample.gt_captions = list(references)
        sample.set_metainfo(dict(video_id=f'v{index}'))
        out.append(sample)
    return out


def test_grid_positions_code_row_major_cells():
    """Row y * w + x is the sine-cosine code of (x, y): the first half of
    the channels codes x, the second y (MMPretrain's formula, by hand)."""
    dims, height, width = 8, 2, 3
    table = grid_positions(height, width, dims)
    omega = 1.0 / 10000**(torch.arange(2) / 2)
    for y in range(height):
        for x in range(width):
            expected = torch.cat([
                torch.sin(x * omega),
                torch.cos(x * omega),
                torch.sin(y * omega),
                torch.cos(y * omega)
            ])
            torch.testing.assert_close(table[y * width + x], expected)


def test_tokens_are_feature_map_cells_and_mean_is_order_free():
    grid_model = tiny_captioner().eval()
    grids = torch.randn(2, 1, 3, 64, 64)
    # ResNet-18 up to stage 2 (stride 8): an 8x8 map, 64 tokens
    assert grid_model.extract_feat(grids).shape == (2, 64, 16)
    pooled = tiny_captioner(token_shape=(4, 4)).eval()
    assert pooled.extract_feat(grids).shape == (2, 16, 16)
    with pytest.raises(ValueError, match='num_views=1'):
        grid_model.extract_feat(torch.randn(2, 2, 3, 64, 64))

    mean_model = tiny_captioner(frame_aggregation='mean').eval()
    frames = torch.randn(2, 5, 3, 32, 32)
    shuffled = frames[:, torch.tensor([3, 0, 4, 1, 2])]
    torch.testing.assert_close(
        mean_model.extract_feat(frames), mean_model.extract_feat(shuffled))
    # and the grid tokens do follow the order of the cells
    quadrants = grids.unflatten(-1, (2, 32)).unflatten(-3, (2, 32))
    swapped = quadrants.flip(-4).flatten(-4, -3).flatten(-2, -1)
    assert not torch.allclose(
        grid_model.extract_feat(grids), grid_model.extract_feat(swapped))


def test_loss_trains_on_every_caption_and_predict_writes_captions():
    model = tiny_captioner()
    batch = samples(['a red circle moves to the left', 'the circle left'],
                    ['a red circle moves to the right'])
    captions, owners = model.training_captions(batch)
    assert captions == [
        'a red circle moves to the left', 'the circle left',
        'a red circle moves to the right'
    ]
    assert owners.tolist() == [0, 0, 1]
    losses = model(torch.randn(2, 1, 3, 64, 64), batch, mode='loss')
    # untrained: about the cross-entropy of a uniform guess over the tokens
    assert abs(losses['loss_caption'].item() - math.log(len(WORDS) + 4)) < 1
    losses['loss_caption'].backward()
    assert model.backbone.conv1.conv.weight.grad.abs().sum() > 0

    one = tiny_captioner(captions_per_video=1)
    captions, owners = one.training_captions(batch)
    assert len(captions) == 2 and owners.tolist() == [0, 1]
    assert captions[0] in batch[0].gt_captions

    model.eval()
    predicted = model(torch.randn(2, 1, 3, 64, 64), batch, mode='predict')
    for sample in predicted:
        assert isinstance(sample.pred_caption, str)
        assert set(sample.pred_caption.split()) <= set(WORDS) | {'<unk>'}


def test_vocabulary_is_saved_with_the_weights(tmp_path):
    model = tiny_captioner()
    state = model.state_dict()
    assert vocabulary_from_checkpoint(dict(state_dict=state)) == WORDS
    torch.save(dict(state_dict=state), tmp_path / 'captioner.pth')
    assert vocabulary_from_checkpoint(str(tmp_path / 'captioner.pth')) == \
        WORDS
    # a model of another vocabulary of the same size refuses the weights
    other = tiny_captioner(vocabulary=dict(words=WORDS[::-1]))
    with pytest.raises(ValueError, match='first difference at id 4'):
        other.load_state_dict(state)
    same = tiny_captioner(vocabulary=dict(words=list(WORDS)))
    same.load_state_dict(state)


def test_backbone_from_a_checkpoint_frozen(tmp_path):
    source = tiny_captioner()
    torch.nn.init.constant_(source.backbone.conv1.conv.weight, 0.5)
    scfa_like = {
        f'backbone.{key}': value
        for key, value in source.backbone.state_dict().items()
    }
    scfa_like['neck.fc.weight'] = torch.zeros(2, 2)
    path = tmp_path / 'scfa.pth'
    torch.save(dict(state_dict=scfa_like), path)
    model = tiny_captioner(backbone_checkpoint=str(path), freeze_backbone=True)
    assert torch.equal(model.backbone.conv1.conv.weight,
                       torch.full_like(model.backbone.conv1.conv.weight, .5))
    model.train()
    assert not model.backbone.training and model.decoder.training
    assert not any(p.requires_grad for p in model.backbone.parameters())

    torch.save(dict(state_dict={'neck.fc.weight': torch.zeros(1)}), path)
    with pytest.raises(ValueError, match='no backbone'):
        tiny_captioner(backbone_checkpoint=str(path))

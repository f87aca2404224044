"""Whether generated captions name the right class by its keywords."""
from typing import Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

import numpy as np
import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from scfa_mm.datasets.caption_text import tokenize_caption


@METRICS.register_module()
class CaptionKeywordMetric(BaseMetric):
    """Share of generated captions that name their video's class by one of
    its keywords and no other class's.

    On the synthetic set (``tools/data/make_synthetic.py``) the keywords
    are the motion words of ``MOTION_KEYWORDS`` ("right" / "left",
    "grows" / "shrinks" ...): the classes of a pair differ only in frame
    order, so a caption model blind to it names the wrong twin about half
    of the time.

    A caption and the keywords are cut into words by
    :func:`~scfa_mm.datasets.caption_text.tokenize_caption` (case and
    punctuation do not matter); a keyword, one word or a phrase, is named
    where its words occur in a row. An occurrence inside a longer named
    keyword of another class does not count: with ``'clockwise'`` for one
    class and ``'counter clockwise'`` for another, "turns counter-clockwise"
    names only the second.

    - ``keyword_acc``: the share of captions that name a keyword of their
      class and none of another class.
    - ``keyword_missing``: the share that name no class's keyword.
    - ``keyword_acc/<name>``: ``keyword_acc`` over the captions of each
      class (with ``class_names``; classes without samples are left out).

    Each data sample needs ``pred_caption`` (str) and ``gt_label`` (int or
    a tensor of shape ``(1, )``); ``video_id`` names it in errors.

    Args:
        keywords (Sequence[Sequence[str]] | Mapping[str, Sequence[str]]):
            Per class index, its keywords; or a mapping from class name to
            its keywords, with ``class_names``.
        class_names (Sequence[str], optional): The class names in label
            order: they name the per-class keys, and they order a mapping
            of ``keywords``, which needs them (a mapping's own order is no
            label order: MMEngine sorts a config's dict keys when it dumps
            the config, as ``tools/train.py`` does into the work dir).
        collect_device (str): See :class:`BaseMetric`. Defaults to 'cpu'.
        prefix (str, optional): See :class:`BaseMetric`.
    """

    default_prefix = 'caption'

    def __init__(self,
                 keywords: Union[Sequence[Sequence[str]],
                                 Mapping[str, Sequence[str]]],
                 class_names: Optional[Sequence[str]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if isinstance(keywords, Mapping):
            if class_names is None:
                raise ValueError(
                    'CaptionKeywordMetric: keywords given by class name '
                    f'({sorted(keywords)}) need class_names, the classes in '
                    'label order (a dict keeps no order through a dumped '
                    'config)')
            if sorted(keywords) != sorted(class_names):
                raise ValueError(
                    f'CaptionKeywordMetric: the classes of keywords '
                    f'({sorted(keywords)}) are not class_names '
                    f'({sorted(class_names)})')
            keywords = [keywords[name] for name in class_names]
        if isinstance(keywords, str) or not len(keywords):
            raise ValueError(f'CaptionKeywordMetric: keywords must be a '
                             f'non-empty list of keyword lists, one per '
                             f'class, got {keywords!r}')
        self.keywords: List[List[Tuple[str, ...]]] = []
        owner: Dict[Tuple[str, ...], int] = dict()
        for label, words in enumerate(keywords):
            if isinstance(words, str) or not len(words):
                raise ValueError(
                    f'CaptionKeywordMetric: keywords[{label}] must be a '
                    f'non-empty list of keywords, got {words!r}')
            phrases = []
            for word in words:
                phrase = tuple(tokenize_caption(word))
                if not phrase:
                    raise ValueError(
                        f'CaptionKeywordMetric: keyword {word!r} of class '
                        f'{label} has no word (tokenize_caption: letters '
                        f'and digits)')
                if owner.get(phrase, label) != label:
                    raise ValueError(
                        f'CaptionKeywordMetric: keyword {word!r} of class '
                        f'{label} is also a keyword of class '
                        f'{owner[phrase]}; a keyword must name one class')
                owner[phrase] = label
                phrases.append(phrase)
            self.keywords.append(phrases)
        if class_names is not None and len(class_names) != len(keywords):
            raise ValueError(f'CaptionKeywordMetric: {len(class_names)} '
                             f'class_names for {len(keywords)} classes of '
                             f'keywords')
        self.class_names = class_names

    def named_classes(self, caption: str) -> Set[int]:
        """The classes whose keywords ``caption`` names."""
        words = tokenize_caption(caption)
        found = []  # (start, end, class) of every occurrence
        for label, phrases in enumerate(self.keywords):
            for phrase in phrases:
                for start in range(len(words) - len(phrase) + 1):
                    if tuple(words[start:start + len(phrase)]) == phrase:
                        found.append((start, start + len(phrase), label))
        return {
            label
            for start, end, label in found
            if not any(s <= start and end <= e and e - s > end - start
                       for s, e, _ in found)
        }

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            video = sample.get('video_id', '(no video_id)')
            if sample.get('gt_label') is None:
                raise KeyError(f'CaptionKeywordMetric: the sample of video '
                               f'{video} has no gt_label (keys: '
                               f'{sorted(sample)}); the metric needs '
                               f'labelled captions')
            if 'pred_caption' not in sample:
                raise KeyError(f'CaptionKeywordMetric: the sample of video '
                               f'{video} has no pred_caption (keys: '
                               f'{sorted(sample)})')
            label = torch.as_tensor(sample['gt_label']).reshape(-1)
            if label.numel() != 1 or not 0 <= int(label[0]) < len(
                    self.keywords):
                raise ValueError(
                    f'CaptionKeywordMetric: gt_label {label.tolist()} of '
                    f'video {video} is not one class index in [0, '
                    f'{len(self.keywords)}), the classes of keywords')
            label = int(label[0])
            named = self.named_classes(sample['pred_caption'])
            self.results.append((label, named == {label}, not named))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        if not results:
            return dict()
        labels = np.array([label for label, _, _ in results])
        right = np.array([right for _, right, _ in results])
        metrics = dict(
            keyword_acc=float(right.mean()),
            keyword_missing=float(np.mean([m for _, _, m in results])))
        for label, name in enumerate(self.class_names or ()):
            if (labels == label).any():
                metrics[f'keyword_acc/{name}'] = float(
                    right[labels == label].mean())
        return metrics

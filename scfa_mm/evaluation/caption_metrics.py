"""Caption metrics of the COCO caption evaluation: BLEU, ROUGE-L, CIDEr-D
and METEOR, scored by pycocoevalcap's own scorers."""
import functools
import logging
import shutil
import subprocess
from typing import Dict, List, Optional, Sequence, Tuple

from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.meteor.meteor import Meteor
from pycocoevalcap.rouge.rouge import Rouge

from ..datasets.caption_text import tokenize_caption

# (video_id, predicted caption, reference captions), as collected by process
CaptionResult = Tuple[str, str, List[str]]

_NO_JAVA = ("METEOR needs a Java runtime (the 'java' command, which runs "
            "pycocoevalcap's meteor-1.5.jar) and none was found on PATH")


@functools.lru_cache(maxsize=None)
def _java_runtime_found() -> bool:
    """Whether the ``java`` command that pycocoevalcap's METEOR starts runs.

    Asked once per process: ``java -version`` costs a JVM start.
    """
    java = shutil.which('java')
    if java is None:
        return False
    try:
        return subprocess.run([java, '-version'],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _close_meteor(scorer: Meteor) -> str:
    """End the java process of a METEOR scorer and return its stderr.

    ``Meteor.__del__`` would do it only when the object is collected, and
    it waits on the scorer's lock, which ``compute_score`` leaves held
    when the process died under it: release it, so that ``__del__`` (run
    later on a dead process) cannot block.
    """
    process = scorer.meteor_p
    if process.stdin:
        try:
            process.stdin.close()
        except OSError:  # a broken pipe to a process that died
            pass
    process.kill()
    process.wait()
    stderr = process.stderr.read().decode(errors='replace') \
        if process.stderr else ''
    for stream in (process.stdout, process.stderr):
        if stream:
            stream.close()
    if scorer.lock.locked():
        scorer.lock.release()
    return stderr


@METRICS.register_module()
class VideoCaptionMetric(BaseMetric):
    """BLEU-1..4, ROUGE-L, CIDEr(-D) and METEOR of generated video captions.

    The figures of the COCO caption evaluation, from pycocoevalcap's own
    scorers (not reimplemented), so that they compare with published
    MSR-VTT / MSVD numbers:

    - ``BLEU-1`` .. ``BLEU-4``: corpus-level BLEU (clipped n-gram counts
      and lengths summed over all videos, brevity penalty with the
      reference length closest to each hypothesis).
    - ``ROUGE-L``: LCS F-measure (beta 1.2) against the best reference,
      averaged over the videos.
    - ``CIDEr``: coco-caption's CIDEr-D (clipped tf-idf n-gram cosine,
      n = 1..4, Gaussian length penalty sigma 6, x10), mean over videos.
      The idf comes from the references of the evaluated videos, so the
      score depends on the whole set: a set of one video scores 0.
    - ``METEOR``: METEOR 1.5 (``-l en -norm``) through pycocoevalcap's
      bundled ``meteor-1.5.jar``, which needs a Java runtime. It is the
      jar's system-level score (statistics summed over the videos), not a
      mean of per-video scores.

    All are fractions (x100 for the usual tables; CIDEr lies in [0, 10]).

    Tokenization is ours, not coco's Java PTBTokenizer: every hypothesis and
    reference is cut by
    :func:`~scfa_mm.datasets.caption_text.tokenize_caption` (lower case,
    punctuation dropped) and joined by single spaces before scoring. The
    scorers therefore never see ``|||`` or line breaks, which would corrupt
    METEOR's line protocol. SPICE is not computed.

    An empty predicted caption scores 0 (it has no words). Each video must
    come once, with at least one reference caption that has words.

    Args:
        meteor (bool, optional): None: compute METEOR when a Java runtime
            is found, else leave it out with one warning; True: required
            (error without Java); False: never. METEOR starts a JVM that
            loads a large paraphrase table: 10-20 s and about 1.5 GB of
            memory per evaluation. Defaults to None.
        collect_device (str): See :class:`BaseMetric`. Defaults to 'cpu'.
        prefix (str, optional): See :class:`BaseMetric`; 'caption' if
            None.
    """

    default_prefix = 'caption'

    def __init__(self,
                 meteor: Optional[bool] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if meteor is not None and not isinstance(meteor, bool):
            raise ValueError(f'VideoCaptionMetric: meteor must be one of '
                             f'(None, True, False), got {meteor!r}')
        if meteor and not _java_runtime_found():
            raise RuntimeError(_NO_JAVA +
                               '; install Java 8 or newer, or set meteor='
                               'None (METEOR when Java is there) or False')
        self.meteor = meteor
        self._warned_no_java = False

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        """Keep each sample's video id, predicted and reference captions.

        Args:
            data_batch: Unused.
            data_samples (Sequence[dict]): Model outputs with
                ``pred_caption`` (str), ``gt_captions`` (list[str]) and
                ``video_id`` (str).
        """
        for sample in data_samples:
            missing = [
                key for key in ('video_id', 'pred_caption', 'gt_captions')
                if key not in sample
            ]
            if missing:
                raise KeyError(f'VideoCaptionMetric: a data sample lacks '
                               f'{missing}; it has {sorted(sample.keys())}')
            video_id = sample['video_id']
            if not isinstance(video_id, str):
                raise TypeError(f'VideoCaptionMetric: video_id must be a '
                                f'str, got {type(video_id).__name__}: '
                                f'{video_id!r}')
            captions = sample['gt_captions']
            if isinstance(captions, str):
                raise TypeError(f'VideoCaptionMetric: gt_captions of video '
                                f'{video_id!r} must be a list of str, got '
                                f'one str: {captions!r}')
            self.results.append(
                (video_id, sample['pred_caption'], list(captions)))

    def compute_metrics(self,
                        results: List[CaptionResult]) -> Dict[str, float]:
        """Score all collected captions.

        Args:
            results (list[tuple]): ``(video_id, pred_caption, gt_captions)``
                of every video.

        Returns:
            dict: ``BLEU-1`` .. ``BLEU-4``, ``ROUGE-L``, ``CIDEr`` and,
            unless left out, ``METEOR``.
        """
        gts, res = _tokenized(results)
        bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
        metrics = {f'BLEU-{n + 1}': float(bleu[n]) for n in range(4)}
        metrics['ROUGE-L'] = float(Rouge().compute_score(gts, res)[0])
        metrics['CIDEr'] = float(Cider().compute_score(gts, res)[0])
        if self.meteor or (self.meteor is None and _java_runtime_found()):
            metrics['METEOR'] = _meteor(gts, res)
        elif self.meteor is None and not self._warned_no_java:
            print_log(
                f'VideoCaptionMetric: METEOR skipped: {_NO_JAVA}; install '
                f'Java 8 or newer for METEOR, or set meteor=False',
                logger='current',
                level=logging.WARNING)
            self._warned_no_java = True
        return metrics


def _tokenized(
    results: List[CaptionResult]
) -> Tuple[Dict[str, List[str]], Dict[str, List[str]]]:
    """The scorers' inputs: references and the one hypothesis by video id,
    tokenized and joined by single spaces."""
    if not results:
        raise ValueError('VideoCaptionMetric: no caption to score: the '
                         'evaluation collected no data sample')
    gts, res = dict(), dict()
    for video_id, prediction, references in results:
        if video_id in res:
            raise ValueError(f'VideoCaptionMetric: video {video_id!r} comes '
                             f'more than once in the results; a video must '
                             f'be scored once (is it listed twice in the '
                             f'annotation file?)')
        if not references:
            raise ValueError(f'VideoCaptionMetric: video {video_id!r} has '
                             f'no reference caption (gt_captions is empty)')
        gts[video_id] = []
        for caption in references:
            words = _words(caption, video_id, 'reference caption')
            if not words:
                raise ValueError(f'VideoCaptionMetric: reference caption '
                                 f'{caption!r} of video {video_id!r} has no '
                                 f'word')
            gts[video_id].append(' '.join(words))
        res[video_id] = [
            ' '.join(_words(prediction, video_id, 'pred_caption'))
        ]
    return gts, res


def _words(caption: str, video_id: str, what: str) -> List[str]:
    try:
        return tokenize_caption(caption)
    except TypeError as error:
        raise TypeError(f'VideoCaptionMetric: {what} of video '
                        f'{video_id!r}: {error}') from None


def _meteor(gts: Dict[str, List[str]], res: Dict[str, List[str]]) -> float:
    """METEOR 1.5 of the set, its java process ended before returning."""
    scorer = Meteor()
    try:
        score, _ = scorer.compute_score(gts, res)
    except (OSError, ValueError) as error:
        # the process died (no memory for its 2 GB heap, say): the scorer
        # then reads an empty line or writes to a closed pipe
        stderr = _close_meteor(scorer).strip()[-2000:]
        raise RuntimeError(f'VideoCaptionMetric: the METEOR java process '
                           f'({" ".join(scorer.meteor_cmd)}) failed: '
                           f'{error!r}; its stderr: {stderr}') from error
    finally:
        if scorer.meteor_p.returncode is None:
            _close_meteor(scorer)
    return float(score)

"""Test predictions dumped in a format that reading cannot run code."""
from typing import Any, Dict, List, Optional, Sequence

from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from ..utils.build import dumpable, save_dump

# The file names a dump may have: torch.save files. A .pkl name would
# suggest a pickle, which the readers refuse.
DUMP_SUFFIXES = ('.pt', '.pth')


@METRICS.register_module()
class SafeDumpResults(BaseMetric):
    """Dump the predictions of every test video, for offline analysis.

    A replacement for MMEngine's ``DumpResults``, whose pickle runs any
    code a crafted file holds when it is read. This one keeps tensors,
    numbers and strings only (numpy arrays as tensors; other objects
    dropped) and writes them with ``torch.save``; the readers
    (:func:`~scfa_mm.utils.build.load_dump`, ``read_test_dump``, the
    ``gallery_dump`` of the embedding metrics, ``tools/analysis``) load
    them with ``torch.load(weights_only=True)``. ``tools/test.py --dump
    FILE.pt`` adds it to the test evaluators.

    The file holds ``samples`` (one dict per video: ``gt_label``,
    ``pred_score``, ``embedding`` or ``frame_embeddings``, and the metainfo
    that ``PackActionInputs`` keeps) and ``skipped`` (the names of
    unreadable videos that a ``SkipUnreadableSamples`` test set left out).

    Args:
        out_file_path (str): Where to write; ends with ``.pt`` or ``.pth``.
        collect_device (str): ``'cpu'`` or ``'gpu'``, to gather the ranks'
            results. Defaults to ``'cpu'``.
        collect_dir (str, optional): Directory to gather through, with
            ``collect_device='cpu'``. Defaults to None.
    """

    def __init__(self,
                 out_file_path: str,
                 collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device, collect_dir=collect_dir)
        if not str(out_file_path).endswith(DUMP_SUFFIXES):
            raise ValueError(
                f'SafeDumpResults: out_file_path must end with one of '
                f'{DUMP_SUFFIXES} (a torch.save file of tensors, read '
                f'weights-only), got {out_file_path!r}')
        self.out_file_path = str(out_file_path)

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        # plain data now: what reaches compute_metrics is gathered from the
        # ranks, and only plain data goes into the file
        self.results.extend(dumpable(dict(s)) for s in data_samples)

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        skipped = skipped_names(results)
        for sample in results:
            sample.pop('skipped_unreadable', None)
        save_dump(results, self.out_file_path, skipped=skipped)
        print_log(
            f'{len(results)} predictions dumped to {self.out_file_path}' +
            (f' ({len(skipped)} unreadable videos left out)'
             if skipped else ''),
            logger='current')
        return {}


def skipped_names(results: List[Dict]) -> List[str]:
    """The unreadable videos that ``SkipUnreadableSamples`` left out of the
    batches of these results (a kept sample of each batch carries them)."""
    names = []
    for sample in results:
        names.extend(sample.get('skipped_unreadable', []))
    return sorted(set(names))

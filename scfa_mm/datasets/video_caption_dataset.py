"""Videos with several reference captions each, for captioning."""
import json
import os.path as osp
from typing import Callable, List, Union

from mmaction.datasets import BaseActionDataset
from mmaction.registry import DATASETS
from mmengine.fileio import get_text
from mmengine.utils import is_str

REQUIRED_KEYS = ('video', 'video_id', 'captions')


class CaptionAnnotationError(ValueError):
    """A caption annotation file that training would misread."""


@DATASETS.register_module()
class VideoCaptionDataset(BaseActionDataset):
    """Videos and their reference captions, from a JSON list.

    The annotation file (written by ``tools/data/msrvtt/prepare_captions.py``,
    ``tools/data/msvd/prepare_captions.py`` and
    ``tools/data/make_synthetic.py``) is a JSON list with one record per
    video::

        [{"video": "video7010.mp4", "video_id": "video7010",
          "captions": ["a man is talking about a car", ...],
          "label": 3},
         ...]

    ``video`` is relative to ``data_prefix['video']``; ``label`` (a class
    index) is optional. Every sample yields one video: the data info holds
    all its captions under ``gt_captions``, and the captioner picks the ones
    it trains on (so that every epoch sees every video once, whatever the
    number of captions per video).

    Args:
        ann_file (str): The JSON annotation file.
        pipeline (list[dict | callable]): The processing pipeline.
        data_prefix (dict): ``dict(video=...)``, the folder of the videos.
        test_mode (bool): Whether the dataset is for evaluation.
        **kwargs: Other arguments of ``BaseActionDataset``.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 data_prefix: dict = dict(video=''),
                 test_mode: bool = False,
                 **kwargs) -> None:
        super().__init__(
            ann_file,
            pipeline=pipeline,
            data_prefix=data_prefix,
            test_mode=test_mode,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read and check every record of ``ann_file``.

        Raises:
            CaptionAnnotationError: The file is not a JSON list of records
                with a video, a unique video id and a non-empty list of
                non-empty captions; the message names the file and the
                record.
        """
        try:
            records = json.loads(get_text(self.ann_file))
        except (OSError, ValueError) as error:
            raise CaptionAnnotationError(
                f'cannot read the caption annotations {self.ann_file}: '
                f'{error}') from error
        if not isinstance(records, list) or not records:
            raise CaptionAnnotationError(
                f'{self.ann_file}: expected a non-empty JSON list of records '
                f'with keys {REQUIRED_KEYS}, got '
                f'{type(records).__name__} of length {len(records)}')
        seen = dict()
        data_list = []
        for index, record in enumerate(records):
            where = f'{self.ann_file}, record {index}'
            if not isinstance(record, dict):
                raise CaptionAnnotationError(
                    f'{where}: expected an object, got {record!r}')
            missing = [key for key in REQUIRED_KEYS if key not in record]
            if missing:
                raise CaptionAnnotationError(
                    f'{where}: missing {missing} (a record needs '
                    f'{REQUIRED_KEYS}); got keys {sorted(record)}')
            captions = record['captions']
            if not isinstance(captions, list) or not captions or not all(
                    is_str(c) and c.strip() for c in captions):
                raise CaptionAnnotationError(
                    f'{where} (video {record["video"]!r}): "captions" must '
                    f'be a non-empty list of non-empty strings, got '
                    f'{captions!r}')
            video_id = str(record['video_id'])
            if video_id in seen:
                raise CaptionAnnotationError(
                    f'{where}: video_id {video_id!r} is also record '
                    f'{seen[video_id]}; a video must be listed once, with '
                    f'all its captions')
            seen[video_id] = index
            info = dict(
                filename=osp.join(self.data_prefix['video'], record['video']),
                video_id=video_id,
                gt_captions=list(captions))
            if 'label' in record:
                label = record['label']
                if not isinstance(label, int) or isinstance(label, bool):
                    raise CaptionAnnotationError(
                        f'{where}: "label" must be an int class index, got '
                        f'{label!r}')
                info['label'] = label
            data_list.append(info)
        return data_list

    def all_captions(self) -> List[str]:
        """Every reference caption of the set, in file order (what a
        vocabulary is built from)."""
        return [
            caption for index in range(len(self))
            for caption in self.get_data_info(index)['gt_captions']
        ]

    @staticmethod
    def read_captions(ann_file: str) -> List[str]:
        """Every caption of an annotation file, checked as the dataset
        checks it, without building a pipeline."""
        return VideoCaptionDataset(
            ann_file, pipeline=[], lazy_init=False).all_captions()


__all__ = ['CaptionAnnotationError', 'VideoCaptionDataset']

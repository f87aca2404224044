"""Which MMAction2 recognizers can take the grid images of ``GridAggregate``,
checked from a config before anything is built.

A grid pipeline ends every view in one image: a sample is ``(V, 3, H, W)``
(``V`` grids per sample, times the crops of ``ThreeCrop``/``TenCrop``),
packed by ``FormatShape(input_format='NCHW')``. Recognizers that take images
take it; recognizers of clips, skeletons or audio fail later with shape
errors that do not name the cause, and TSM-like models whose
``num_segments`` differs from ``V`` fail, or group images of different
videos, depending on the batch size. ``docs/upstream_recognizers.md``
explains which recognizers fit and why.
"""
import inspect
import logging
from typing import Iterator, List, Optional, Sequence, Tuple

from mmaction.registry import MODELS, TRANSFORMS
from mmengine.config import Config
from mmengine.logging import print_log

#: Transforms that replace the frames of each view by one grid image.
GRID_TRANSFORMS = ('GridAggregate', )
#: Recognizers that take images, one grid per view.
GRID_RECOGNIZERS = ('Recognizer2D', 'SCFARecognizer')
#: Recognizers that cannot take grid images -> what they expect instead.
CLIP_RECOGNIZERS = {
    'Recognizer3D':
    'clips of consecutive frames, (N, C, T, H, W) from '
    "FormatShape(input_format='NCTHW')",
    'MMRecognizer3D':
    'clips of several modalities, (N, C, T, H, W) each',
    'RecognizerGCN':
    'skeleton keypoint sequences',
    'RecognizerAudio':
    'audio features',
    'CVRL':
    'clips of consecutive frames for its 3D backbone, '
    '(B, V, 3, T, H, W)',
    'CARL':
    'sequences of frames for its frame-wise encoder, '
    '(B, V, 3, T, H, W)',
}
DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_DOC = 'docs/upstream_recognizers.md'
_FITS = ('A grid fits recognizers that take images: Recognizer2D (TSN; '
         'TSM, TIN, TANet and TRN with num_segments equal to the grids per '
         'sample) and SCFARecognizer')


def _type_name(type_: object) -> str:
    """``'GridAggregate'`` of ``'GridAggregate'``, ``'mmaction.
    GridAggregate'`` or the class itself."""
    if isinstance(type_, type):
        return type_.__name__
    return str(type_).split('.')[-1]


def _class_of(registry, cfg: Optional[dict]) -> Optional[type]:
    """The class a module or transform config names; None if unknown."""
    if not isinstance(cfg, dict) or 'type' not in cfg:
        return None
    if isinstance(cfg['type'], type):
        return cfg['type']
    try:
        return registry.get(cfg['type'])
    except Exception:  # an unregistered or foreign (e.g. timm.) name
        return None


def _argument(cls: type, cfg: dict, name: str) -> Optional[object]:
    """``cfg[name]`` or, if unset, the default of ``cls.__init__``'s
    argument ``name``; None when the class has no such argument (or no
    default)."""
    parameters = inspect.signature(cls.__init__).parameters
    if name not in parameters:
        return None
    if name in cfg:
        return cfg[name]
    default = parameters[name].default
    return None if default is inspect.Parameter.empty else default


def _is_subclass_of(cls: Optional[type], names: Sequence[str]) -> str:
    """The first of ``names`` that ``cls`` is (a subclass of); ''."""
    if cls is None:
        return ''
    for klass in cls.__mro__:
        if klass.__name__ in names:
            return klass.__name__
    return ''


def _pipelines(dataset: Optional[dict]) -> Iterator[List[dict]]:
    """The pipelines of a dataset config and of the datasets it wraps
    (``RepeatDataset``, ``ConcatDataset`` ...)."""
    if not isinstance(dataset, dict):
        return
    if dataset.get('pipeline'):
        yield list(dataset['pipeline'])
    yield from _pipelines(dataset.get('dataset'))
    for inner in dataset.get('datasets') or ():
        yield from _pipelines(inner)


def _is_grid(transform: dict) -> bool:
    """Whether a transform, or a wrapper's sub-pipeline, makes grids."""
    if not isinstance(transform, dict):
        return False
    if _type_name(transform.get('type')) in GRID_TRANSFORMS:
        return True
    return any(_is_grid(t) for t in transform.get('transforms') or ())


def _grids_per_sample(transforms: Sequence[dict]) -> Tuple[str, int]:
    """``(sampler, views)`` of the last sampler in ``transforms``: the
    grids a sample has per crop (``num_views`` of ``TemporalMultiView``,
    ``num_clips`` of ``SampleFrames`` and alike); ``('', 0)`` when no known
    sampler is found."""
    for transform in reversed(transforms):
        cls = _class_of(TRANSFORMS, transform)
        if cls is None:
            continue
        for name in ('num_views', 'num_clips'):
            value = _argument(cls, transform, name)
            if isinstance(value, int):
                return f'{cls.__name__}({name}={value})', value
    return '', 0


def _check_pipeline(where: str, pipeline: List[dict], model: dict) -> None:
    """Raise ``ValueError`` if ``model`` cannot take ``pipeline``'s grids."""
    grid_at = next((i for i, t in enumerate(pipeline) if _is_grid(t)), None)
    if grid_at is None:
        return
    grid = _type_name(pipeline[grid_at]['type'])
    recognizer = _class_of(MODELS, model)
    backbone = model.get('backbone') or {}
    model_name = (f"model.type={_type_name(model.get('type'))!r} (backbone "
                  f"{_type_name(backbone.get('type'))!r})")
    makes = (f'{where}: the pipeline tiles the frames of each view into one '
             f'image with {grid} (a sample becomes (views, 3, H, W) images)')
    clip_recognizer = _is_subclass_of(recognizer, tuple(CLIP_RECOGNIZERS))
    if clip_recognizer:
        raise ValueError(
            f'{makes}, but {model_name} cannot take images: it expects '
            f'{CLIP_RECOGNIZERS[clip_recognizer]}. {_FITS}. For this model, '
            f'sample clips (e.g. SampleFrames) without {grid}; to keep the '
            f'grid, use a 2D recognizer (see {_DOC}).')
    formats = [
        t.get('input_format') for t in pipeline[grid_at + 1:]
        if _type_name(t.get('type')) == 'FormatShape'
    ]
    preprocessor = model.get('data_preprocessor') or {}
    for name, value in (('FormatShape(input_format=...) after the grid',
                         formats[0] if formats else None),
                        ('model.data_preprocessor.format_shape',
                         preprocessor.get('format_shape'))):
        if value is not None and value != 'NCHW':
            raise ValueError(f'{makes}, but {name} is {value!r}: grid images '
                             f"are packed as 'NCHW' (see {_DOC}).")
    sampler, views = _grids_per_sample(pipeline[:grid_at])
    for key in ('backbone', 'cls_head'):
        module = model.get(key)
        cls = _class_of(MODELS, module)
        if cls is None:
            continue
        segments = _argument(cls, module, 'num_segments')
        if segments is None:
            continue
        if not views:
            print_log(
                f'{where}: cannot tell how many grids a sample has (no '
                'sampler with num_views or num_clips before the grid), so '
                f'num_segments={segments} of model.{key} '
                f'({cls.__name__}) is not checked',
                logger='current',
                level=logging.WARNING)
        elif segments != views:
            raise ValueError(
                f'{makes}, and {sampler} gives {views} grid(s) per sample, '
                f'but model.{key} ({cls.__name__}) has num_segments='
                f'{segments}: it groups every {segments} consecutive images '
                'as the time steps of one video, so the shapes fail or '
                'images of different videos are mixed. Set num_segments to '
                'the number of grids per sample in model.backbone and '
                f'model.cls_head (one variable for both and the sampler, as '
                f'configs/examples/tsm_r50_grid-sequence_kinetics400.py '
                f'does; see {_DOC}).')


def check_grid_recognizer(cfg: Config,
                          dataloaders: Sequence[str] = DATALOADERS) -> None:
    """Fail early when a grid pipeline meets a model that cannot take it.

    For every dataloader in ``dataloaders`` whose pipeline contains a grid
    transform (:data:`GRID_TRANSFORMS`, also inside wrappers such as
    ``PerView``), checks that

    - the recognizer takes images: not one of :data:`CLIP_RECOGNIZERS`
      (``Recognizer3D`` with I3D, SlowFast, TimeSformer, ...; CVRL; CARL).
      Recognizers the check does not know are let through;
    - the grids are packed as images: ``FormatShape`` after the grid and
      the model's data preprocessor use ``'NCHW'``;
    - every ``num_segments`` of the backbone and the classification head
      (TSM, TIN, TANet, TRN) equals the grids per sample, ``num_views`` of
      ``TemporalMultiView`` or ``num_clips`` of ``SampleFrames``.

    Args:
        cfg (Config): The full config, with ``model`` and the dataloaders.
        dataloaders (Sequence[str]): The dataloader keys to check; missing
            or None ones are skipped. Defaults to all three.

    Raises:
        ValueError: With a sentence naming the dataloader, the grid
            transform, the recognizer and backbone, why they do not fit and
            which recognizers do.
    """
    model = cfg.get('model')
    if not isinstance(model, dict):
        return
    for name in dataloaders:
        loader = cfg.get(name)
        if not isinstance(loader, dict):
            continue
        for pipeline in _pipelines(loader.get('dataset')):
            _check_pipeline(name, pipeline, model)

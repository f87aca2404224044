"""Make ``import mmaction.models`` work on the published mmaction2 1.2.0.

The 1.2.0 wheel and sdist lack the sub-package
``mmaction/models/localizers/drn/`` while ``localizers/__init__.py`` still
imports ``from .drn.drn import DRN``, so the whole model zoo fails to import.
When (and only when) that directory is missing from the installed package,
stand-in modules are put in ``sys.modules`` whose ``DRN`` raises a clear
error if anyone builds it. Every other import error is left untouched.

mmaction2 1.2.0 also imports its multi-modal models (VindLU) whenever
``transformers >= 4.28`` is installed, and so does mmpretrain 1.2.0 (BLIP
and others) when pycocotools is installed too; they import names that
transformers 4.57 and 5 no longer have (``apply_chunking_to_forward`` from
``transformers.modeling_utils``), so the model zoos fail to import beside
them. VindLU also imports timm, which the plugin does not install
(MMPretrain's BLIP, which configs/blip/ uses, needs transformers alone).
There the multi-modal models are registered as the packages' own
placeholders, which raise a clear error when built.
"""
import importlib.metadata
import importlib.util
import os.path as osp
import re
import sys
import types
from typing import Optional

_DRN_PACKAGE = 'mmaction.models.localizers.drn'


class _MissingDRN:
    """Placeholder for the DRN localizer absent from the installed wheel."""

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(
            'DRN is missing from this mmaction2 installation (the published '
            'mmaction2 1.2.0 wheel lacks mmaction/models/localizers/drn/). '
            'Install mmaction2 from source to use it.')


def drn_package_missing() -> bool:
    """Whether the installed mmaction2 lacks ``models/localizers/drn``."""
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.submodule_search_locations is None:
        return False
    package_dir = list(spec.submodule_search_locations)[0]
    localizers_dir = osp.join(package_dir, 'models', 'localizers')
    return (osp.isdir(localizers_dir)
            and not osp.isdir(osp.join(localizers_dir, 'drn')))


def patch_missing_drn() -> bool:
    """Install the DRN stand-in if the installed mmaction2 needs it.

    Returns:
        bool: True if the stand-in was installed.
    """
    if _DRN_PACKAGE in sys.modules or not drn_package_missing():
        return False
    package = types.ModuleType(_DRN_PACKAGE)
    package.__path__ = []  # a package, so that ``.drn.drn`` resolves
    module = types.ModuleType(f'{_DRN_PACKAGE}.drn')
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[_DRN_PACKAGE] = package
    sys.modules[module.__name__] = module
    return True


def multimodal_incompatible(transformers_version: Optional[str],
                            timm_installed: bool = True) -> bool:
    """Whether the multi-modal models of mmaction2 1.2.0 (VindLU) and
    mmpretrain 1.2.0 (BLIP and others) fail to import beside this
    transformers version (None: not installed): they were written for 4.x,
    and 4.57 already lacks names they import. VindLU also imports timm,
    which BLIP does not need (``timm_installed``)."""
    if transformers_version is None:
        return False
    if not timm_installed:
        return True
    release = re.match(r'(\d+)\.(\d+)', transformers_version)
    return release is not None and \
        (int(release[1]), int(release[2])) >= (4, 57)


def patch_incompatible_multimodal() -> bool:
    """Register placeholders instead of importing the multi-modal models
    that cannot import beside the installed transformers: MMAction2's
    (also when timm is missing) and MMPretrain's. Must run before
    ``mmaction.models`` and ``mmpretrain.models`` are imported.

    Returns:
        bool: True if any multi-modal models were replaced by placeholders.
    """
    try:
        version = importlib.metadata.version('transformers')
    except importlib.metadata.PackageNotFoundError:
        version = None
    timm_installed = importlib.util.find_spec('timm') is not None
    patched = False
    if 'mmaction.models' not in sys.modules \
            and multimodal_incompatible(version, timm_installed):
        from mmaction.utils import dependency
        dependency.WITH_MULTIMODAL = False
        patched = True
    if 'mmpretrain.models' not in sys.modules \
            and multimodal_incompatible(version):
        from mmpretrain.utils import dependency
        dependency.WITH_MULTIMODAL = False
        patched = True
    return patched

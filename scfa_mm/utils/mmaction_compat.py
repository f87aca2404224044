"""Make ``import mmaction.models`` work on the published mmaction2 1.2.0.

The 1.2.0 wheel and sdist lack the sub-package
``mmaction/models/localizers/drn/`` while ``localizers/__init__.py`` still
imports ``from .drn.drn import DRN``, so the whole model zoo fails to import.
When (and only when) that directory is missing from the installed package,
stand-in modules are put in ``sys.modules`` whose ``DRN`` raises a clear
error if anyone builds it. Every other import error is left untouched.

mmaction2 1.2.0 also imports its multi-modal models (VindLU) whenever
``transformers >= 4.28`` is installed, and they import names that
transformers 5 no longer has (``apply_chunking_to_forward`` from
``transformers.modeling_utils``), so the model zoo fails to import beside
transformers 5. There the multi-modal models are registered as
MMAction2's own placeholders, which raise a clear error when built.
"""
import importlib.metadata
import importlib.util
import os.path as osp
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


def multimodal_incompatible(transformers_version: Optional[str]) -> bool:
    """Whether mmaction2 1.2.0's VindLU fails to import beside this
    transformers version (None: not installed); it was written for 4.x."""
    if transformers_version is None:
        return False
    major = transformers_version.split('.')[0]
    return major.isdigit() and int(major) >= 5


def patch_incompatible_multimodal() -> bool:
    """Register placeholders instead of importing VindLU when the installed
    transformers is one it cannot import with. Must run before
    ``mmaction.models`` is imported.

    Returns:
        bool: True if the multi-modal models were replaced by placeholders.
    """
    try:
        version = importlib.metadata.version('transformers')
    except importlib.metadata.PackageNotFoundError:
        version = None
    if 'mmaction.models' in sys.modules \
            or not multimodal_incompatible(version):
        return False
    from mmaction.utils import dependency
    dependency.WITH_MULTIMODAL = False
    return True

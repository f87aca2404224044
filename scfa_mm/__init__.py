"""scfa_mm: Supervised Contrastive Frame Aggregation for MMAction2.

Importing the package (or ``custom_imports = dict(imports=['scfa_mm'])``)
registers every component in MMAction2's registries.
"""
from .utils.mmaction_compat import patch_missing_drn

# Must run before anything imports mmaction.models.
patch_missing_drn()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'datasets', 'engine', 'evaluation', 'models']

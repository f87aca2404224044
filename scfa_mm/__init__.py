"""scfa_mm: Supervised Contrastive Frame Aggregation for MMAction2.

Importing the package (or ``custom_imports = dict(imports=['scfa_mm'])``)
registers every component in MMAction2's registries.
"""
import warnings

# Warnings about the pinned stack, not actionable by a user: mmengine 0.10.7
# imports pkg_resources (kept by the setuptools<81 pin), and mmcv-lite has
# no compiled deformable attention, which no model of the plugin uses. They
# are silenced for the plugin's own imports only: a library leaves the
# process's warning filters as it found them. Import scfa_mm before
# mmengine (as tools/ do) for the imports it makes first to be quiet.
with warnings.catch_warnings():
    warnings.filterwarnings(
        'ignore', message='pkg_resources is deprecated', category=UserWarning)
    warnings.filterwarnings(
        'ignore',
        message='Fail to import ``MultiScaleDeformableAttention``',
        category=UserWarning)

    from .utils.mmaction_compat import (patch_incompatible_multimodal,
                                        patch_missing_drn)

    # Must run before anything imports mmaction.models.
    patch_missing_drn()
    patch_incompatible_multimodal()

    from . import datasets, engine, evaluation, models  # noqa: F401
    from .utils.checkpoint import allow_mmengine_checkpoint_globals
    from .version import __version__

# The stock tools (init_recognizer, MMAction2's tools/test.py) load
# checkpoints weights-only on torch >= 2.6: let them read what MMEngine's
# Runner stores beside the weights.
allow_mmengine_checkpoint_globals()

__all__ = ['__version__', 'datasets', 'engine', 'evaluation', 'models']

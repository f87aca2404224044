import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest

from scfa_mm.utils import mmaction_compat

COMPAT_FILE = mmaction_compat.__file__


def test_installed_mmaction_models_import_and_drn_fails_clearly():
    import mmaction.models
    from mmaction.models.localizers import DRN
    assert hasattr(mmaction.models, 'Recognizer2D')
    if not mmaction_compat.drn_package_missing():
        pytest.fail('the pinned mmaction2 1.2.0 wheel is expected to lack '
                    'models/localizers/drn; is another mmaction2 installed?')
    with pytest.raises(ImportError, match='localizers/drn'):
        DRN()


def make_fake_mmaction(root, other_import=''):
    """A package laid out like the broken wheel: no localizers/drn/."""
    files = {
        'mmaction/__init__.py':
        '',
        'mmaction/models/__init__.py':
        'from .localizers import *\n',
        'mmaction/models/localizers/__init__.py':
        'from .drn.drn import DRN\nfrom .bmn import BMN\n',
        'mmaction/models/localizers/bmn.py':
        f'{other_import}\nclass BMN:\n    pass\n',
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def run_with_fake(root):
    script = textwrap.dedent(f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location('compat',
                                                      {COMPAT_FILE!r})
        compat = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(compat)
        print('patched', compat.patch_missing_drn())
        import mmaction.models
        print('models', mmaction.models.BMN.__name__,
              mmaction.models.DRN.__name__)
        """)
    return subprocess.run([sys.executable, '-c', script],
                          cwd=root,
                          env={'PYTHONPATH': str(root)},
                          capture_output=True,
                          text=True)


def test_patch_makes_the_broken_layout_import(tmp_path):
    make_fake_mmaction(tmp_path)
    done = run_with_fake(tmp_path)
    assert done.returncode == 0, done.stderr
    assert 'patched True' in done.stdout
    assert 'models BMN _MissingDRN' in done.stdout


def test_patch_does_not_hide_other_import_errors(tmp_path):
    make_fake_mmaction(tmp_path, other_import='import a_missing_dependency')
    done = run_with_fake(tmp_path)
    assert done.returncode != 0
    assert "No module named 'a_missing_dependency'" in done.stderr


def test_no_patch_when_drn_is_present(tmp_path):
    make_fake_mmaction(tmp_path)
    drn = tmp_path / 'mmaction/models/localizers/drn'
    drn.mkdir()
    (drn / '__init__.py').write_text('')
    (drn / 'drn.py').write_text('class DRN:\n    pass\n')
    done = run_with_fake(tmp_path)
    assert done.returncode == 0, done.stderr
    assert 'patched False' in done.stdout
    assert 'models BMN DRN' in done.stdout
    assert osp.isdir(drn)


def test_mmaction_models_import_beside_transformers_5(tmp_path):
    # transformers 5 as VindLU meets it: installed, without the names
    # mmaction2 1.2.0 imports from it
    package = tmp_path / 'transformers'
    package.mkdir()
    (package / '__init__.py').write_text('')
    (package / 'modeling_utils.py').write_text('')
    info = tmp_path / 'transformers-5.0.0.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n')
    script = textwrap.dedent("""
        import scfa_mm
        import mmaction.models
        from mmaction.registry import MODELS
        try:
            MODELS.build(dict(type='VindLURetrieval'))
        except ImportError as error:
            print('placeholder:', error)
        import mmpretrain.models
        try:
            MODELS.build(dict(type='mmpretrain.BlipCaption'))
        except ImportError as error:
            print('placeholder:', error)
        """)
    done = subprocess.run([sys.executable, '-c', script],
                          env=dict(os.environ, PYTHONPATH=str(tmp_path)),
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'placeholder: VindLURetrieval requires extra multi-modal' \
        in done.stdout
    # MMPretrain's placeholder (its message names another model)
    assert 'requires extra multi-modal dependencies, please install it by ' \
        '`pip install "mmpretrain[multimodal]"`' in done.stdout
    assert mmaction_compat.multimodal_incompatible('5.0.0')
    assert not mmaction_compat.multimodal_incompatible('4.46.3')
    assert mmaction_compat.multimodal_incompatible('4.57.6')
    assert not mmaction_compat.multimodal_incompatible(None)
    # VindLU imports timm as well; BLIP (MMPretrain) does not
    assert mmaction_compat.multimodal_incompatible('4.46.3', False)
    assert not mmaction_compat.multimodal_incompatible(None, False)

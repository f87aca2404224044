"""What a user expects of an installed package: its licence, type hints."""
import configparser
import shutil
import subprocess
import sys
import zipfile

from scfa_mm import __version__
from .conftest import REPO_ROOT


def test_wheel_ships_the_licence_of_its_metadata_and_type_hints(tmp_path):
    source = tmp_path / 'source'
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns('.*', 'work_dirs', 'data', 'tests',
                                      'docs', 'configs', 'tools', 'build',
                                      '*.egg-info', '__pycache__'))
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps',
        '--no-build-isolation', '--wheel-dir',
        str(tmp_path / 'dist'),
        str(source)
    ],
                   check=True,
                   timeout=300)
    [wheel] = (tmp_path / 'dist').glob('scfa_mm-*.whl')
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(
            f'scfa_mm-{__version__}.dist-info/METADATA').decode()
        [licence] = [n for n in names if n.endswith('/LICENSE')]
        licence_text = archive.read(licence).decode()
    assert 'scfa_mm/py.typed' in names
    setup = configparser.ConfigParser()
    setup.read(f'{REPO_ROOT}/setup.cfg')
    assert setup['metadata']['license'] == 'Apache-2.0'
    assert 'License: Apache-2.0' in metadata
    assert 'Apache License' in licence_text \
        and 'Version 2.0, January 2004' in licence_text
    assert licence_text == open(f'{REPO_ROOT}/LICENSE').read()


def test_changelog_has_the_version_and_contributing_the_test_command():
    changelog = open(f'{REPO_ROOT}/CHANGELOG.md').read()
    assert f'## {__version__}' in changelog
    contributing = open(f'{REPO_ROOT}/CONTRIBUTING.md').read()
    readme = open(f'{REPO_ROOT}/README.md').read()
    # the test command the README gives, which CI runs
    assert 'bash tools/run_tests.sh' in contributing
    assert 'bash tools/run_tests.sh' in readme
    assert 'bash tools/run_tests.sh' in open(f'{REPO_ROOT}/.ci/run').read() \
        or 'tools/run_tests.sh' in open(f'{REPO_ROOT}/.ci/run').read()


# import name -> distribution, where they differ
DISTRIBUTIONS = {
    'cv2': 'opencv-python',
    'sklearn': 'scikit-learn',
    'av': 'av',
    'mmcv': 'mmcv'
}


def test_every_module_the_package_imports_is_an_install_requirement():
    """A user who installs scfa_mm with pip gets every library it imports
    (outside the optional decoders): parse every import of the package
    and compare with setup.cfg, independently of what this machine has."""
    import ast
    import os
    setup = configparser.ConfigParser()
    setup.read(f'{REPO_ROOT}/setup.cfg')
    options = setup['options']
    declared = set()
    for line in options['install_requires'].splitlines():
        line = line.split('#')[0].strip()
        if line:
            declared.add(line.split('>')[0].split('<')[0].split('=')[0])
    extras = setup['options.extras_require']
    optional = {name for name in extras}  # decord, torchcodec, mmcv/lite
    # mmcv is one of two distributions (the extras); either brings OpenCV
    optional |= {'mmcv', 'opencv-python'}
    imported = set()
    for root, _, files in os.walk(f'{REPO_ROOT}/scfa_mm'):
        for name in files:
            if not name.endswith('.py'):
                continue
            tree = ast.parse(open(os.path.join(root, name)).read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imported |= {a.name.split('.')[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    imported.add(node.module.split('.')[0])
    stdlib = set(sys.stdlib_module_names)
    third_party = {
        DISTRIBUTIONS.get(m, m)
        for m in imported if m not in stdlib and m != 'scfa_mm'
    }
    aliases = {'mmaction': 'mmaction2', 'mmpretrain': 'mmpretrain'}
    third_party = {aliases.get(m, m) for m in third_party}
    missing = sorted(third_party - declared - optional)
    assert not missing, f'imported by scfa_mm, not in install_requires: ' \
        f'{missing}'
    assert {'scikit-learn', 'scipy', 'torch', 'mmaction2'} <= third_party


def test_importing_the_plugin_leaves_the_warning_filters_as_they_were():
    """A library must not change a process's warning filters: the quieting
    of the pinned stack's import warnings is scoped to its own imports."""
    probe = ('import warnings; before = list(warnings.filters); '
             'import scfa_mm; '
             'print(warnings.filters == before, len(warnings.filters))')
    out = subprocess.run([sys.executable, '-c', probe],
                         capture_output=True,
                         text=True,
                         check=True,
                         timeout=120)
    assert out.stdout.split()[0] == 'True', out.stdout
    assert 'pkg_resources is deprecated' not in out.stderr
    assert 'MultiScaleDeformableAttention' not in out.stderr

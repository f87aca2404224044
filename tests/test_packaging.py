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

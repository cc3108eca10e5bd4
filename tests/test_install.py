"""Installing the package: declared dependencies match the code and the lock, `pip install .` ships the configs
and tools (mg_posec3d/.mim), an installed copy runs a shipped config outside the repository, and the
`make install` helper (requirements/venv_setup.py) selects the right lock lines."""
import ast
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata

import numpy as np
import pytest
import torch
from mmengine.config import Config
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from setuptools.config.setupcfg import read_configuration

from mg_posec3d import resources
from mg_posec3d.fileio import safe_load_pickle
from tests.conftest import PYTHON, REPO, SAMPLE, SAMPLE_EMB

LOCK = os.path.join(REPO, 'requirements', 'lock.txt')
VENV_SETUP = os.path.join(REPO, 'requirements', 'venv_setup.py')
OPTIONS = read_configuration(os.path.join(REPO, 'setup.cfg'))['options']
INSTALL_REQUIRES = [Requirement(r) for r in OPTIONS['install_requires']]
EXTRAS = {name: [Requirement(r) for r in reqs] for name, reqs in OPTIONS['extras_require'].items()}
# cv2 comes from whichever OpenCV wheel the environment has; mmengine/mmcv/mmaction2 each require one by name
OPENCV = {'opencv-python', 'opencv-python-headless', 'opencv-contrib-python', 'opencv-contrib-python-headless'}
# mmcv is deliberately undeclared (mmcv-lite or full mmcv both work; see setup.cfg)
MMCV = {'mmcv', 'mmcv-lite'}


def _lock_pins() -> dict:
    pins = {}
    for line in open(LOCK, encoding='utf8'):
        line = line.split('#', 1)[0].strip()
        if line:
            name, version = line.split('==')
            pins[canonicalize_name(name)] = version
    return pins


def _applies(req: Requirement) -> bool:
    return req.marker is None or req.marker.evaluate({'extra': ''})


def test_the_lock_satisfies_every_declared_range():
    pins = _lock_pins()
    for group, reqs in [('install_requires', INSTALL_REQUIRES), *EXTRAS.items()]:
        for req in reqs:
            if not req.marker or req.marker.evaluate({'extra': group}):
                name = canonicalize_name(req.name)
                assert name in pins, f'{group}: {req} is not pinned in requirements/lock.txt'
                assert req.specifier.contains(pins[name], prereleases=True), f'{group}: lock has {name}=={pins[name]}'


def _imported_top_level_modules() -> dict:
    """Top-level modules imported anywhere (also inside functions) by the package and the shipped tools."""
    found = {}
    for path in glob.glob(os.path.join(REPO, 'mg_posec3d', '**', '*.py'), recursive=True) + \
            glob.glob(os.path.join(REPO, 'tools', '**', '*.py'), recursive=True) + \
            glob.glob(os.path.join(REPO, 'demo', '*.py')):
        for node in ast.walk(ast.parse(open(path, encoding='utf8').read())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split('.')[0], os.path.relpath(path, REPO))
    return found


def _requirement_closure(reqs) -> set:
    """Distribution names required by ``reqs`` and, through the installed metadata, by their dependencies."""
    seen, todo = set(), [r for r in reqs if _applies(r)]
    while todo:
        name = canonicalize_name(todo.pop().name)
        if name in seen:
            continue
        seen.add(name)
        try:
            todo += [r for r in map(Requirement, metadata.requires(name) or []) if _applies(r)]
        except metadata.PackageNotFoundError:
            pass
    return seen


def test_every_third_party_import_is_declared():
    """Each module the code imports comes from a declared requirement (or one of theirs), or from an extra."""
    providers = metadata.packages_distributions()
    core = _requirement_closure(INSTALL_REQUIRES)
    optional = set().union(*(_requirement_closure(reqs) for reqs in EXTRAS.values()))
    local = {'mg_posec3d', 'tests', 'tools', '_compat_pickle'}  # _compat_pickle: CPython's pickle internals
    undeclared = []
    for module, where in sorted(_imported_top_level_modules().items()):
        if module in sys.stdlib_module_names or module in local:
            continue
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        assert dists, f'{module} (imported in {where}) is not installed here'
        if dists & MMCV or (dists & OPENCV and OPENCV & core) or dists & (core | optional):
            continue
        undeclared.append(f'{module} ({where}; from {sorted(dists)})')
    assert not undeclared, f'imported but not declared in setup.cfg: {undeclared}'
    assert {'torch', 'mmengine', 'mmaction2', 'numpy'} <= core  # the scan reached the real requirements


def test_shipped_folders_in_a_checkout():
    assert resources.configs_dir() == os.path.join(REPO, 'configs')
    assert resources.tools_dir() == os.path.join(REPO, 'tools')
    assert resources.config_path('demo/joint') == os.path.join(REPO, 'configs', 'demo', 'joint.py')
    with pytest.raises(FileNotFoundError, match='no shipped config'):
        resources.config_path('demo/no_such_config')


def test_resources_cli(capsys):
    assert resources.main(['configs']) == 0
    assert capsys.readouterr().out.strip() == os.path.join(REPO, 'configs')
    assert resources.main(['bogus']) == 2
    assert capsys.readouterr().err.startswith('usage: python -m mg_posec3d.resources {configs,tools,data}')


# --- requirements/venv_setup.py (used by the Makefile) ---

def _venv_setup(*args, python=PYTHON):
    return subprocess.run([python, VENV_SETUP, *args], capture_output=True, text=True, timeout=120)


def test_lock_without_torch_keeps_every_other_pin():
    out = _venv_setup('lock', LOCK, '--without-torch')
    assert out.returncode == 0, out.stderr
    names = [canonicalize_name(ln.split('==')[0]) for ln in out.stdout.split()]
    assert names == [n for n in _lock_pins() if n != 'torch']


def test_lock_for_a_system_torch_skips_torchs_own_dependencies():
    """The oracle: the installed torch's metadata. Its pinned dependencies (filelock, sympy, ...) are left to
    the system torch, everything else stays pinned."""
    torch_deps = {canonicalize_name(r.name) for r in map(Requirement, metadata.requires('torch')) if _applies(r)}
    out = _venv_setup('lock', LOCK, '--skip-torch-deps')
    assert out.returncode == 0, out.stderr
    kept = {canonicalize_name(ln.split('==')[0]) for ln in out.stdout.split()}
    pinned = set(_lock_pins())
    assert {'filelock', 'sympy'} <= torch_deps & pinned  # the skip is exercised
    # setuptools stays: `pip install --no-build-isolation -e .` builds with the venv's own
    assert kept == pinned - (torch_deps - {'setuptools'}) - {'torch'} and 'setuptools' in kept


def test_link_system_needs_an_importable_torch(tmp_path):
    subprocess.run([PYTHON, '-m', 'venv', '--without-pip', str(tmp_path / 'bare')], check=True, timeout=120)
    bare = str(tmp_path / 'bare' / 'bin' / 'python')
    out = _venv_setup('link-system', bare, python=bare)  # a Python without torch as the "system" one
    assert out.returncode == 2 and out.stdout == ''
    assert re.fullmatch(r'error: TORCH=system but \S+ cannot import torch \(No module named \'torch\'\); .*\n',
                        out.stderr)
    assert _venv_setup('nonsense').returncode == 2


def test_link_system_makes_the_base_torch_importable(tmp_path):
    subprocess.run([PYTHON, '-m', 'venv', '--without-pip', str(tmp_path / 'v')], check=True, timeout=120)
    venv_python = str(tmp_path / 'v' / 'bin' / 'python')
    out = _venv_setup('link-system', venv_python)  # this interpreter (it has torch) plays the system Python
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f'using torch {torch.__version__} from ')
    code = 'import torch, sys; print(torch.__version__); print(torch.__file__)'
    seen = subprocess.run([venv_python, '-c', code], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != 'PYTHONPATH'})
    assert seen.returncode == 0, seen.stderr
    version, where = seen.stdout.split()
    assert version == torch.__version__ and os.path.realpath(where) == os.path.realpath(torch.__file__)


# --- pip install . into a fresh environment ---

SHIPPED = ('setup.py', 'setup.cfg', 'pyproject.toml', 'MANIFEST.in', 'README.md', 'requirements', 'mg_posec3d',
           'configs', 'tools')
IGNORE = shutil.ignore_patterns('__pycache__', '*.py[co]', '*.egg-info', '.mim')

# Run by the fresh environment's Python from a folder outside the repository: find the installed demo config,
# build its model and run one test batch on the bundled real sample, also shipped inside the package.
INSTALLED_RUN = r'''
import json, os, sys
from importlib import metadata
import torch
from mmengine.config import Config
from packaging.requirements import Requirement
import mg_posec3d
from mg_posec3d import resources
from mg_posec3d.apis import load_config
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
from mmengine.runner import Runner

register_all_modules(init_default_scope=True)
torch.set_num_threads(1)
config = resources.config_path('demo/joint')
sample = os.path.join(resources.data_dir(), 'rtg_sample')
cfg = load_config(config, {'test_dataloader.dataset.ann_file': os.path.join(sample, 'rtg_miga22.pkl'),
                           'test_dataloader.dataset.label_embeddings': os.path.join(sample, 'rtg_glove50.npy'),
                           'test_dataloader.num_workers': 0, 'test_dataloader.persistent_workers': False},
                  work_dir='work')
torch.manual_seed(0)
model = MODELS.build(cfg.model).eval()
batch = next(iter(Runner.build_dataloader(cfg.test_dataloader)))
with torch.no_grad():
    out = model.test_step(batch)
requires = [Requirement(r) for r in metadata.requires('mg_posec3d')]
unmet = [str(r) for r in requires if (r.marker is None or r.marker.evaluate({'extra': ''}))
         and not r.specifier.contains(metadata.version(r.name), prereleases=True)]
print(json.dumps(dict(
    module=mg_posec3d.__file__, config=config, tools=resources.tools_dir(),
    dist=str(metadata.distribution('mg_posec3d').locate_file('')), requires=[str(r) for r in requires],
    unmet=unmet, frame_dirs=[s.metainfo['frame_dir'] for s in out],
    labels=[int(s.gt_label) for s in out], scores=[s.pred_score.tolist() for s in out])))
'''


def _in_process_scores(n: int) -> np.ndarray:
    """The same config, model seed and clips computed by the checkout (the oracle for the installed copy)."""
    from mmaction.registry import MODELS
    from mmengine.runner import Runner

    from mg_posec3d.apis import load_config

    cfg = load_config(os.path.join(REPO, 'configs', 'demo', 'joint.py'), {
        'test_dataloader.dataset.ann_file': SAMPLE, 'test_dataloader.dataset.label_embeddings': SAMPLE_EMB,
        'test_dataloader.num_workers': 0, 'test_dataloader.persistent_workers': False}, work_dir='unused')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    batch = next(iter(Runner.build_dataloader(cfg.test_dataloader)))
    with torch.no_grad():
        return np.stack([s.pred_score.numpy() for s in model.test_step(batch)])[:n]


@pytest.mark.slow
def test_pip_install_into_a_fresh_venv_runs_a_shipped_config(tmp_path, one_torch_thread):
    src = tmp_path / 'src'
    src.mkdir()
    for name in SHIPPED:
        path = os.path.join(REPO, name)
        (shutil.copytree(path, src / name, ignore=IGNORE) if os.path.isdir(path) else
         shutil.copy2(path, src / name))
    # the sdist, as `python -m build` makes it: a wheel built from it proves MANIFEST.in carries configs/tools
    sdist = subprocess.run([PYTHON, '-c', 'from setuptools import build_meta as b; print(b.build_sdist("dist"))'],
                           cwd=src, capture_output=True, text=True, timeout=300)
    assert sdist.returncode == 0, sdist.stderr
    sdist_path = src / 'dist' / sdist.stdout.split()[-1]

    # A fresh venv that already holds the heavy dependencies: this interpreter's site-packages, appended
    # through a .pth file (nothing is downloaded; mg_posec3d itself is not importable from there).
    venv = tmp_path / 'venv'
    subprocess.run([PYTHON, '-m', 'venv', '--without-pip', str(venv)], check=True, timeout=120)
    py = str(venv / 'bin' / 'python')
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONHOME')}
    env['PYTHONNOUSERSITE'] = '1'
    venv_site = subprocess.run([py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                               env=env, capture_output=True, text=True, check=True).stdout.strip()
    heavy = {sysconfig.get_paths()['purelib'], sysconfig.get_paths()['platlib']}
    with open(os.path.join(venv_site, 'heavy_dependencies.pth'), 'w') as f:
        f.write('\n'.join(sorted(heavy)) + '\n')

    # not editable; --ignore-installed: never touch an mg_posec3d installed where the heavy dependencies are
    pip = subprocess.run([py, '-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--no-index',
                          '--no-build-isolation', '--no-deps', '--ignore-installed', str(sdist_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr

    outside = tmp_path / 'elsewhere'
    outside.mkdir()
    run = subprocess.run([py, '-c', INSTALLED_RUN], cwd=outside, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])

    installed_pkg = os.path.join(venv_site, 'mg_posec3d')
    assert got['module'] == os.path.join(installed_pkg, '__init__.py')  # the installed copy, not the checkout
    assert not got['module'].startswith(REPO + os.sep)
    assert got['config'] == os.path.join(installed_pkg, '.mim', 'configs', 'demo', 'joint.py')
    assert got['tools'] == os.path.join(installed_pkg, '.mim', 'tools')
    # every config and tool of the checkout is shipped, byte for byte
    for name in ('configs', 'tools'):
        ours = {os.path.relpath(p, os.path.join(REPO, name)) for p in
                glob.glob(os.path.join(REPO, name, '**', '*'), recursive=True)
                if os.path.isfile(p) and '__pycache__' not in p}
        shipped = os.path.join(installed_pkg, '.mim', name)
        assert {os.path.relpath(p, shipped) for p in glob.glob(os.path.join(shipped, '**', '*'), recursive=True)
                if os.path.isfile(p) and '__pycache__' not in p} == ours  # pip compiles the .py files
        for rel in ours:
            assert open(os.path.join(shipped, rel), 'rb').read() == open(os.path.join(REPO, name, rel), 'rb').read()
    assert os.access(os.path.join(installed_pkg, '.mim', 'tools', 'dist_train.sh'), os.X_OK)

    # the pinned environment meets the installed package's own declared requirements
    assert got['unmet'] == [] and {r.split('<')[0].split('>')[0] for r in got['requires']} >= {'torch', 'mmaction2'}

    # one real test batch: the first clips of the sample's test split, in order, with their labels
    data = safe_load_pickle(SAMPLE)
    first = data['split']['test'][:len(got['frame_dirs'])]
    label = {a['frame_dir']: a['label'] for a in data['annotations']}
    batch_size = Config.fromfile(os.path.join(REPO, 'configs', 'demo', 'joint.py')).test_dataloader.batch_size
    assert got['frame_dirs'] == first and len(first) == batch_size  # the demo config's test batch size
    assert got['labels'] == [label[f] for f in first]
    scores = np.array(got['scores'])
    assert scores.shape == (batch_size, 3) and np.allclose(scores.sum(1), 1.0, atol=1e-5)  # class probabilities
    np.testing.assert_allclose(scores, _in_process_scores(batch_size), rtol=1e-4, atol=1e-6)

"""The package's floors: a subpackage imports only from its own floor or the floors below, and no module imports
itself round a cycle. Read from the source (every ``import`` statement, also those inside functions)."""
from __future__ import annotations

import ast
import os
from collections import defaultdict

from tests.conftest import REPO

PKG = 'mg_posec3d'
# ground floor, then datasets/converters, then pose/models, then apis/evaluation (tools/ sit on top of all)
FLOORS = {'compat': 0, 'cli_utils': 0, 'resources': 0, 'fileio': 0, 'layouts': 0, 'embeddings': 0, 'heatmaps': 0,
          'annotations': 0, 'skeleton_graph': 0, 'config_checks': 0,
          'datasets': 1, 'converters': 1,
          'pose': 2, 'models': 2,
          'apis': 3, 'evaluation': 3, 'baselines': 4, 'spotting': 4}


def _modules() -> dict[str, tuple[str, bool]]:
    out = {}
    for folder, _, files in os.walk(os.path.join(REPO, PKG)):
        for f in files:
            if f.endswith('.py'):
                path = os.path.join(folder, f)
                name = os.path.relpath(path, REPO)[:-3].replace(os.sep, '.')
                out[name[:-len('.__init__')] if f == '__init__.py' else name] = (path, f == '__init__.py')
    return out


def _imports() -> dict[str, dict[str, bool]]:
    """module -> {imported project module: imported at module level}."""
    mods = _modules()
    edges: dict[str, dict[str, bool]] = defaultdict(dict)
    for name, (path, is_pkg) in mods.items():
        tree = ast.parse(open(path, encoding='utf8').read())
        here = name if is_pkg else name.rsplit('.', 1)[0]
        top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ''
                if node.level:
                    parent = '.'.join(here.split('.')[:len(here.split('.')) - node.level + 1])
                    base = parent + ('.' + node.module if node.module else '')
                targets = [f'{base}.{a.name}' if f'{base}.{a.name}' in mods else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for t in targets:
                if t.startswith(PKG) and t != name:
                    edges[name][t] = edges[name].get(t, False) or id(node) in top
    return edges


def _floor_of(module: str) -> str | None:
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else None


def test_every_subpackage_has_a_floor():
    found = {_floor_of(m) for m in _modules()} - {None}
    assert found == set(FLOORS), f'give {sorted(found - set(FLOORS))} a floor in FLOORS'


def test_no_subpackage_imports_from_a_higher_floor():
    upward = set()
    for a, targets in _imports().items():
        for b in targets:
            fa, fb = _floor_of(a), _floor_of(b)
            if fa and fb and fa != fb and FLOORS[fb] > FLOORS[fa]:
                upward.add((fa, fb, a, b))
    assert not upward, f'imports from a higher floor: {sorted(upward)}'
    # models never reach into datasets (the heatmap renderer lives in mg_posec3d.heatmaps)
    into_datasets = [(a, b) for a, t in _imports().items() for b in t
                     if _floor_of(a) == 'models' and _floor_of(b) == 'datasets']
    assert not into_datasets, into_datasets


def test_no_module_level_import_cycle():
    # edges of module-level imports; a module importing its own package's __init__ is how re-exports work
    graph = {a: {b for b, top in t.items() if top and not a.startswith(b + '.')} for a, t in _imports().items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(u, path):
        state[u] = 1
        for v in sorted(graph.get(u, ())):
            if state.get(v) == 1:
                cycles.append(path[path.index(v):] + [v])
            elif v not in state:
                visit(v, path + [v])
        state[u] = 2

    for u in sorted(graph):
        if u not in state:
            visit(u, [u])
    assert not cycles, cycles

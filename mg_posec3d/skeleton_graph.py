"""Our keypoint layouts as skeleton graphs for mmaction2's graph models (ST-GCN) and bone features.

mmaction2's ``Graph`` only knows 'openpose', 'nturgb+d' and 'coco' by name, but also takes a dict
``{'num_node', 'inward', 'center'}``; ``JointToBone`` only knows the same three. This module derives both from
a :class:`mg_posec3d.layouts.Layout` (its joints and limbs), so every layout in ``layouts.py`` (miga22, the
HFUT-2023 lists, body25) works without copying edge lists into configs:

- ``inward``: every limb oriented towards ``center`` (the node nearer the centre second), as mmaction2's own
  layouts are;
- bones: each joint minus its neighbour one hop nearer ``root`` (the root's bone is zero), as
  ``JointToBone('openpose')`` does for the OpenPose-18 graph rooted at the nose.
"""
from __future__ import annotations

from collections import deque

from .layouts import Layout, get_layout


def hop_distances(layout: str | Layout, source: int) -> list[float]:
    """Hops from joint ``source`` to every joint along the layout's limbs (inf where unreachable)."""
    lay = get_layout(layout)
    neighbours: list[list[int]] = [[] for _ in range(lay.num_joints)]
    for a, b in lay.limbs:
        neighbours[a].append(b)
        neighbours[b].append(a)
    dist = [float('inf')] * lay.num_joints
    dist[source] = 0
    queue = deque([source])
    while queue:
        v = queue.popleft()
        for u in neighbours[v]:
            if dist[u] == float('inf'):
                dist[u] = dist[v] + 1
                queue.append(u)
    return dist


def graph_center(layout: str | Layout) -> int:
    """The joint with the fewest hops to the farthest reachable joint (the graph centre; ties: lowest index,
    then most reachable joints). miga22: ShoulderCenter; body25: MidHip."""
    lay = get_layout(layout)

    def key(v: int) -> tuple:
        finite = [d for d in hop_distances(lay, v) if d != float('inf')]
        return (-len(finite), max(finite), v)

    return min(range(lay.num_joints), key=key)


def _oriented(lay: Layout, towards: int) -> list[tuple[int, int]]:
    dist = hop_distances(lay, towards)
    out = []
    for a, b in lay.limbs:
        # (far, near): the second node is one hop nearer `towards`
        out.append((a, b) if dist[b] < dist[a] else (b, a))
    return out


def stgcn_graph(layout: str | Layout, center: int | None = None) -> dict:
    """``Graph(layout=...)`` dict for mmaction2: ``num_node``, ``inward`` (limbs oriented to the centre) and
    ``center`` (default :func:`graph_center`)."""
    lay = get_layout(layout)
    center = graph_center(lay) if center is None else int(center)
    if not 0 <= center < lay.num_joints:
        raise ValueError(f'layout {lay.name}: graph center {center} outside 0..{lay.num_joints - 1}')
    return dict(num_node=lay.num_joints, inward=_oriented(lay, center), center=center)


def bone_pairs(layout: str | Layout, root: int | None = None) -> tuple[tuple[int, int], ...]:
    """``(joint, parent)`` for every joint, parent = the neighbour one hop nearer ``root`` (default: the graph
    centre); the root and joints no limb reaches are their own parent (zero bone)."""
    lay = get_layout(layout)
    root = graph_center(lay) if root is None else int(root)
    dist = hop_distances(lay, root)
    parent = list(range(lay.num_joints))
    for far, near in _oriented(lay, root):
        # a joint several limbs reach from nearer joints (a cycle) keeps the first
        if parent[far] == far and dist[near] < dist[far]:
            parent[far] = near
    return tuple((v, parent[v]) for v in range(lay.num_joints))

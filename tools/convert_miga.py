"""Convert MiGA 2023 (iMiGUE / SMG) skeletons into one PYSKL annotation pickle in the miga22 layout.

  python tools/convert_miga.py --split train=RAW/train --split val=RAW/val --split test=RAW/test \\
      --out data/imigue/imigue_miga22.pkl
Each split is a raw folder (<id>_light_hand.csv + <id>_label.csv) or the challenge's <split>_data.npy
(with <split>_label.pkl next to it).
"""
import argparse
import sys

from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main
from mg_posec3d.converters.miga import convert_challenge_arrays, convert_raw_folder
from mg_posec3d.converters.pyskl import ConversionReport
from mg_posec3d.embeddings import IMIGUE_LABELS, read_label_names
from mg_posec3d.fileio import check_outputs, save_pickle


@cli_main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--split', action='append', required=True, metavar='NAME=PATH',
                   help='a split and its raw folder or <split>_data.npy (repeat for each split)')
    p.add_argument('--out', required=True, help='output .pkl')
    p.add_argument('--unlabelled', action='append', default=[], metavar='NAME',
                   help='split whose .npy labels are placeholders (e.g. a test set)')
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out file')
    add_debug_argument(p)
    args = p.parse_args(argv)
    check_outputs([args.out], args.overwrite)
    data = dict(split={}, annotations=[], label_names=read_label_names(IMIGUE_LABELS), layout='miga22')
    seen = set()
    for item in args.split:
        name, _, path = item.partition('=')
        if not path:
            raise UserError(f'--split {item!r} must be NAME=PATH')
        report = ConversionReport()
        try:
            if path.endswith('_data.npy'):
                annos = convert_challenge_arrays(path, path[:-len('_data.npy')] + '_label.pkl', report,
                                                 labelled=name not in args.unlabelled)
            else:
                annos = convert_raw_folder(path, report)
        except (OSError, ValueError) as e:
            raise UserError(f'split {name}: {e}') from e
        dup = [a['frame_dir'] for a in annos if a['frame_dir'] in seen]
        if dup:
            raise UserError(f'split {name}: clip ids already used by another split: {dup[:5]}')
        seen.update(a['frame_dir'] for a in annos)
        data['split'][name] = [a['frame_dir'] for a in annos]
        data['annotations'] += annos
        print(f'{name}: {report.summary()}')
    save_pickle(data, args.out)
    print(f'wrote {args.out}: {len(data["annotations"])} clips in splits {list(data["split"])}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

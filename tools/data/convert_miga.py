"""Convert MiGA (iMiGUE) skeletons into one PYSKL annotation pickle in the miga22 layout.

MiGA 2023 (raw <id>_light_hand.csv + <id>_label.csv folders, or the challenge's <split>_data.npy + _label.pkl):
  python tools/data/convert_miga.py --split train=RAW/train --split test=RAW/test --num-val-videos 10 --seed 0 \\
      --out data/imigue/imigue_miga22.pkl
MiGA 2025 track 1 (<id>/<id>_openpose.xlsx + <id>/<id>_label.csv; the imigue_skeleton_{train,validate,test}
folders are found under --root):
  python tools/data/convert_miga.py --format miga2025 --root MIGA2025 --out data/imigue/imigue2025_miga22.pkl
A validation split is whole training videos: --val-videos 0001 0002 ... or --num-val-videos N --seed S
(the MiGA 2025 val set: 0001-0004 and 0006-0011, 777 clips); tools/data/split_val.py does the same on a finished file.
"""
import argparse
import sys

from mg_posec3d.annotations import ConversionReport, read_class_names
from mg_posec3d.annotations.splits import add_val_split_arguments, apply_val_split, no_val_hint
from mg_posec3d.cli_utils import UserError, add_debug_argument, cli_main
from mg_posec3d.converters.miga import convert_challenge_arrays, convert_raw_folder
from mg_posec3d.converters.miga2025_xlsx import convert_miga2025_folder, find_split_folders
from mg_posec3d.embeddings import IMIGUE_LABELS
from mg_posec3d.fileio import check_outputs, save_pickle

FORMATS = ('miga2023', 'miga2025')


def _convert(fmt: str, path: str, report: ConversionReport, labelled: bool) -> list:
    if fmt == 'miga2025':
        return convert_miga2025_folder(path, report, labelled=labelled)
    if path.endswith('_data.npy'):
        return convert_challenge_arrays(path, path[:-len('_data.npy')] + '_label.pkl', report, labelled=labelled)
    return convert_raw_folder(path, report)


@cli_main
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--format', choices=FORMATS, default='miga2023',
                   help='miga2023: <id>_light_hand.csv folders or <split>_data.npy; miga2025: <id>/<id>_openpose.xlsx '
                        'folders (default miga2023)')
    p.add_argument('--split', action='append', default=[], metavar='NAME=PATH',
                   help='a split and its folder (or <split>_data.npy); repeat for each split')
    p.add_argument('--root', help='miga2025: find imigue_skeleton_train/_validate/_test below this folder '
                   '(as train, val, test)')
    p.add_argument('--out', required=True, help='output .pkl')
    p.add_argument('--unlabelled', action='append', default=[], metavar='NAME',
                   help='split whose labels are placeholders (e.g. a test set): labels -1')
    add_val_split_arguments(p)
    p.add_argument('--overwrite', action='store_true', help='replace an existing --out file')
    add_debug_argument(p)
    args = p.parse_args(argv)
    check_outputs([args.out], args.overwrite)
    splits = []
    for item in args.split:
        name, _, path = item.partition('=')
        if not path:
            raise UserError(f'--split {item!r} must be NAME=PATH')
        splits.append((name, path))
    if args.root:
        if args.format != 'miga2025':
            raise UserError('--root finds MiGA 2025 folders: add --format miga2025, or give --split NAME=PATH')
        splits += [s for s in find_split_folders(args.root).items() if s[0] not in dict(splits)]
    if not splits:
        raise UserError('give --split NAME=PATH (repeat per split) or, for MiGA 2025, --root DIR')
    data = dict(split={}, annotations=[], label_names=read_class_names(IMIGUE_LABELS), layout='miga22')
    seen = set()
    for name, path in splits:
        report = ConversionReport()
        try:
            annos = _convert(args.format, path, report, labelled=name not in args.unlabelled)
        except (OSError, ValueError) as e:
            raise UserError(f'split {name}: {e}') from e
        dup = [a['frame_dir'] for a in annos if a['frame_dir'] in seen]
        if dup:
            raise UserError(f'split {name}: clip ids already used by another split: {dup[:5]}')
        seen.update(a['frame_dir'] for a in annos)
        data['split'][name] = [a['frame_dir'] for a in annos]
        data['annotations'] += annos
        print(f'{name}: {report.summary()}')
    if 'val' in data['split'] and (args.val_videos or args.num_val_videos):
        raise UserError('there is a val split already; --val-videos/--num-val-videos carve one out of train')
    try:
        data, _, moved = apply_val_split(data, args)
    except ValueError as e:
        raise UserError(f'--val-videos/--num-val-videos: {e}') from e
    if moved or 'val' not in data['split']:
        print(moved or no_val_hint(args.out))
    save_pickle(data, args.out)
    sizes = ', '.join(f'{k} {len(v)}' for k, v in data['split'].items())
    print(f'wrote {args.out}: {len(data["annotations"])} clips (splits: {sizes})')
    return 0


if __name__ == '__main__':
    sys.exit(main())

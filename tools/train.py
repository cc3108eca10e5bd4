"""Train a model: `python tools/train.py configs/joint.py [--work-dir DIR] [--resume] [--precision P] ...`.

The work dir is mmengine's: each run logs to a new WORK_DIR/<timestamp>/ (with curves.png, the losses and
validation accuracy plotted when training ends) and checkpoints are written there atomically (epoch_N.pth,
best_*.pth, last_checkpoint), so an interrupted run resumes with --resume. Reusing a
work dir is therefore allowed (no --overwrite): an older run's epoch_N.pth is replaced by this run's.
"""
import argparse
import sys

from mg_posec3d.apis import DictAction, load_config, set_dataset_options, train
from mg_posec3d.cli_utils import add_debug_argument, cli_main


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('config', help='config file, e.g. configs/joint.py')
    p.add_argument('--work-dir', help='where logs and checkpoints go (default: the config\'s work_dir)')
    p.add_argument('--resume', nargs='?', const='auto', default=None,
                   help='resume from CHECKPOINT, or (no value) from the latest checkpoint in the work dir')
    p.add_argument('--trust-checkpoint', action='store_true',
                   help='load the --resume / load_from checkpoint with full unpickling (runs code in it: trusted '
                   'files only)')
    p.add_argument('--amp', action='store_true', help='mixed-precision training (GPU); same as --precision amp')
    p.add_argument('--precision', choices=['auto', 'fp32', 'bf16', 'amp'], default=None,
                   help="default: the config's `precision` (else fp32). auto: AMP on a GPU, bf16 on CPUs with native "
                   'bf16 (avx512_bf16 / amx_bf16), else fp32. bf16: backbone under bf16 autocast; head, loss and '
                   'optimizer state stay fp32; falls back to fp32 (with a notice) on CPUs that would emulate it')
    p.add_argument('--channels-last', action=argparse.BooleanOptionalAction, default=None,
                   help="backbone in channels-last-3d memory format (default: the config's `channels_last`; "
                   '1.4x faster fp32 CPU training of the demo model, docs/speed.md)')
    p.add_argument('--allow-emulated-bf16', action='store_true',
                   help='--precision bf16 even on CPUs without native bf16 (slower; for accuracy comparisons)')
    p.add_argument('--no-validate', action='store_true',
                   help='do not validate during training (as mmaction2\'s --no-validate; no best_* checkpoint)')
    p.add_argument('--auto-scale-lr', action='store_true', help='scale lr by total batch / 32')
    p.add_argument('--seed', type=int, default=None, help='random seed')
    p.add_argument('--skip-invalid', action='store_true', default=None,
                   help='drop annotation samples with problems (reported) instead of failing')
    p.add_argument('--unsafe-pickle', action='store_true', default=None,
                   help='load annotation pickles with plain pickle (runs code in them: trusted files only)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                   help='override config entries, e.g. train_dataloader.batch_size=8')
    p.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    p.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_debug_argument(p)
    return p.parse_args(argv)


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    set_dataset_options(cfg, skip_invalid=args.skip_invalid, unsafe_pickle=args.unsafe_pickle)
    train(cfg, resume=args.resume, amp=args.amp, auto_scale_lr=args.auto_scale_lr,
          launcher=args.launcher, seed=args.seed, trust_checkpoint=args.trust_checkpoint,
          validate=not args.no_validate, precision=args.precision, channels_last=args.channels_last,
          allow_emulated_bf16=args.allow_emulated_bf16)
    return 0


if __name__ == '__main__':
    sys.exit(main())

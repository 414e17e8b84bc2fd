"""miga import-skeleton: arrays of joints per clip (any skeleton dataset) → the prepared pose form."""
from competition.data.skeleton_import import import_skeleton
from competition.data.skeletons import LAYOUTS


def add_arguments(parser):
    parser.description = (
        "Turn a skeleton dataset into prepared datasets that `miga train/predict` read (pose/<layout>.npz, "
        "clips.csv): SOURCE is <split>.npz files, <scheme>_<split>.npz files for several split schemes (one "
        "prepared dataset each, under OUT/<scheme>/), one .npz with a `split` array, or a folder with clips.csv "
        "and joints/<clip_id>.csv|.json. Arrays: joints [frames, joints, 2|3], lengths, labels; optional scores, "
        "ids, groups, img_shape. Then train any pose config with --cfg-options skeleton_layout=LAYOUT "
        "(docs/models.md, 'Any skeleton dataset').")
    parser.add_argument("source", help="a .npz file, or a folder of .npz files or with clips.csv")
    parser.add_argument("out", help="folder for the prepared dataset (one subfolder per split scheme when several)")
    parser.add_argument("--layout", required=True,
                        help=f"skeleton layout: a registered name ({', '.join(sorted(LAYOUTS))}) or a layout JSON "
                             "file (joints, edges, center, mirror_pairs)")
    parser.add_argument("--val-fraction", type=float, default=0.1,
                        help="when SOURCE has no val split, hold out this share of the training clips (stratified by "
                             "class, groups kept whole) as val")
    parser.add_argument("--frame-size", type=int, nargs=2, metavar=("WIDTH", "HEIGHT"),
                        help="the coordinates are pixels of frames this size (default: read from img_shape, else "
                             "pixels when non-negative, else mapped into a 320x240 frame)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the val split")


def run(args):
    summary = import_skeleton(args.source, args.out, args.layout, val_fraction=args.val_fraction,
                              frame_size=args.frame_size, seed=args.seed)
    print(f"layout {summary.layout}, {len(summary.classes)} classes")
    for scheme, counts in summary.schemes.items():
        folder = summary.out / scheme if scheme else summary.out
        print(f"  {folder}: " + ", ".join(f"{split} {n}" for split, n in counts.items()))
    if summary.rescaled:
        width, height = summary.rescaled["frame"]
        print(f"coordinates were not pixels: mapped into a {width}x{height} frame by one affine map (scale "
              f"{summary.rescaled['scale']:.3g}); see import_report.json")
    if summary.missing_joints:
        print(f"{summary.missing_joints} joint positions were NaN: kept as missing (score 0)")
    root = summary.out / "<scheme>" if len(summary.schemes) > 1 else summary.out
    print(f"train with: miga train stgcnpp_joint --data-root {root} --cfg-options skeleton_layout={summary.layout}")
    return 0

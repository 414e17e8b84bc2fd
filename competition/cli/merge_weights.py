"""miga merge-weights: put trained RGB-only and pose-only weights into an RGBPoseConv3D model's initialisation.

MM-Gesture's two-stage recipe for RGBPoseConv3D (rgbposec3d_joint, rgbposec3d_limb):
    miga train rgbposec3d_rgb
    miga train rgbposec3d_pose_joint
    miga merge-weights rgbposec3d_joint --rgb work_dirs/rgbposec3d_rgb/best_*.pth \
        --pose work_dirs/rgbposec3d_pose_joint/best_*.pth
    miga train rgbposec3d_joint --load-from work_dirs/rgbposec3d_joint/two_stage_init.pth
The stage configs of a two-stream config are named in its `two_stage` entry. Every tensor of both checkpoints
must land in the two-stream model; the command names those that do not and writes nothing then.
"""


def add_arguments(parser):
    parser.add_argument("config", help="the two-stream config, e.g. rgbposec3d_joint (a name under models/configs "
                                       "or a path)")
    parser.add_argument("--rgb", required=True, metavar="CKPT", help="trained RGB-only checkpoint (e.g. of "
                                                                      "rgbposec3d_rgb)")
    parser.add_argument("--pose", required=True, metavar="CKPT", help="trained pose-only checkpoint (e.g. of "
                                                                       "rgbposec3d_pose_joint)")
    parser.add_argument("--out", help="where the merged weights go (default: work_dirs/<config>/two_stage_init.pth)")
    parser.add_argument("--allow-partial", action="store_true",
                        help="write even when some tensors did not land (they keep the model's initialisation)")
    from models.runner.config import DictAction
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, default={}, metavar="KEY=VALUE",
                        help="override config entries (e.g. of the model)")


def run(args):
    from models.runner.merge import config_name, merge_weights

    out, report = merge_weights(args.config, args.rgb, args.pose, args.out, cfg_options=args.cfg_options,
                                allow_partial=args.allow_partial)
    print(report.summary())
    for problem in report.problems():
        print(f"  not landed: {problem}")
    print(f"wrote {out}")
    from models.runner.config import config_path
    print(f"next: miga train {config_name(config_path(args.config))} --load-from {out}")
    return 0

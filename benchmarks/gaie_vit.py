"""MACs and latency of the GAIE ViT against the plain ViT-B, measured side by side in one run.

    python benchmarks/gaie_vit.py                      # MACs only (counted on the meta device: no memory, seconds)
    python benchmarks/gaie_vit.py --device cuda        # MACs and GPU latency
    python benchmarks/gaie_vit.py --device cpu --iterations 3

MACs are counted by torch.utils.flop_counter (matrix products, convolutions and attention; the math
attention kernel, so every backend is counted the same way) and halved: one multiply-accumulate is two
FLOPs. Elementwise work (softmax, norms, GELU, the mean that merges tokens) is not counted, as in fvcore.
The paper (MiGA 2025, 2nd place) reports 101.8 → 65.8 GMACs and 21.96 → 13.74 ms on a GPU for its input size.
"""
import argparse
import statistics
import time

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from models.seed_papers.gaie_vit import GAIEViT

PAPER = {"plain": (101.8, 21.96), "gaie": (65.8, 13.74)}


def build(gaie_layers, args, device):
    return GAIEViT(img_size=args.size, num_frames=args.frames, gaie_layers=gaie_layers,
                   keep_ratio=args.keep_ratio).to(device).eval()


def count_gmacs(gaie_layers, args):
    with torch.device("meta"):
        model = build(gaie_layers, args, "meta")
        clip = torch.empty(1, 3, args.frames, args.size, args.size)
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter, torch.no_grad():
        model(clip)
    return counter.get_total_flops() / 2 / 1e9


def latency_ms(gaie_layers, args):
    device = torch.device(args.device)
    model = build(gaie_layers, args, device)
    model.init_weights()
    clip = torch.randn(args.batch, 3, args.frames, args.size, args.size, device=device)
    dtype = getattr(torch, args.dtype)
    autocast = torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32)

    def once():
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.inference_mode(), autocast:
            model(clip)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - start) * 1000

    for _ in range(args.warmup):
        once()
    return statistics.median(once() for _ in range(args.iterations))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=None, help="cpu or cuda; measures latency there (default: MACs only)")
    parser.add_argument("--frames", type=int, default=16, help="frames per clip (default 16)")
    parser.add_argument("--size", type=int, default=224, help="frame side in pixels (default 224)")
    parser.add_argument("--batch", type=int, default=1, help="clips per forward pass for latency (default 1)")
    parser.add_argument("--keep-ratio", type=float, default=0.7, help="GAIE keep ratio (default 0.7)")
    parser.add_argument("--iterations", type=int, default=50, help="timed forward passes (median reported)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed forward passes first")
    parser.add_argument("--dtype", default=None, choices=["float32", "float16", "bfloat16"],
                        help="autocast dtype for latency (default: float16 on cuda, float32 on cpu)")
    args = parser.parse_args(argv)
    if args.dtype is None:
        args.dtype = "float16" if args.device and args.device.startswith("cuda") else "float32"

    rows = []
    for name, layers in (("plain", ()), ("gaie", (4, 7, 10))):
        gmacs = count_gmacs(layers, args)
        ms = latency_ms(layers, args) if args.device else None
        rows.append((name, gmacs, ms))
    tokens = build((4, 7, 10), args, "meta").token_counts()
    print(f"one clip of 3×{args.frames}×{args.size}×{args.size}, keep ratio {args.keep_ratio}, "
          f"tokens per block {tokens}")
    where = f"{args.device}, batch {args.batch}, {args.dtype}" if args.device else "not measured"
    print(f"| model | GMACs | latency ms ({where}) | paper GMACs | paper ms |")
    print("|---|---|---|---|---|")
    for name, gmacs, ms in rows:
        paper_macs, paper_ms = PAPER[name]
        shown = f"{ms:.2f}" if ms is not None else "–"
        print(f"| {'ViT-B' if name == 'plain' else 'ViT-B + GAIE (4, 7, 10)'} | {gmacs:.1f} | {shown} | "
              f"{paper_macs} | {paper_ms} |")
    (_, plain_macs, plain_ms), (_, gaie_macs, gaie_ms) = rows
    ratio = f"MACs ratio {gaie_macs / plain_macs:.3f} (paper {PAPER['gaie'][0] / PAPER['plain'][0]:.3f})"
    if plain_ms:
        ratio += f", latency ratio {gaie_ms / plain_ms:.3f} (paper {PAPER['gaie'][1] / PAPER['plain'][1]:.3f})"
    print(ratio)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

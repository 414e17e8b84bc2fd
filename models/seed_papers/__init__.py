"""The architectures of the MiGA 2025 seed papers as mmaction2 modules, one file per architecture family.

- `gaie_vit`: ViT-B video backbone with Global-Aware Importance Estimation (token merging).
- `clip_mg`: CLIP ViT-B/16 image tower guided by pose (CLIP-MG).
- `token_fusion`: RGB (MViT) and skeleton (2s-AGCN) tokens fused by attention, refined through a memory bank.
- `layers`: the small layers they share.
- `loaders`, `datasets`, `sampling`: the papers' data (dataloader configs, a dataset over several list files,
  class-balanced sampling).

Configs pull a module in with `custom_imports = dict(imports=['models.seed_papers.gaie_vit'])`; this package
itself imports nothing, so a config builds only what it names.
"""

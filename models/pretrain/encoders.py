"""Run the fine-tune configs' ViT backbone on the visible tokens of a masked clip.

The pretraining encoder is the backbone object itself (so its parameter names are the fine-tune model's,
`backbone.*`); these functions call its own layers in the order its forward does — tubelet embedding, fixed
position encoding, blocks, final norm — but keep only the visible tokens after the position encoding. The
final norm is the backbone's `fc_norm` (it normalises each token here; after fine-tuning it normalises the
pooled feature), so the backbone's every tensor is trained and nothing extra is left behind.

Backbones: the toolkit's `GAIEViT` (GAIE off, `gaie_layers=()`: merging tokens has no place in masked
pretraining, and GAIE has no weights of its own) and mmaction2's `VisionTransformer` (VideoMAE's ViT).
"""
from models.pretrain.masking import gather_tokens


def _kind(backbone):
    name = type(backbone).__name__
    if name == "GAIEViT":
        active = [i + 1 for i, block in enumerate(backbone.blocks) if block.keep_ratio is not None]
        if active:
            raise ValueError(f"GAIE merges tokens at blocks {active}, which masked pretraining cannot; pretrain "
                             "with gaie_layers=() (GAIE has no weights, so the encoder loads into GAIE configs)")
        return "gaie"
    if name == "VisionTransformer" and hasattr(backbone, "patch_embed") and hasattr(backbone, "blocks"):
        return "mmaction"
    raise TypeError(f"masked pretraining supports the ViT backbones GAIEViT and VisionTransformer, not {name}")


def tubelet_conv(backbone):
    """The Conv3d that embeds tubelets; its kernel is (tubelet, patch, patch)."""
    _kind(backbone)
    embed = backbone.patch_embed
    return embed.proj if hasattr(embed, "proj") else embed.projection


def embed_tokens(backbone, video):
    """Position-encoded tokens [B, N, C] of video [B, 3, T, H, W], and their (T', H', W') grid."""
    kind = _kind(backbone)
    x = tubelet_conv(backbone)(video)
    grid = tuple(x.shape[2:])
    x = x.flatten(2).transpose(1, 2)
    if kind == "gaie":
        position = backbone.position_encoding(grid)
    else:
        position = backbone.pos_embed
        if position.shape[1] != x.shape[1]:
            raise ValueError(f"VisionTransformer has position encodings for {position.shape[1]} tokens; this clip "
                             f"gives {x.shape[1]}: set its img_size and num_frames to the clip's size")
    return backbone.pos_drop(x + position.to(x.dtype)), grid


def final_norm(backbone):
    return backbone.fc_norm if getattr(backbone, "fc_norm", None) is not None else backbone.norm


def encode_visible(backbone, video, visible):
    """Encoder features [B, K, C] of the visible tokens (indices [B, K]) only."""
    tokens, _ = embed_tokens(backbone, video)
    x = gather_tokens(tokens, visible)
    for block in backbone.blocks:
        x = block(x)
    return final_norm(backbone)(x)


def token_grid(backbone, video_shape):
    """The (T', H', W') token grid of a clip of shape [B, 3, T, H, W]."""
    kernel = tubelet_conv(backbone).kernel_size
    t, h, w = video_shape[-3:]
    if t % kernel[0] or h % kernel[1] or w % kernel[2]:
        raise ValueError(f"clip size {tuple(video_shape[-3:])} is not a multiple of the tubelet {tuple(kernel)}")
    return t // kernel[0], h // kernel[1], w // kernel[2]


def embed_width(backbone):
    return tubelet_conv(backbone).out_channels

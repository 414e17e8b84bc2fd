"""The light decoder of masked video pretraining: visible features plus mask tokens in, masked pixels out.

VideoMAE's design: a linear map from the encoder's width to the decoder's (no bias), a learned mask token
for every hidden position, fixed sine/cosine position encodings of all positions, a few pre-norm
transformer blocks, a LayerNorm and a linear layer to the pixels of one tubelet (tubelet·patch²·3 values).
Only the masked positions' outputs are returned, in the order of the masked indices.
"""
import math

import torch
from torch import nn

from models.pretrain.masking import gather_tokens
from models.seed_papers.gaie_vit import GAIEBlock
from models.seed_papers.layers import sinusoid_position_table


class PixelDecoder(nn.Module):
    def __init__(self, in_dims, out_dims, embed_dims=384, depth=4, num_heads=6, mlp_ratio=4.0):
        super().__init__()
        self.embed_dims = embed_dims
        self.encoder_to_decoder = nn.Linear(in_dims, embed_dims, bias=False)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.blocks = nn.ModuleList([GAIEBlock(embed_dims, num_heads, mlp_ratio, qkv_bias=True)
                                     for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dims, eps=1e-6)
        self.head = nn.Linear(embed_dims, out_dims)
        self._positions = None  # the position table of the last grid, kept on the device (not a weight)

    def reset_parameters(self):
        """VideoMAE's initialisation: Xavier-uniform linear layers, zero biases, unit norms, mask token N(0, .02)."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        nn.init.trunc_normal_(self.mask_token, std=0.02, a=-0.02, b=0.02)

    def _position_table(self, count, like):
        if self._positions is None or self._positions.shape[1] != count or self._positions.device != like.device:
            self._positions = sinusoid_position_table(count, self.embed_dims).to(like.device)
        return self._positions.to(like.dtype)

    def forward(self, visible_features, visible, masked, grid):
        """visible_features [B, K, C_enc] at token indices visible [B, K]; predictions [B, M, out_dims] at masked."""
        x = self.encoder_to_decoder(visible_features)
        batch = x.shape[0]
        position = self._position_table(math.prod(grid), x).expand(batch, -1, -1)
        hidden = self.mask_token.to(x.dtype).expand(batch, masked.shape[1], -1)
        x = torch.cat([x + gather_tokens(position, visible), hidden + gather_tokens(position, masked)], dim=1)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x[:, -masked.shape[1]:]))

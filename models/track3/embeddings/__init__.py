"""Track 3 (win / lose per interview video): video tables, grouped cross-validation, chunk embeddings and the
`miga features`, `miga face-features`, `miga train-video`, `miga tune-video` commands.

The video-level models themselves live in `models.track3`.
"""

# Which skeleton a pose config reads: pose/<skeleton_layout>.npz of the prepared dataset. When that file is there,
# its own layout (joints, edges, centre, left/right pairs), class count and coordinates per joint decide the graph,
# the flips, the bones, the head and the input channels (models.runner.skeleton_data); without data, the registered
# layout of this name (competition.data.skeletons) and `num_classes` of prepared_data.py.
# Another dataset: `--cfg-options skeleton_layout=jhmdb15` (the name given to `miga import-skeleton --layout`).
skeleton_layout = 'imigue36'

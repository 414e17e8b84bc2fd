# Where the prepared dataset is (docs/prepared-dataset.md): the one place every config takes it from.
# Override with the environment variable MIGA_DATA, or `miga train ... --cfg-options data_root=PATH`
# (miga's config loader copies the top-level data_root into every dataset).
data_root = '{{$MIGA_DATA:data/prepared}}'
# The class count of configs whose data does not say it; pose configs with `skeleton_layout`
# (_base_/skeleton_data.py) take it from their pose file.
num_classes = 32

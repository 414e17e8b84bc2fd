"""The real iMiGUE clip lists parse, give 32 classes, and match the class counts the generator uses."""
from collections import Counter

from competition.core.constants import TRACK1_CLASSES
from competition.data.labels import TRAIN_CLASS_COUNTS
from tests.conftest import real_path


def read_list(path):
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return [(name.removesuffix(".mp4"), int(label)) for name, label in rows]


def test_real_train_and_val_lists_have_32_classes():
    train = read_list(real_path("imigue", "iMiGUE_train_clips_list.txt"))
    val = read_list(real_path("imigue", "iMiGUE_val_clips_list.txt"))
    test = read_list(real_path("imigue", "iMiGUE_test_clips_list.txt"))
    assert (len(train), len(val), len(test)) == (12893, 777, 4562)
    assert {label for _, label in train} == set(range(TRACK1_CLASSES))
    assert all(0 <= label < TRACK1_CLASSES for _, label in val)
    videos = [{clip.rsplit("_", 1)[0] for clip, _ in rows} for rows in (train, val, test)]
    assert [len(v) for v in videos] == [241, 10, 104]
    assert not (videos[0] & videos[1]) and not (videos[0] & videos[2])


def test_generator_class_counts_are_the_real_training_counts():
    train = read_list(real_path("imigue", "iMiGUE_train_clips_list.txt"))
    counts = Counter(label for _, label in train)
    assert tuple(counts[c] for c in range(TRACK1_CLASSES)) == TRAIN_CLASS_COUNTS

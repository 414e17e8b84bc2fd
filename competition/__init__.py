"""miga: the MiGA challenge toolkit (iMiGUE Track 1 micro-gestures, Track 3 win/lose emotion)."""

__version__ = "0.1.0"

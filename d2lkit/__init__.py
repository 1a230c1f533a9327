"""d2lkit: self-grading exercises for 《动手学深度学习》 (Dive into Deep Learning, PyTorch)."""

__version__ = "0.1.0"

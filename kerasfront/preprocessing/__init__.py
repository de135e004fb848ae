"""Data preprocessing: sequences, text and images (NumPy; the same on every backend)."""

from kerasfront.preprocessing import image, sequence, text

__all__ = ["image", "sequence", "text"]

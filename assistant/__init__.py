"""PAIR Evidence Assistant: cited answers from the parent-infant relationship evidence."""

__version__ = "0.1.0"

"""Fonts shipped with shotgraph (DejaVu Sans; licence in LICENSE-DejaVu.txt)."""

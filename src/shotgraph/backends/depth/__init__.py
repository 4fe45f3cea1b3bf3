"""Monocular depth estimation backends (a still's depth, for depth-aware camera moves and guides)."""

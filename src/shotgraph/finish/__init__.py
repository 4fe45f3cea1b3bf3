"""Finishing: text rendering, LUTs and colour, loudness, delivery presets and validation,
reframing, smart render, NLE conform and shot detection (the libraries the edit/deliver ops use)."""

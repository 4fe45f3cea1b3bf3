"""Segment Anything (SAM) through Hugging Face transformers; weights are supplied by the user."""

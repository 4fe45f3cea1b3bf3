"""SAM 2 (the ``sam2`` package): video object segmentation with a memory of past frames."""

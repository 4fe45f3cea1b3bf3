"""Models that ship inside the ``mediapipe`` 0.10.21 wheel (optional extra ``mediapipe``)."""

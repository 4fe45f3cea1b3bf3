"""Camera motion over stills: schedules to per-frame cameras, 2D and depth-aware 3D rendering.

Coordinate conventions (used by the renderers and the camera exports alike):

- **Pixels**: ``x`` right, ``y`` down; integer coordinates are pixel centres, so an image of width
  ``W`` spans ``-0.5 .. W - 0.5`` and its centre is ``(W - 1) / 2``.
- **Scene** (3D mode): the source image was taken by a pinhole camera at the origin looking along
  ``+z``; ``+x`` is right and ``+y`` is down (OpenCV's camera convention). Depths and the camera's
  translations are in scene units, the units of ``near`` / ``far``. The source camera's field of
  view ``fov`` spans the image's shorter side.
- **Camera rotation** (3D mode): ``rotation_3d_y`` pans (positive turns right), ``rotation_3d_x``
  tilts (positive looks up), ``rotation_3d_z`` rolls (positive turns the picture counter-clockwise,
  like a positive 2D ``angle``); applied as pan, then tilt, then roll, like a camera head:
  ``R = Ry(pan) @ Rx(tilt) @ Rz(roll)`` (camera to world).
- **2D mode**: ``zoom`` scales the picture about the transform centre (2 = twice as big), ``angle``
  turns it counter-clockwise in degrees, ``translation_x`` / ``translation_y`` move it right / down in
  output pixels (Deforum's 2D meaning). Every 2D move is also an exact 3D camera over a flat image
  plane, which is what the camera exports contain for 2D shots.
"""

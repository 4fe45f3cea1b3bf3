"""Depth-aware camera moves: every output pixel is reprojected into the still through its depth.

For each frame (all NumPy/OpenCV, vectorised):

1. **Visibility.** The depth grid (the still's depth at about output resolution) is projected into
   the new camera and z-buffered, so nearer surfaces hide farther ones. Cracks a magnifying move
   leaves between projected points are closed from their nearest neighbours; larger holes
   (background the foreground used to hide) get the *farther* neighbouring depth.
2. **Exact lookup.** That depth is only a first guess: each output pixel's ray is intersected with
   the still's depth surface by a few fixed-point steps (move along the ray to the depth the still
   has where the ray currently projects), so the texture is sampled at the exact source position,
   once, from the full-resolution still (no accumulated blur, sub-pixel accurate parallax).
3. **Uncovered regions.** Where no consistent surface is found (background that was hidden behind
   an edge), the pixel is looked up in a *background layer* made once per shot: near each depth
   edge the foreground is replaced by the background across the edge, stretched and softened, at
   the background's depth. Disocclusions therefore show the surface that was behind, never black
   tears, and never a smear of the foreground.
"""

from __future__ import annotations


import cv2
import numpy as np

from shotgraph.motion.camera import CameraPath
from shotgraph.motion.texture import Border, Filter, MipTexture, as_rows

REFINE_STEPS = 2
CONSISTENT = 0.01  # relative depth mismatch below which a ray has found the still's surface
EDGE_RATIO = 1.1  # depths within 2 pixels differing by more than this make a depth edge
NO_DEPTH = 1e30  # z-buffer values at or above this are holes
BACKGROUND_LEVELS = 12  # depth levels the background layer's "nearest farther surface" search uses
MAX_FOOTPRINT = 6  # pixels per side one depth sample may cover (larger magnifications leave cracks to fill)


class DepthScene:
    """A still with per-pixel scene depth, rendered for any frame of a camera path."""

    def __init__(self, image: np.ndarray, depth: np.ndarray, camera: CameraPath,
                 border: Border = "replicate", filter: Filter = "cubic"):
        if depth.shape != image.shape[:2]:
            raise ValueError("depth must have the image's size")
        self.camera = camera
        framing = camera.framing
        self.out_w, self.out_h = framing.out_w, framing.out_h
        self.texture = MipTexture(image, border, filter)
        self.src_h, self.src_w = image.shape[:2]
        self.f_src = camera.source_focal
        self.c_src = framing.src_centre.astype(np.float32)
        # The depth grid: the still's depth at about the output's resolution
        # (denser than the still when the output magnifies it: one depth sample per output pixel
        # splats faster, and keeps depth edges sharper, than few samples each covering many pixels)
        self.grid_scale = min(2.0, framing.base_scale * max(1.0, float(camera.focal.max() / camera.focal[0])))
        grid_w = max(2, round(self.src_w * self.grid_scale))
        grid_h = max(2, round(self.src_h * self.grid_scale))
        self.grid_sx, self.grid_sy = grid_w / self.src_w, grid_h / self.src_h
        resample = cv2.INTER_AREA if self.grid_scale < 1 else cv2.INTER_LINEAR
        self.depth = cv2.resize(depth.astype(np.float32), (grid_w, grid_h), interpolation=resample) \
            if (grid_w, grid_h) != (self.src_w, self.src_h) else depth.astype(np.float32)
        self.points = self._grid_points(self.depth)
        self.points3 = self.points.reshape(-1, 1, 3)  # the layout cv2.transform takes
        self.walls = depth_walls(self.depth)
        self.near = float(self.depth.min())
        # pixel offsets from the output's centre, for the rays of every frame
        cx, cy = framing.out_centre
        self.ray_x = (np.arange(self.out_w, dtype=np.float32) - np.float32(cx))[None, :]
        self.ray_y = (np.arange(self.out_h, dtype=np.float32) - np.float32(cy))[:, None]
        self._background: tuple[np.ndarray, MipTexture] | None = None
        self._image = image

    # -- geometry ----------------------------------------------------------------------------
    def _grid_to_source(self, gx: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (gx + 0.5) / self.grid_sx - 0.5, (gy + 0.5) / self.grid_sy - 0.5

    def _grid_points(self, depth: np.ndarray) -> np.ndarray:
        """Scene points (N, 3) of the depth grid's pixel centres."""
        gh, gw = depth.shape
        gx, gy = np.meshgrid(np.arange(gw, dtype=np.float32), np.arange(gh, dtype=np.float32))
        sx, sy = self._grid_to_source(gx, gy)
        z = depth
        x = (sx - self.c_src[0]) / np.float32(self.f_src) * z
        y = (sy - self.c_src[1]) / np.float32(self.f_src) * z
        return np.stack([x.ravel(), y.ravel(), z.ravel()], axis=1).astype(np.float32)

    def _sample_grid(self, grid: np.ndarray, src_x: np.ndarray, src_y: np.ndarray, how: int = cv2.INTER_LINEAR,
                     shift: float = 0.0) -> np.ndarray:
        """A depth-grid map at source-pixel positions (edges extended)."""
        gx = ((src_x + np.float32(0.5)) * np.float32(self.grid_sx) - np.float32(0.5 + shift)).astype(np.float32)
        gy = ((src_y + np.float32(0.5)) * np.float32(self.grid_sy) - np.float32(0.5 + shift)).astype(np.float32)
        if gx.ndim == 1:  # scattered points
            rows = cv2.remap(grid, as_rows(gx), as_rows(gy), how, borderMode=cv2.BORDER_REPLICATE)
            return rows.ravel()[: len(gx)]
        return cv2.remap(grid, gx, gy, how, borderMode=cv2.BORDER_REPLICATE)

    def _sample_depth(self, depth: np.ndarray, src_x: np.ndarray, src_y: np.ndarray) -> np.ndarray:
        """The still's depth at source-pixel positions (bilinear)."""
        return self._sample_grid(depth, src_x, src_y)

    def _on_wall(self, walls: np.ndarray, src_x: np.ndarray, src_y: np.ndarray) -> np.ndarray:
        """Whether positions fall in a grid cell spanning a depth edge (the cell holding the
        position is the one whose top-left corner is below it: nearest lookup half a pixel up)."""
        return self._sample_grid(walls, src_x, src_y, cv2.INTER_NEAREST, shift=0.5) > 0

    def _splat(self, frame: int) -> np.ndarray:
        """Nearest depth (camera z) of the projected depth grid at each output pixel; inf if none.

        A point covers as many pixels as the move magnifies its surface, so a near surface stays
        closed and a farther one cannot show through its cracks; single-pixel cracks of a gently
        magnified surface are closed after splatting (:func:`close_cracks`).
        """
        cam = self.camera
        rotation, f = cam.rotation[frame], float(cam.focal[frame])
        cx, cy = cam.framing.out_centre
        # K [R^T | -R^T C]: every point to (f x + cx z, f y + cy z, z) in the camera, in one OpenCV pass
        intrinsics = np.array([[f, 0, cx], [0, f, cy], [0, 0, 1]])
        to_image = intrinsics @ np.hstack([rotation.T, (-rotation.T @ cam.position[frame])[:, None]])
        projected = cv2.transform(self.points3, to_image.astype(np.float32)).reshape(-1, 3)
        z = projected[:, 2]
        inverse_z = 1 / np.maximum(z, np.float32(1e-6 * self.near))  # behind the camera: dropped below
        u = projected[:, 0] * inverse_z
        v = projected[:, 1] * inverse_z
        reach = MAX_FOOTPRINT
        keep = (z > 1e-4 * self.near) & (u > -reach) & (u < self.out_w + reach) & (v > -reach) & (v < self.out_h + reach)
        # output pixels between neighbouring grid points: (grid step) * (focal ratio) * (depth ratio)
        spread = np.float32(f / (self.f_src * self.grid_sx)) * self.points[:, 2] * inverse_z
        footprint = np.where(spread <= 1.05, 1, np.minimum(np.ceil(spread), MAX_FOOTPRINT)).astype(np.int8)
        footprint[~keep] = 0  # not splatted at all
        zbuf = np.full(self.out_w * self.out_h, np.inf, np.float32)
        counts = np.bincount(footprint, minlength=MAX_FOOTPRINT + 1)
        for size in np.flatnonzero(counts[1:]) + 1:
            chosen = footprint == size if counts[size] < len(footprint) else slice(None)
            # the pixels whose centres lie within size/2 of the point
            left = np.ceil(u[chosen] - size / 2).astype(np.int32)
            top = np.ceil(v[chosen] - size / 2).astype(np.int32)
            depth = z[chosen]
            whole = (left >= 0) & (top >= 0) & (left + size <= self.out_w) & (top + size <= self.out_h)
            base = top[whole] * np.int32(self.out_w) + left[whole]
            inner = depth[whole]
            for dy in range(size):
                for dx in range(size):
                    np.minimum.at(zbuf, base + np.int32(dy * self.out_w + dx), inner)
            if not whole.all():  # footprints cut by the frame's edge
                left, top, depth = left[~whole], top[~whole], depth[~whole]
                for dy in range(size):
                    for dx in range(size):
                        x, y = left + dx, top + dy
                        inside = (x >= 0) & (x < self.out_w) & (y >= 0) & (y < self.out_h)
                        np.minimum.at(zbuf, y[inside] * self.out_w + x[inside], depth[inside])
        return close_cracks(zbuf.reshape(self.out_h, self.out_w))

    def _rays(self, frame: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """World direction of each output pixel's ray, scaled so its camera-z component is 1."""
        cam = self.camera
        r = cam.rotation[frame].astype(np.float32)
        f = np.float32(cam.focal[frame])
        ux, uy = self.ray_x / f, self.ray_y / f
        return (r[0, 0] * ux + r[0, 1] * uy + r[0, 2], r[1, 0] * ux + r[1, 1] * uy + r[1, 2],
                r[2, 0] * ux + r[2, 1] * uy + r[2, 2])

    def _intersect(self, frame: int, depth: np.ndarray, guess: np.ndarray, rays,
                   walls: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """Refine camera depths ``guess`` so each ray meets the still's surface ``depth``.

        Returns source-pixel positions, and whether each ray landed consistently on the surface.
        """
        c = self.camera.position[frame].astype(np.float32)
        dx, dy, dz = rays
        f_src, closest = np.float32(self.f_src), np.float32(1e-3 * self.near)
        # where moving along a ray changes the still's depth too little to solve for, keep the guess
        steep = np.abs(dz) > 1e-3
        inverse_dz = np.where(steep, 1 / np.where(steep, dz, 1), 0).astype(np.float32)
        lam = guess
        for step in range(REFINE_STEPS + 1):
            wz = lam * dz
            wz += c[2]
            # points behind the still's camera get a small depth: far-off but finite source positions
            scale = f_src / np.maximum(wz, closest)
            src_x = lam * dx
            src_x += c[0]
            src_x *= scale
            src_x += self.c_src[0]
            src_y = lam * dy
            src_y += c[1]
            src_y *= scale
            src_y += self.c_src[1]
            surface = self._sample_depth(depth, src_x, src_y)
            if step == REFINE_STEPS:
                break
            moved = (surface - c[2]) * inverse_dz  # along the ray to where the still's depth is
            lam = np.where(moved > 0, moved, lam)
        consistent = (wz > 0) & (np.abs(wz - surface) <= CONSISTENT * surface) & (lam > 0)
        if walls is not None:  # a ray resting on the slope bilinear depth makes between two
            consistent &= ~self._on_wall(walls, src_x, src_y)  # surfaces has found neither of them
        return src_x, src_y, consistent

    # -- background layer ----------------------------------------------------------------------
    def _disocclusion_width(self) -> float:
        """How far (grid pixels) hidden background can be uncovered over the shot: the largest
        difference in image motion between the nearest and farthest depth, at a grid of points."""
        cam = self.camera
        near, far = float(self.depth.min()), float(self.depth.max())
        xs = np.linspace(0, self.src_w - 1, 5)
        ys = np.linspace(0, self.src_h - 1, 5)
        px, py = np.meshgrid(xs, ys)
        rays = np.stack([(px - self.c_src[0]) / self.f_src, (py - self.c_src[1]) / self.f_src,
                         np.ones_like(px)], -1).reshape(-1, 3)
        widest = 0.0
        for frame in range(0, cam.n_frames, max(1, cam.n_frames // 64)):
            with np.errstate(divide="ignore", invalid="ignore"):
                a, b = cam.project(frame, rays * near), cam.project(frame, rays * far)
            gap = np.linalg.norm(a - b, axis=1) - np.linalg.norm(cam.project(0, rays * near) - cam.project(0, rays * far), axis=1)
            gap = gap[np.isfinite(gap)]
            if gap.size:
                widest = max(widest, float(gap.max()) / max(cam.texture_scale(frame), 1e-6))
        return widest * self.grid_sx

    def background(self) -> tuple[np.ndarray, MipTexture]:
        """Depth and texture of what lies behind the foreground near each depth edge (made once).

        What is behind a foreground edge is what lies just across it (not the farthest thing
        around, which would put the sky behind every hill): each foreground pixel within reach of
        a farther surface takes the depth and colour of the nearest farther pixel a few pixels
        across an edge (clear of its blended colours), the colours are softened along the band,
        and the result is the layer uncovered regions are looked up in. Distance transforms, so
        O(pixels) per depth level.
        """
        if self._background is not None:
            return self._background
        depth = self.depth
        gh, gw = depth.shape
        image = self._image if (gw, gh) == (self.src_w, self.src_h) else \
            cv2.resize(self._image, (gw, gh), interpolation=cv2.INTER_AREA)
        reach = float(np.clip(2 * self._disocclusion_width() + 4, 4, max(gh, gw)))
        behind = cv2.erode(depth, np.ones((5, 5), np.uint8)) * EDGE_RATIO < depth  # far side of an edge
        clear = (cv2.erode(depth, np.ones((9, 9), np.uint8)) * EDGE_RATIO < depth) & ~behind
        bg_depth, layer = depth.copy(), image.copy()

        def stretch(pixels: np.ndarray, from_y: np.ndarray, from_x: np.ndarray) -> None:
            """Paint ``pixels`` with the colours at (from_y, from_x), softened along the stretch by
            averaging only among these pixels (nothing from other surfaces creeps in)."""
            stretched = np.zeros(image.shape, np.float32)
            stretched[pixels] = image[from_y, from_x]
            weight = cv2.GaussianBlur(pixels.astype(np.float32), (0, 0), 3.0)
            smooth = cv2.GaussianBlur(stretched, (0, 0), 3.0)[pixels] / weight[pixels][:, None]
            layer[pixels] = np.clip(smooth + 0.5, 0, 255).astype(np.uint8)

        # Each pixel looks for the nearest clear pixel at least EDGE_RATIO farther than itself:
        # depths are split into levels, and pixels of a level search only the clear pixels beyond it.
        levels = np.geomspace(float(depth.min()) * EDGE_RATIO, float(depth.max()), BACKGROUND_LEVELS)
        level_of = np.searchsorted(levels, depth * np.float32(EDGE_RATIO))
        band = np.zeros(depth.shape, bool)
        for index, threshold in enumerate(levels):
            mine = (level_of == index) & ~behind
            targets = clear & (depth >= threshold)
            if not mine.any() or not targets.any():
                continue
            distance, labels = cv2.distanceTransformWithLabels((~targets).astype(np.uint8), cv2.DIST_L2, 5,
                                                               labelType=cv2.DIST_LABEL_PIXEL)
            mine &= distance <= reach
            if not mine.any():
                continue
            target_y, target_x = np.nonzero(targets)  # labels number the target pixels in raster order
            nearest = labels[mine] - 1
            bg_depth[mine] = depth[target_y[nearest], target_x[nearest]]
            stretch(mine, target_y[nearest], target_x[nearest])
            band |= mine
        fringe = behind & ~band
        if band.any() and fringe.any():
            # the far side's edge pixels hold the edge's blended colours: repaint them from the
            # nearest clear pixel (of their own surface)
            _, labels = cv2.distanceTransformWithLabels((~clear).astype(np.uint8), cv2.DIST_L2, 5,
                                                        labelType=cv2.DIST_LABEL_PIXEL)
            clear_y, clear_x = np.nonzero(clear)
            nearest = labels[fringe] - 1
            stretch(fringe, clear_y[nearest], clear_x[nearest])
        if layer.shape[:2] != (self.src_h, self.src_w):  # sampled in source pixels: the still's size
            layer = cv2.resize(layer, (self.src_w, self.src_h), interpolation=cv2.INTER_LINEAR)
        # bilinear is plenty for stretched background
        self._background = (bg_depth, MipTexture(layer, self.texture.border_name, "linear"))
        return self._background

    # -- rendering -----------------------------------------------------------------------------
    def depth_at(self, frame: int) -> np.ndarray:
        """The scene's depth (camera z, float32 at the output size) as frame ``frame``'s camera sees
        it; background a move uncovers gets the farther depth around it."""
        return fill_depth(self._splat(frame))

    def render(self, frame: int) -> np.ndarray:
        zbuf = self._splat(frame)
        guess = fill_depth(zbuf)
        rays = self._rays(frame)
        src_x, src_y, consistent = self._intersect(frame, self.depth, guess, rays, self.walls)
        scale = self.camera.texture_scale(frame)
        out = self.texture.remap(src_x, src_y, scale)
        if consistent.all():
            return out
        bg_depth, bg_texture = self.background()
        # whole uncovered regions, not a speckle of hits and misses along their ragged edges
        hidden = cv2.morphologyEx((~consistent).astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) > 0
        rows, cols = np.nonzero(hidden)
        sub_rays = tuple(r[rows, cols] for r in rays)
        bx, by, _ = self._intersect(frame, bg_depth, guess[rows, cols], sub_rays)
        out = out.copy()
        out[rows, cols] = bg_texture.sample(bx.astype(np.float32), by.astype(np.float32), scale)
        return out


def depth_walls(depth: np.ndarray) -> np.ndarray:
    """uint8 map: 1 where the 2x2 cell with this top-left pixel spans a depth edge."""
    padded = np.pad(depth, ((0, 1), (0, 1)), mode="edge")
    corners = (padded[:-1, :-1], padded[1:, :-1], padded[:-1, 1:], padded[1:, 1:])
    highest = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
    lowest = np.minimum(np.minimum(corners[0], corners[1]), np.minimum(corners[2], corners[3]))
    return (highest > lowest * np.float32(EDGE_RATIO)).astype(np.uint8)


def close_cracks(zbuf: np.ndarray, ratio: float = 1.05) -> np.ndarray:
    """Pixels whose two opposite neighbours (left/right or above/below) are both nearer than them
    are cracks in a nearer surface (empty, or showing a farther point through it): give them the
    farther of those two neighbours' depths."""
    out = zbuf.copy()
    centre = zbuf[1:-1, 1:-1]
    for a, b in ((zbuf[1:-1, :-2], zbuf[1:-1, 2:]), (zbuf[:-2, 1:-1], zbuf[2:, 1:-1])):
        farther = np.maximum(a, b)
        crack = farther * np.float32(ratio) < centre
        out[1:-1, 1:-1][crack] = farther[crack]
    return out


def fill_depth(zbuf: np.ndarray) -> np.ndarray:
    """Close the holes (inf) of a z-buffer: thin cracks from the nearest neighbours, larger holes
    from the farthest depth around them (what an uncovered region shows is background)."""
    valid = zbuf < NO_DEPTH
    if valid.all():
        return zbuf
    # cracks: holes the surface closes over (at most 3 pixels across), not the edges of big holes
    closed = cv2.morphologyEx(valid.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8)) > 0
    cracks = closed & ~valid
    filled = zbuf
    for _ in range(2):
        if not cracks.any():
            break
        # min over neighbours (OpenCV turns inf into FLT_MAX: anything that large is still a hole)
        eroded = cv2.erode(filled, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE)
        take = cracks & (eroded < NO_DEPTH)
        filled = np.where(take, eroded, filled)
        cracks &= ~take
    holes = ~(filled < NO_DEPTH)
    if not holes.any():
        return filled
    return _push_pull_max(np.where(holes, 0, filled).astype(np.float32))


def _push_pull_max(depth: np.ndarray) -> np.ndarray:
    """Fill zeros with the largest valid value of the surrounding region, coarse to fine."""
    if (depth <= 0).all():
        return np.ones_like(depth)
    pyramid = [depth]
    while min(pyramid[-1].shape) > 1 and (pyramid[-1] <= 0).any():
        level = pyramid[-1]
        h, w = level.shape
        if h % 2 or w % 2:
            level = np.pad(level, ((0, h % 2), (0, w % 2)))
        pyramid.append(np.maximum(np.maximum(level[0::2, 0::2], level[1::2, 0::2]),
                                  np.maximum(level[0::2, 1::2], level[1::2, 1::2])))
    filled = pyramid[-1]
    if (filled <= 0).any():
        filled = np.where(filled <= 0, filled.max(), filled)
    for level in reversed(pyramid[:-1]):
        up = cv2.resize(filled, (filled.shape[1] * 2, filled.shape[0] * 2), interpolation=cv2.INTER_NEAREST)
        filled = np.where(level > 0, level, up[: level.shape[0], : level.shape[1]])
    return filled.astype(np.float32)

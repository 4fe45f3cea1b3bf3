"""Segmentation benchmark: mask propagation speed at 854x480 and quality (J, F).

- Synthetic shot with ground truth (textured object through an occlusion, tests/segmentation_shots):
  J and F on the last frame and mean over the shot, and propagation fps, for each refinement, with
  plain flow warping (OpenCV DIS + remap, no refinement: what warping masks by hand gives) as the
  peer in the same run.
- Real clips from ../shared/data (when present), scaled to 854x480: fps, and - since no ground-truth
  masks ship with them (see MANIFEST.md) - a labelled PROXY of quality: cycle consistency, i.e.
  propagate forward K frames, then back to frame 0, and score the returned mask against the first.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from shotgraph.clip import SliceClip  # noqa: E402
from shotgraph.masks import grabcut  # noqa: E402
from shotgraph.masks.metrics import j_and_f  # noqa: E402
from shotgraph.masks.prompts import Prompt  # noqa: E402
from shotgraph.masks.propagate import PropagationSettings, propagate  # noqa: E402
from shotgraph.masks.store import MaskStore  # noqa: E402

# ../shared beside the clone (CI), or two levels up for a worktree under wt/
DATA = next((p / "data" / "clips" for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()),
            ROOT.parent / "shared" / "data" / "clips")
WIDTH, HEIGHT = 854, 480
# prompts for the real clips, at 854x480: the middle red cup; the juggler
REAL = {"cups.mp4": (380, 196, 492, 364), "juggle.mp4": (390, 30, 560, 450)}
REFINES = ("grabcut", "colour", "none")


def timed_propagation(clip, anchors, refine, folder):
    store = MaskStore(folder, clip.video.width, clip.video.height, clip.n_frames)
    clock = time.perf_counter()
    propagate(clip, anchors, store, PropagationSettings(refine=refine))
    return store, (clip.n_frames - len(anchors)) / (time.perf_counter() - clock)


def synthetic_rows(quick: bool) -> list[str]:
    from segmentation_shots import SyntheticShot

    shot = SyntheticShot(width=WIDTH, height=HEIGHT, n_frames=20 if quick else 40)
    clip = shot.clip()
    first = grabcut.mask_from_prompt(shot.frame(0), Prompt(box=shot.box(0)))
    j0, f0 = j_and_f(first, shot.truth(0))
    rows, peer = [], None
    for refine in reversed(REFINES):  # the peer (none) first, so ratios can refer to it
        with tempfile.TemporaryDirectory() as folder:
            store, fps = timed_propagation(clip, {0: first}, refine, folder)
            scores = [j_and_f(store.get(i), shot.truth(i)) for i in range(shot.n_frames)]
        last_j, last_f = scores[-1]
        mean_jf = float(np.mean([(j + f) / 2 for j, f in scores]))
        if refine == "none":
            peer = (mean_jf, fps)
        name = "plain flow warp (peer)" if refine == "none" else f"flow + {refine}"
        rows.append(f"| {name} | {j0:.3f} / {f0:.3f} | {last_j:.3f} / {last_f:.3f} | {mean_jf:.3f} "
                    f"({mean_jf / max(peer[0], 1e-6):.1f}x) | {fps:.1f} ({fps / peer[1]:.2f}x) |")
    return list(reversed(rows))


def real_rows(quick: bool) -> list[str]:
    from shotgraph.media import open_video
    from shotgraph.media.resize import resize

    rows = []
    span = 15 if quick else 45
    for name, box in REAL.items():
        path = DATA / name
        if not path.exists():
            continue
        clip = resize(open_video(path, audio=False), WIDTH, HEIGHT, mode="stretch")
        clip = SliceClip(clip, 0, span + 1)
        first = grabcut.mask_from_prompt(clip.frame_at(0), Prompt(box=box))
        for refine in REFINES:
            with tempfile.TemporaryDirectory() as folder:
                forward, fps = timed_propagation(clip, {0: first}, refine, Path(folder) / "f")
                back, _ = timed_propagation(clip, {span: forward.get(span)}, refine, Path(folder) / "b")
                j, f = j_and_f(back.get(0), first)
            rows.append(f"| {name} | {refine} | {span} | {fps:.1f} | {j:.3f} / {f:.3f} |")
    return rows


def run(quick: bool) -> str:
    lines = ["## Segmentation: mask propagation", "",
             f"Propagation at {WIDTH}x{HEIGHT} (DIS flow, medium preset, both flow directions per frame for the "
             "occlusion check). Peer: plain flow warping with the same flow and no per-frame correction.", "",
             "### Synthetic shot with ground truth (textured object, textured panning background, occluder)", "",
             "| method | frame 0 J / F | last frame J / F | mean (J+F)/2 (vs peer) | fps (vs peer) |",
             "|---|---|---|---|---|", *synthetic_rows(quick), ""]
    real = real_rows(quick)
    lines += ["### Real clips (../shared/data), scaled to 854x480", ""]
    if real:
        lines += ["No ground-truth masks ship with these clips (MANIFEST.md), so J / F here is a **proxy**: "
                  "cycle consistency, the mask propagated forward K frames and back again, scored against the "
                  "frame-0 mask. It rewards stable tracking, not agreement with a human annotation.", "",
                  "| clip | refine | K | fps | proxy J / F |", "|---|---|---|---|---|", *real]
    else:
        lines.append("../shared/data is not present: skipped.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run("--quick" in sys.argv))

"""Conform export of a project: render the shots its edit uses, as media files an NLE conforms
(ProRes by default), and write the edit as timelines referencing them
(:mod:`shotgraph.finish.conform` builds and writes the timelines)."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from shotgraph.errors import ParamError, UserError
from shotgraph.finish.conform import Media, edit_timeline, media_key, write_timeline
from shotgraph.finish.edit import EditParams
from shotgraph.finish.title import title
from shotgraph.graph.hashing import sha256_json
from shotgraph.graph.workspace import Workspace
from shotgraph.media.encode import AudioEncoding, VideoEncoding
from shotgraph.media.reader import open_video
from shotgraph.media.retime import conform
from shotgraph.media.writer import write_clip

MediaMode = str  # "prores" | "h264" | "cache"


def export_project_edit(project_path: Path | str, outputs: list[Path], media_mode: MediaMode = "prores",
                        media_dir: Path | None = None, jobs: int | None = None, progress=None) -> otio.schema.Timeline:
    """Render the shots a project's edit uses (from the cache when they are there), export each as
    a media file at the edit's format into ``media_dir`` (``media_mode`` prores: ProRes 422 HQ +
    PCM .mov, what Resolve and Premiere conform best; h264: small .mp4 proxies; cache: reference
    the cache's own files, only for tools that read x264-RGB NUT), and write the timeline to each
    of ``outputs``."""
    if media_mode not in ("prores", "h264", "cache"):
        raise ParamError(f"--media {media_mode!r}: use prores, h264 or cache")
    workspace = Workspace.open(project_path)
    graph = workspace.graph
    if graph.edit is None:
        raise UserError(f"{project_path} has no edit: section to conform")
    edit_node = graph.nodes[graph.edit]
    params: EditParams = edit_node.params
    workspace.run(list(dict.fromkeys(edit_node.refs.values())), jobs, progress=progress)
    media_dir = Path(media_dir) if media_dir else Path(outputs[0]).parent / "media"
    fps, width, height = params.fps, params.width, params.height
    encodings = {"prores": (VideoEncoding(codec="prores", profile="hq"), AudioEncoding(codec="pcm_s24le"), ".mov"),
                 "h264": (VideoEncoding(codec="h264", crf=18), AudioEncoding(codec="aac"), ".mp4")}
    media: dict[str, Media] = {}
    for index, spec in enumerate(params.clips):
        key = media_key(index, spec)
        if key in media:
            continue
        if spec.shot is not None:
            node_id = edit_node.refs[str(spec.shot)]
            node_key = graph.key(node_id)
            cached = workspace.cache.entry_path(node_key) / workspace.cache.meta(node_key)["clip_file"]
            clip = open_video(cached)
            prefix = f"shots.{spec.shot}."
            metadata = {"shot": str(spec.shot), "node": node_id, "key": node_key, "seed": graph.nodes[node_id].seed,
                        "seeds": {n: node.seed for n, node in graph.nodes.items()
                                  if (n.startswith(prefix) or n == node_id) and node.seed is not None},
                        "project": str(workspace.project.path)}
        else:
            node_key = sha256_json(spec.title.model_dump(mode="json"))
            clip, cached = title(spec.title, width, height, fps), None
            metadata = {"title": spec.title.model_dump(mode="json")}
        conformed = conform(clip, width, height, fps, params.fit)
        if media_mode == "cache" and cached is not None and conformed is clip:
            path = cached
        else:
            video, audio, suffix = encodings["prores" if media_mode == "cache" else media_mode]
            path = media_dir / f"{key}-{node_key[:10]}{suffix}"
            if not path.is_file():  # named by content key: an existing file is this very render
                write_clip(conformed, path, video, audio)
        media[key] = Media(path, conformed.n_frames, metadata)
    timeline = edit_timeline(params, media, name=workspace.project.spec.name)
    for output in outputs:
        write_timeline(timeline, output)
    return timeline

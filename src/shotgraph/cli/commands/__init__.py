"""Hand-written CLI commands beyond the generated per-op ones (e.g. ``shotgraph models``).

Each module here defines ``register(app: typer.Typer) -> None`` and is picked up automatically,
so a capability adds its commands by adding a module, without touching ``cli.py``.
"""

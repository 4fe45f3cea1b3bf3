"""Hosted video services as backends, with the user's own API key: Runway and Luma Dream Machine.

Each speaks the service's documented HTTP API (submit a task, poll it, download the result) through
:mod:`.http`, which adds timeouts, retries with exponential backoff on rate limits / server errors /
dropped connections, and one-line errors. The API key comes from an environment variable (or the
Python API's ``api_key=``) and is never logged, put in an error, or recorded in a manifest.
"""

from shotgraph.backends.base import Backend

RUNWAY = Backend("runway", "Runway API (your key in $RUNWAYML_API_SECRET)")
LUMA = Backend("luma", "Luma Dream Machine API (your key in $LUMAAI_API_KEY)")

"""The project graph: project file, node keys, content-addressed cache, executor, run manifests."""

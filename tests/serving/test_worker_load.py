"""What each gunicorn worker does when it loads the app, before its first request."""

from __future__ import annotations

import gc

from app import serving, settings


def test_a_worker_freezes_what_it_loaded_so_the_collector_no_longer_walks_it(monkeypatch, tmp_path):
    # Full collections over the loaded app stalled about one request in a hundred by ~0.1 s.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'planner.db'}")
    server = serving.PlannerServer(settings.read().serve, tmp_path, False)
    gc.unfreeze()
    try:
        app = server.load()
        frozen = gc.get_freeze_count()
        assert app.name == "app"
        assert frozen > 10_000, "the app, its schemas and the model stay tracked"
        assert frozen > len(gc.get_objects()), "most of the heap is frozen"
    finally:
        gc.unfreeze()

"""What each gunicorn worker does when it loads the app, before its first request."""

from __future__ import annotations

import gc

from app import serving, settings


def test_a_worker_freezes_what_it_loaded_so_the_collector_no_longer_walks_it(monkeypatch, tmp_path):
    # Full collections walking the loaded app stalled requests under load (bench_api's p99).
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'planner.db'}")
    monkeypatch.setattr(serving, "configure_logging", lambda level: None)  # pytest's own
    server = serving.PlannerServer(settings.read().serve, tmp_path, False)
    gc.unfreeze()
    app = server.load()
    try:
        assert gc.is_tracked(app)
        # Frozen objects are left out of what the collector walks and lists.
        assert all(tracked is not app for tracked in gc.get_objects())
        assert all(tracked is not app.url_map for tracked in gc.get_objects())
    finally:
        gc.unfreeze()
        app.extensions["planner_db"].engine.dispose()

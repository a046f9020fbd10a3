"""What the migration tests share: rows as old revisions stored them, and a table's indexes."""

from __future__ import annotations

from sqlalchemy import Engine

from core import dialects

WHEN = "'2025-01-01'"


def workspace(id_: int, name: str) -> str:
    return (
        "INSERT INTO workspaces (id, name, timezone, created_at, connect_enabled, "
        "connect_weekday, connect_time, connect_minutes, updated_at) VALUES "
        f"({id_}, '{name}', 'UTC', {WHEN}, true, 1, '08:00', 60, {WHEN})"
    )


def user(id_: int, workspace: int, role: str, deactivated: bool = False) -> str:
    return (
        "INSERT INTO users (id, workspace_id, email, role, created_at, session_generation, "
        f"deactivated_at) VALUES ({id_}, {workspace}, 'u{id_}@old.example', '{role}', {WHEN}, "
        f"0, {WHEN if deactivated else 'NULL'})"
    )


def audience(id_: int, workspace: int) -> str:
    return (
        "INSERT INTO audiences (id, workspace_id, name, description, keywords, exclude_keywords, "
        "timezone, cadence, gives_per_ask, min_days_between_asks, revision, created_at, "
        f"updated_at) VALUES ({id_}, {workspace}, 'A{id_}', '', '[]', '[]', 'UTC', '{{}}', 3, "
        f"30, 0, {WHEN}, {WHEN})"
    )


def indexes(engine: Engine) -> set[str]:
    query = {
        dialects.SQLITE: "SELECT name FROM sqlite_master WHERE tbl_name = 'posts'",
        dialects.POSTGRESQL: (
            "SELECT indexname FROM pg_indexes WHERE tablename = 'posts' "
            "AND schemaname = current_schema()"
        ),
    }[dialects.of(engine)]
    with engine.connect() as connection:
        return {name for (name,) in connection.exec_driver_sql(query)}


# A team, its admin and a rep, and twelve posts of every status, as 0011 knew them.
TEAM_POSTS_ROWS = [
    workspace(1, "Team Co"),
    user(1, 1, "admin"),
    user(2, 1, "rep"),
    audience(1, 1),
    *(
        "INSERT INTO posts (id, audience_id, owner_id, kind, type, title, body, scheduled_at, "
        f"status, sequence, created_at, updated_at) VALUES ({id_}, 1, {1 + id_ % 2}, 'give', "
        f"'tip', 'T{id_}', '', '2030-02-{id_:02d} 09:00:00', '{status}', 0, '2025-01-01', "
        "'2025-01-01')"
        for id_, status in enumerate(["scheduled", "published", "cancelled", "draft"] * 3, 1)
    ),
]

# A workspace and its rep, as 0005 knew them.
OLD_CO_ROWS = [
    "INSERT INTO workspaces (id, name, timezone, created_at, connect_enabled, connect_weekday, "
    "connect_time, connect_minutes, updated_at) VALUES (1, 'Old Co', 'UTC', '2024-01-01', "
    "true, 1, '08:00', 60, '2024-01-01')",
    "INSERT INTO users (id, workspace_id, email, role, created_at) "
    "VALUES (1, 1, 'pat@old.example', 'rep', '2024-01-01')",
]

# Old Co with an audience and an article shared by a post and dismissed, as 0005 knew them.
DISMISSAL_ROWS = [
    *OLD_CO_ROWS,
    "INSERT INTO audiences (id, workspace_id, name, description, keywords, exclude_keywords, "
    "timezone, cadence, gives_per_ask, min_days_between_asks, min_days_after_connect, "
    "touches_per_ask, half_life_days, revision, created_at, updated_at) VALUES (1, 1, 'CFOs', "
    "'', '[]', '[]', 'UTC', '{}', 3, 30, 14, 2, 7, 0, '2024-01-01', '2024-01-01')",
    "INSERT INTO articles (id, workspace_id, title, published_at, summary_html, summary_text, "
    "tags, content_hash, created_at, updated_at, search_title, search_body) VALUES (5, 1, "
    "'Pricing', '2024-01-02', '', '', '[]', 'h', '2024-01-02', '2024-01-02', 'price', '')",
    "INSERT INTO posts (id, audience_id, kind, type, title, body, article_id, scheduled_at, "
    "status, sequence, created_at, updated_at) VALUES (7, 1, 'give', 'shared_article', "
    "'Pricing', '', 5, '2025-01-06 09:00:00', 'scheduled', 0, '2024-01-01', '2024-01-01')",
    "INSERT INTO suggestion_dismissals (audience_id, article_id, created_at) "
    "VALUES (1, 5, '2024-01-03')",
]

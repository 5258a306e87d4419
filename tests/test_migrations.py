"""The schema is built only by migrations, and models never drift from them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from bot.migrate import current_revision, head_revision, upgrade
from bot.models import Base


def test_upgrade_reaches_head_and_is_repeatable(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert {"leads", "reps", "touchpoints", "stage_changes", "notifications"} <= set(
        inspect(engine).get_table_names()
    )


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; add an Alembic revision: {diff}"

"""Plumbing: migrations match the models on every backend; rate limits shared through Redis."""
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from conftest import REDIS_URL, database_url, reset_postgres
from eventsvc import create_app
from eventsvc.extensions import db


def test_migrations_build_the_schema_the_models_describe(backend, tmp_path):
    url = database_url(backend, tmp_path)
    if backend == "postgresql":
        reset_postgres(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == []


@pytest.mark.skipif(not REDIS_URL, reason="needs EVENTSVC_TEST_REDIS_URL (CI sets it)")
def test_rate_limits_are_shared_by_workers_through_redis(tmp_path):
    """Two app instances (two workers) with one Redis count the same login attempts."""
    prefix = f"test-{uuid.uuid4().hex}"
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}", "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "x", "TESTING": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix, "RATELIMIT_TOKEN": "3 per minute",
    }
    first, second = create_app(dict(settings)), create_app(dict(settings))
    with first.app_context():
        db.create_all()
    codes = []
    for app in (first, second, first, second):
        codes.append(app.test_client().get(f"/my/{'x' * 32}").status_code)
    assert codes == [404, 404, 404, 429]


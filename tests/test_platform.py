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


def test_upgrading_a_database_with_registrations_keeps_them_all(backend, tmp_path):
    """0002 rebuilds `registrations` on SQLite: nothing may cascade away, the partial unique index must survive."""
    import sqlalchemy as sa

    url = database_url(backend, tmp_path)
    if backend == "postgresql":
        reset_postgres(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision="d579fdb051c5")
        now = "2026-11-01 00:00:00+00:00"
        with db.engine.begin() as c:
            c.exec_driver_sql("INSERT INTO users (id, email, name, password_hash, role, active, created_at) "
                              f"VALUES (1, 'o@example.org', '', 'x', 'organizer', true, '{now}')")
            c.exec_driver_sql(
                "INSERT INTO events (id, slug, owner_id, kind, title_th, title_en, description_th, description_en, "
                "organizer_name_th, organizer_name_en, format, venue_name, venue_room, venue_floor, venue_address, "
                "registration_mode, seats_taken, waitlist, status, contact_name, contact_phone, contact_email, "
                "view_count, attendee_list_published, created_at, updated_at) VALUES (1, 'e', 1, 'hearing', 'ประชุม', "
                f"'', '', '', '', '', 'onsite', '', '', '', '', 'open', 1, true, 'published', '', '', '', 0, false, "
                f"'{now}', '{now}')")
            c.exec_driver_sql("INSERT INTO event_sessions (id, event_id, name_th, name_en, starts_at, ends_at, "
                              "seats_taken, stream_url, stream_visibility, recording_url) VALUES "
                              f"(1, 1, 'เช้า', '', '2027-01-01 02:00:00+00:00', '2027-01-01 05:00:00+00:00', 1, '', "
                              "'public', '')")
            for n, status in ((1, "cancelled"), (2, "confirmed")):
                c.exec_driver_sql(
                    "INSERT INTO registrations (id, event_id, status, title_prefix, first_name, last_name, email, "
                    "email_normalized, phone, organization, position, sector, attendance, locale, "
                    "consent_processing_at, consent_listing, manage_token_hash, created_at, updated_at) VALUES "
                    f"({n}, 1, '{status}', '', 'สมชาย', 'ใจดี', 'a@example.org', 'a@example.org', '', '', '', "
                    f"'public', 'onsite', 'th', '{now}', false, 'hash{n}', '{now}', '{now}')")
                c.exec_driver_sql(f"INSERT INTO registration_sessions VALUES ({n}, 1)")

        upgrade()

        with db.engine.begin() as c:
            assert c.exec_driver_sql("SELECT count(*) FROM registration_sessions").scalar() == 2
            assert c.exec_driver_sql("SELECT count(*) FROM registrations").scalar() == 2
            # 0003 gave every registration made before tickets its own ticket.
            tickets = c.exec_driver_sql("SELECT ticket_id FROM registrations").scalars().all()
            assert len(set(tickets)) == 2 and all(t and len(t) == 22 for t in tickets)
            # Still partial: a second active row for the same person is refused, a cancelled one was allowed.
            with pytest.raises(sa.exc.IntegrityError):
                c.exec_driver_sql("UPDATE registrations SET status = 'waitlisted' WHERE id = 1")
            if backend == "sqlite":
                assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


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


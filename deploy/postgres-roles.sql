-- gut-triage on PostgreSQL in production: the role the app connects as, `triage_app`.
--
-- It may read and write the app's tables, but the audit log only grows: it can INSERT and SELECT audit_events and
-- never UPDATE, DELETE or TRUNCATE them, and as it owns no table it cannot drop the append-only triggers or the
-- table either. The migrations run as the tables' owner (another role), never as triage_app.
--
-- Run as the role that owns the tables (the one that ran `triage db upgrade`), in the app's database, after every
-- upgrade (a new migration may add tables):
--   psql -v ON_ERROR_STOP=1 -d triage -f deploy/postgres-roles.sql
-- then give the role a password (or a client certificate) and point the app's DATABASE_URL at it:
--   ALTER ROLE triage_app PASSWORD '...';
--   DATABASE_URL=postgresql+psycopg://triage_app:...@db.internal/triage?sslmode=verify-full

DO $$
BEGIN
    CREATE ROLE triage_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
EXCEPTION
    -- Roles are shared by every database of the server: it may exist already (another database, an earlier run).
    WHEN duplicate_object THEN NULL;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO triage_app', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO triage_app;
REVOKE CREATE ON SCHEMA public FROM triage_app;

-- Every table: read and write, as the app needs; then take back what the audit log must never allow.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO triage_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO triage_app;
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events FROM triage_app;
GRANT SELECT, INSERT ON audit_events TO triage_app;

-- The schema version is the migrations' business: the app only reads it.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM triage_app;
GRANT SELECT ON alembic_version TO triage_app;

-- Tables that later migrations create (as this same owner) get the same read-and-write grants; rerun this script
-- after an upgrade all the same, so that the audit log's revocation above is checked again.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO triage_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO triage_app;

-- The preloaded guard and the event triggers at once: each violation is
-- reported once.
CREATE EVENT TRIGGER pg_conventions_guard ON ddl_command_end
  EXECUTE FUNCTION conventions.guard_event_trigger();
CREATE EVENT TRIGGER pg_conventions_guard_start ON ddl_command_start
  EXECUTE FUNCTION conventions.guard_event_trigger();
SET pg_conventions.mode = warn;
CREATE TABLE both_nopk (a int, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SET pg_conventions.mode = enforce;
CREATE TABLE both_nopk2 (a int, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SET pg_conventions.mode = off;
DROP TABLE both_nopk;
DROP EVENT TRIGGER pg_conventions_guard;
DROP EVENT TRIGGER pg_conventions_guard_start;
RESET pg_conventions.mode;

-- Exemptions: a mandatory reason; only the table's owner (or a superuser)
-- may exempt, and only once granted; visible in violations(); kept by
-- pg_dump (TAP test 004).  Settings: a non-superuser cannot change them
-- unless granted SET on them.
SELECT count(*) > 0 AS loaded FROM conventions.rules();
SET pg_conventions.mode = enforce;
CREATE ROLE conv_lead LOGIN;
CREATE ROLE conv_other LOGIN;
CREATE SCHEMA ex;
GRANT ALL ON SCHEMA ex TO conv_lead, conv_other;
SET ROLE conv_lead;
SET pg_conventions.mode = off;
CREATE TABLE ex.lead_table (a int);
RESET ROLE;
SET pg_conventions.mode = off;
CREATE TABLE ex.lead_table (a int);
ALTER TABLE ex.lead_table OWNER TO conv_lead;
CREATE TABLE ex.other_table (a int);
ALTER TABLE ex.other_table OWNER TO conv_other;
SET pg_conventions.mode = enforce;

-- not granted: nobody but a superuser may exempt
SET ROLE conv_lead;
SELECT conventions.exempt('ex.lead_table', '*', 'vendor schema');
INSERT INTO conventions.exemptions (table_name, rule, reason) VALUES ('ex.lead_table', '*', 'sneaky');
RESET ROLE;
GRANT INSERT, UPDATE, DELETE ON conventions.exemptions TO conv_lead;

-- granted: its own tables only
SET ROLE conv_lead;
SELECT conventions.exempt('ex.lead_table', 'require_primary_key', 'vendor schema');
SELECT conventions.exempt('ex.other_table', 'require_primary_key', 'not mine');
INSERT INTO conventions.exemptions (table_name, rule, reason) VALUES ('ex.other_table', '*', 'sneaky');
UPDATE conventions.exemptions SET table_name = 'ex.other_table';
-- a reason is mandatory, the rule must exist
SELECT conventions.exempt('ex.lead_table', 'require_timestamps', '');
SELECT conventions.exempt('ex.lead_table', 'require_timestamps', NULL);
SELECT conventions.exempt('ex.lead_table', 'require_timestamp', 'typo');
-- the exempted rule no longer stops its DDL; the others still do (the
-- table's old debt is only a warning: what is new is the camelCase column)
ALTER TABLE ex.lead_table ADD COLUMN "bCol" int;
SELECT conventions.exempt('ex.lead_table', '*', 'vendor schema, all rules');
ALTER TABLE ex.lead_table ADD COLUMN "bCol" int;
SELECT table_name, rule, reason, exempted_by FROM conventions.exemptions ORDER BY rule;
RESET ROLE;
SELECT rule, object, exempted, exemption_reason FROM conventions.violations()
 WHERE table_name::text LIKE 'ex.%' ORDER BY table_name::text, rule, object;
-- another owner's table stays judged
SET ROLE conv_other;
ALTER TABLE ex.other_table ADD COLUMN "bCol" int;
SELECT conventions.unexempt('ex.lead_table', '*');
RESET ROLE;
SET ROLE conv_lead;
SELECT conventions.unexempt('ex.lead_table', '*');
RESET ROLE;

-- settings: superuser only, unless granted SET on the parameter
SET ROLE conv_lead;
SET pg_conventions.disabled_rules = '*';
SET pg_conventions.warning_rules = '*';
SET pg_conventions.schemas = nothing;
SET pg_conventions.profile = sequelize;
SET pg_conventions.primary_key_type = 'any';
RESET ROLE;
-- (GRANT SET ON PARAMETER is PostgreSQL 15's: on 14 only a superuser sets
-- these, expected/exemptions_1.out)
GRANT SET ON PARAMETER pg_conventions.warning_rules TO conv_lead;
SET ROLE conv_lead;
BEGIN;
SET LOCAL pg_conventions.warning_rules = '*';
CREATE TABLE ex.granted (a int);
COMMIT;
SET pg_conventions.disabled_rules = '*';
RESET ROLE;
REVOKE SET ON PARAMETER pg_conventions.warning_rules FROM conv_lead;

-- a dropped table's exemptions go with it, whoever drops it and however
-- (DROP TABLE by a role that may not write exemptions, DROP SCHEMA …
-- CASCADE); dropping a column keeps them
SET pg_conventions.mode = off;
CREATE TABLE ex.gone (a int, b int);
ALTER TABLE ex.gone OWNER TO conv_other;
CREATE SCHEMA ex_gone;
CREATE TABLE ex_gone.t1 (a int);
CREATE TABLE ex_gone.t2 (a int);
SELECT conventions.exempt('ex.gone', '*', 'about to go');
SELECT conventions.exempt('ex_gone.t1', '*', 'about to go');
SELECT conventions.exempt('ex_gone.t2', 'require_primary_key', 'about to go');
ALTER TABLE ex.gone DROP COLUMN b;
SELECT table_name, rule FROM conventions.exemptions WHERE reason = 'about to go' ORDER BY 1::text;
SET ROLE conv_other;
DROP TABLE ex.gone;
RESET ROLE;
SELECT table_name, rule FROM conventions.exemptions WHERE reason = 'about to go' ORDER BY 1::text;
DROP SCHEMA ex_gone CASCADE;
SELECT count(*) AS left_behind FROM conventions.exemptions WHERE reason = 'about to go';
-- only what the rules judge can be exempted
CREATE VIEW ex.a_view AS SELECT 1 AS one;
SELECT conventions.exempt('ex.a_view', '*', 'a view');
INSERT INTO conventions.exemptions (table_name, rule, reason) VALUES ('ex.a_view', '*', 'written directly');
CREATE TEMP TABLE ex_temp (a int);
SELECT conventions.exempt('ex_temp', '*', 'temporary');
SELECT conventions.exempt(4000000000::oid::regclass, '*', 'no such table');

SET pg_conventions.mode = off;
DELETE FROM conventions.exemptions;
DROP SCHEMA ex CASCADE;
REVOKE ALL ON conventions.exemptions FROM conv_lead;
DROP ROLE conv_lead, conv_other;
RESET pg_conventions.mode;

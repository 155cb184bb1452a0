\echo Use "CREATE EXTENSION pg_conventions_test_ext" to load this file. \quit
CREATE TABLE conv_test_ext.parent (id int PRIMARY KEY);
CREATE TABLE conv_test_ext.no_conventions (parent_id int REFERENCES conv_test_ext.parent, note text);

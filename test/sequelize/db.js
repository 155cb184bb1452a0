'use strict';
// Connections for the Sequelize end-to-end test.
//
// Everything comes from the standard libpq environment variables (PGHOST,
// PGPORT, PGUSER, PGPASSWORD, PGDATABASE), as Debian's pg_virtualenv sets
// them. PGDATABASE is only the "maintenance" database used to create and
// drop the throwaway databases the tests run in.
//
// Plain JavaScript for Node 18 (Debian 12's nodejs): CommonJS, no newer APIs.

const os = require('node:os');
const pg = require('pg');
const { Sequelize } = require('sequelize');

function serverConfig() {
  const env = process.env;
  return {
    host: env.PGHOST || 'localhost',
    port: Number(env.PGPORT || 5432),
    user: env.PGUSER || os.userInfo().username,
    password: env.PGPASSWORD,
    maintenanceDatabase: env.PGDATABASE || 'postgres',
  };
}

function quoteIdent(name) {
  return '"' + String(name).replace(/"/g, '""') + '"';
}

// Runs fn(client) on a plain node-postgres connection (no Sequelize).
async function withClient(database, fn) {
  const cfg = serverConfig();
  const client = new pg.Client({
    host: cfg.host,
    port: cfg.port,
    user: cfg.user,
    password: cfg.password,
    database: database || cfg.maintenanceDatabase,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropDatabase(name) {
  await withClient(null, (c) =>
    c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

// A fresh, empty database with the extension created in it (for
// conventions.violations(); the guard itself needs only the preload).
async function createDatabase(name) {
  await dropDatabase(name);
  await withClient(null, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  await withClient(name, (c) => c.query('CREATE EXTENSION pg_conventions'));
}

// A Sequelize instance on `database` whose every connection starts with the
// given pg_conventions settings (passed as startup options, like PGOPTIONS)
// and reports the server's notices into the returned `notices` array.
//
// opts.mode, opts.profile: pg_conventions.mode / pg_conventions.profile
// opts.define:             Sequelize's global model options
// opts.log:                array to push every SQL statement Sequelize sends
// opts.settings:           other settings, { name: value }
// opts.applicationName:    the connections' application_name
// opts.pool:               Sequelize's pool options (default: at most 2 connections)
function connect(database, opts) {
  const cfg = serverConfig();
  // lc_messages=C: severities and messages in English whatever the locale.
  const settings = ['-c lc_messages=C'];
  if (opts.profile) settings.push(`-c pg_conventions.profile=${opts.profile}`);
  if (opts.mode) settings.push(`-c pg_conventions.mode=${opts.mode}`);
  for (const [name, value] of Object.entries(opts.settings || {})) settings.push(`-c ${name}=${value}`);
  const notices = [];
  const log = opts.log;
  const sequelize = new Sequelize(database, cfg.user, cfg.password, {
    dialect: 'postgres',
    host: cfg.host,
    port: cfg.port,
    logging: log ? (sql) => log.push(sql) : false,
    define: opts.define || {},
    dialectOptions: { options: settings.join(' '), application_name: opts.applicationName },
    pool: opts.pool || { max: 2, min: 0, idle: 1000 },
  });
  // afterConnect gets the raw pg Client of every pooled connection.
  sequelize.addHook('afterConnect', (client) => {
    client.on('notice', (n) => notices.push(n));
  });
  return { sequelize, notices };
}

// "Rule foreign_key_index: ..." -> "foreign_key_index"; null for the one
// WARNING (PC000) that says a table's old debt, which names no one rule.
function ruleOf(diagnostic) {
  const m = /^Rule ([a-z_]+):/.exec(diagnostic.detail || '');
  return m ? m[1] : null;
}

// pg_conventions' diagnostics (SQLSTATE class PC) among the notices, in a
// form that prints well in an assertion failure.
function conventionNotices(notices) {
  return notices
    .filter((n) => /^PC/.test(n.code || ''))
    .map((n) => ({
      severity: n.severity, code: n.code, rule: ruleOf(n), message: n.message, detail: n.detail, hint: n.hint,
    }));
}

module.exports = {
  serverConfig, withClient, createDatabase, dropDatabase, connect, ruleOf, conventionNotices,
};

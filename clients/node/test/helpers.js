'use strict';
// What the tests share: connections from the libpq environment variables, a
// throwaway database per test, and throwaway sequelize-cli projects run with
// the real `npx sequelize-cli db:migrate`.
//
// PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE are those of a superuser on a
// server that preloads pg_conventions; PGDATABASE is only the maintenance
// database the test databases are created from. PGC_KEEP=1 keeps the
// databases and the project folders (their paths are printed).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const pg = require('pg');

const PACKAGE_DIR = path.resolve(__dirname, '..');
const KEEP = process.env.PGC_KEEP === '1';

function serverConfig() {
  const env = process.env;
  return {
    host: env.PGHOST || 'localhost',
    port: Number(env.PGPORT || 5432),
    user: env.PGUSER || os.userInfo().username,
    password: env.PGPASSWORD || null,
    maintenanceDatabase: env.PGDATABASE || 'postgres',
  };
}

function quoteIdent(name) {
  return '"' + String(name).replace(/"/g, '""') + '"';
}

function clientConfig(database) {
  const cfg = serverConfig();
  return {
    host: cfg.host,
    port: cfg.port,
    user: cfg.user,
    password: cfg.password === null ? undefined : cfg.password,
    database: database || cfg.maintenanceDatabase,
  };
}

async function withClient(database, fn) {
  const client = new pg.Client(clientConfig(database));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// A database name unique to this test run and test.
function databaseName(test) {
  return `pgc_node_${test}_${process.pid}`;
}

async function dropDatabase(name) {
  await withClient(null, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

// The DDL sequelize-cli (umzug's SequelizeStorage, Model.sync()) runs for
// its own table.
const SEQUELIZE_META_DDL =
  'CREATE TABLE IF NOT EXISTS "SequelizeMeta" ("name" VARCHAR(255) NOT NULL UNIQUE , PRIMARY KEY ("name"))';

// A fresh database with the extension (for conventions.violations() and
// exemptions) and the given settings (ALTER DATABASE ... SET), which every
// later connection, sequelize-cli's too, starts with.
//
// opts.settings:      { 'pg_conventions.mode': 'enforce', ... }
// opts.sequelizeMeta: true (default) creates sequelize-cli's "SequelizeMeta"
//                     table with the guard off and exempts it, as the README
//                     says to do once; false leaves it to sequelize-cli.
async function createDatabase(name, opts = {}) {
  await dropDatabase(name);
  await withClient(null, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  await withClient(name, async (c) => {
    await c.query('CREATE EXTENSION pg_conventions');
    if (opts.sequelizeMeta !== false) {
      await c.query('SET pg_conventions.mode = off');
      await c.query(SEQUELIZE_META_DDL);
      await c.query(`SELECT conventions.exempt('public."SequelizeMeta"', '*', 'sequelize-cli migration log')`);
    }
  });
  await alterDatabase(name, { lc_messages: 'C', ...(opts.settings || {}) });
}

// ALTER DATABASE ... SET for each setting: the connections made from now on
// (sequelize-cli's next run) start with them.
async function alterDatabase(name, settings) {
  await withClient(null, async (c) => {
    for (const [setting, value] of Object.entries(settings)) {
      await c.query(`ALTER DATABASE ${quoteIdent(name)} SET ${setting} = '${String(value).replace(/'/g, "''")}'`);
    }
  });
}

// The one line of configuration the README documents.
const CONFIG_LINE = "module.exports = require('pg-conventions/sequelize')(require('./config.json'));";

// A sequelize-cli project in a temporary folder, as `sequelize-cli init` and
// `npm install` leave it:
//   config/config.json   the connection (development environment)
//   config/config.js     the one line (unless opts.line === false)
//   migrations/          opts.migrations: { 'file.js': source }
//   node_modules/        sequelize, sequelize-cli, pg from this package's
//                        devDependencies, and pg-conventions itself, linked
//                        as `npm install <folder>` links it
function makeProject(database, opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-node-project-'));
  const cfg = serverConfig();
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'pgc-test-project',
    private: true,
    dependencies: { 'pg-conventions': `file:${PACKAGE_DIR}` },
  }, null, 2) + '\n');
  fs.mkdirSync(path.join(dir, 'config'));
  fs.writeFileSync(path.join(dir, 'config', 'config.json'), JSON.stringify({
    development: {
      username: cfg.user,
      password: cfg.password,
      database,
      host: cfg.host,
      port: cfg.port,
      dialect: 'postgres',
    },
  }, null, 2) + '\n');
  if (opts.line !== false) {
    fs.writeFileSync(path.join(dir, 'config', 'config.js'), CONFIG_LINE + '\n');
  }
  fs.mkdirSync(path.join(dir, 'migrations'));
  for (const [file, source] of Object.entries(opts.migrations || {})) {
    fs.writeFileSync(path.join(dir, 'migrations', file), source);
  }
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(modules, '.bin'), { recursive: true });
  for (const name of ['sequelize', 'sequelize-cli', 'pg']) {
    fs.symlinkSync(path.join(PACKAGE_DIR, 'node_modules', name), path.join(modules, name), 'dir');
  }
  fs.symlinkSync(PACKAGE_DIR, path.join(modules, 'pg-conventions'), 'dir');
  const cliBin = require(path.join(PACKAGE_DIR, 'node_modules', 'sequelize-cli', 'package.json')).bin['sequelize-cli'];
  fs.symlinkSync(path.join('..', 'sequelize-cli', cliBin), path.join(modules, '.bin', 'sequelize-cli'));
  return dir;
}

function removeProject(dir) {
  if (KEEP) {
    process.stderr.write(`kept ${dir}\n`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

// Runs `npx sequelize-cli <args>` in the project, as a developer would
// (`--no`: npx must use the project's sequelize-cli, never download one).
// Resolves to { code, stdout, stderr, output } (output: both, in the order
// they arrived).
function npxSequelizeCli(dir, args) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NODE_ENV: 'development', NO_COLOR: '1' };
    delete env.FORCE_COLOR;
    delete env.NODE_TEST_CONTEXT; // the child is not a test of node --test
    env.npm_config_update_notifier = 'false';
    env.npm_config_fund = 'false';
    const child = spawn('npx', ['--no', 'sequelize-cli', ...args], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (b) => { stdout += b; output += b; });
    child.stderr.on('data', (b) => { stderr += b; output += b; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? `signal ${signal}` : code, stdout, stderr, output });
    });
  });
}

async function migrate(database, opts) {
  const dir = makeProject(database, opts);
  try {
    return await npxSequelizeCli(dir, ['db:migrate']);
  } finally {
    removeProject(dir);
  }
}

// Runs a test body in a fresh database, dropped afterwards.
async function inDatabase(test, opts, fn) {
  const name = databaseName(test);
  try {
    await createDatabase(name, opts);
    return await fn(name);
  } finally {
    if (!KEEP) await dropDatabase(name);
    else process.stderr.write(`kept database ${name}\n`);
  }
}

async function tableExists(database, table) {
  return withClient(database, async (c) =>
    (await c.query('SELECT to_regclass($1) IS NOT NULL AS e', [table])).rows[0].e);
}

async function migrationsRun(database) {
  return withClient(database, async (c) =>
    (await c.query('SELECT name FROM "SequelizeMeta" ORDER BY name')).rows.map((r) => r.name));
}

// What the guard finds in the database (or in one table of it, given as
// 'public.posts'), exemptions left out.
async function violations(database, table) {
  return withClient(database, async (c) => (await c.query(
    `SELECT rule, object FROM conventions.violations()
      WHERE NOT exempted AND ($1::text IS NULL OR table_name = $1::regclass) ORDER BY 1, 2`,
    [table === undefined ? null : table])).rows);
}

module.exports = {
  PACKAGE_DIR,
  CONFIG_LINE,
  SEQUELIZE_META_DDL,
  serverConfig,
  clientConfig,
  quoteIdent,
  withClient,
  databaseName,
  createDatabase,
  alterDatabase,
  dropDatabase,
  inDatabase,
  makeProject,
  removeProject,
  npxSequelizeCli,
  migrate,
  tableExists,
  migrationsRun,
  violations,
};

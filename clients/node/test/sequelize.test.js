'use strict';
// Sequelize in an application: new Sequelize(..., withConventions(options)),
// against the real server; and the shapes of configuration the helper takes.

const test = require('node:test');
const assert = require('node:assert/strict');
const { Sequelize, DataTypes } = require('sequelize');
const h = require('./helpers');
const withConventions = require('../sequelize');
const conventions = require('..');

function sequelizeFor(db, options) {
  const cfg = h.serverConfig();
  return new Sequelize(db, cfg.user, cfg.password, options);
}

function baseOptions() {
  const cfg = h.serverConfig();
  return { dialect: 'postgres', host: cfg.host, port: cfg.port, logging: false, pool: { max: 2 } };
}

test('withConventions(options): Sequelize\'s connections print the guard\'s WARNINGs; hooks already there still run', async () => {
  await h.inDatabase('app_warn', {}, async (db) => {
    const seen = [];
    const theirs = [];
    const options = { ...baseOptions(), hooks: { afterConnect: (connection) => theirs.push(connection) } };
    const frozen = JSON.stringify(options);
    const sequelize = sequelizeFor(db, withConventions(options, { logger: (text, d) => seen.push(d) }));
    assert.equal(JSON.stringify(options), frozen, 'the options given are left as they were');
    try {
      await sequelize.query('CREATE TABLE t (id serial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())');
      await sequelize.query("DO $$ BEGIN RAISE WARNING 'not ours'; END $$");
    } finally {
      await sequelize.close();
    }
    // Sequelize's first connection (it reads the server version) and the
    // pool's: each went through their hook and ours.
    assert.ok(theirs.length >= 1);
    for (const connection of theirs) assert.equal(connection[Symbol.for('pg-conventions.attached')], true);
    assert.deepEqual(seen.map((d) => [d.severity, d.code, d.rule, d.message]), [
      ['WARNING', 'PC005', 'primary_key_type', 'primary key column "id" of table "public.t" has type integer, not uuid'],
    ]);
  });
});

test('withConventions(options), profile sequelize, enforce: sync() of a model without underscored is rejected, the ERROR printed once with its Sequelize line', async () => {
  const settings = { 'pg_conventions.mode': 'enforce', 'pg_conventions.profile': 'sequelize' };
  await h.inDatabase('app_enforce', { settings }, async (db) => {
    const seen = [];
    const texts = [];
    const logger = (t, d) => { texts.push(t); seen.push(d); };
    // Wrapped twice, and an explicit hook too: still one hook's worth.
    const wrapped = withConventions(withConventions(baseOptions(), { logger }));
    const sequelize = sequelizeFor(db, wrapped);
    sequelize.addHook('afterConnect', conventions.afterConnect({ logger }));
    sequelize.define('BadPost', {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      userId: DataTypes.UUID,
    }, { tableName: 'bad_posts' });
    let err;
    try {
      await sequelize.sync().catch((e) => { err = e; });
    } finally {
      await sequelize.close();
    }
    assert.ok(err, 'sync() was rejected');
    assert.equal(err.name, 'SequelizeDatabaseError');
    assert.equal(err.original.code, 'PC004');
    assert.equal(seen.length, 1, JSON.stringify(seen, null, 2));
    const d = seen[0];
    assert.equal(d.severity, 'ERROR');
    assert.equal(d.message, err.original.message);
    assert.equal(d.detail, err.original.detail);
    assert.equal(d.hint, err.original.hint);
    assert.equal(d.sql, 'ALTER TABLE public.bad_posts RENAME COLUMN "userId" TO user_id;');
    assert.match(d.sequelize, /^In Sequelize, set underscored: true in the model's options/);
    assert.match(conventions.format(d), /\n {2}SEQUELIZE: In Sequelize, set underscored: true/);
    // In an application (not sequelize-cli, which prints an ERROR's DETAIL
    // itself) the printed ERROR has its DETAIL.
    assert.ok(texts[0].includes(`\n  DETAIL: ${err.original.detail}\n  HINT:   `), texts[0]);
    assert.equal(conventions.format(d, { errorDetail: false }), texts[0].replace(`\n  DETAIL: ${err.original.detail}`, ''));
  });
});

test('the configuration shapes: sequelize-cli\'s environments, a promise, a function, a callback', async () => {
  const json = {
    development: { dialect: 'postgres', database: 'dev' },
    test: { dialect: 'postgres', database: 'test', hooks: { afterConnect: [function mine() {}] } },
    production: { use_env_variable: 'DATABASE_URL' },
  };
  const frozen = JSON.stringify(json);
  const hooks = (c) => c.hooks.afterConnect.map((f) => f.name);
  const ours = 'pgConventionsAfterConnect';

  const wrapped = withConventions(json);
  assert.equal(JSON.stringify(json), frozen);
  assert.equal(json.test.hooks.afterConnect.length, 1);
  assert.deepEqual(hooks(wrapped.development), [ours]);
  assert.deepEqual(hooks(wrapped.test), ['mine', ours]);
  assert.deepEqual(hooks(wrapped.production), [ours]);
  assert.equal(wrapped.production.use_env_variable, 'DATABASE_URL');
  assert.deepEqual(hooks(withConventions(wrapped).test), ['mine', ours]);

  // One options object (new Sequelize(options)).
  assert.deepEqual(hooks(withConventions({ dialect: 'postgres' })), [ours]);
  // sequelize-cli accepts a promise, a function returning one, a callback.
  assert.deepEqual(hooks((await withConventions(Promise.resolve(json))).development), [ours]);
  assert.deepEqual(hooks((await withConventions(async () => json)()).development), [ours]);
  const viaCallback = await new Promise((resolve, reject) =>
    withConventions((cb) => cb(null, json))((e, c) => (e ? reject(e) : resolve(c))));
  assert.deepEqual(hooks(viaCallback.test), ['mine', ours]);
  // The same function from the main module.
  assert.equal(require('..').sequelize, withConventions);
});

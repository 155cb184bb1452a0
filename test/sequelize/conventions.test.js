'use strict';
// End-to-end: the Sequelize models of shared/seed/database-patterns.md against
// a server that preloads pg_conventions (shared_preload_libraries), through
// Sequelize and node-postgres as an application would use them.
//
// Needs: the libpq environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
// PGDATABASE) of a superuser on such a server. Each test makes its own
// database (dropped first if left over, and at the end) and creates the
// extension in it for conventions.violations().
//
// Run: bash run.sh   (or: npm ci && node --test)
// PGC_KEEP_DATABASES=1 keeps the test databases afterwards, to look at.

const { test, after } = require('node:test');
const { execFileSync } = require('node:child_process');
const assert = require('node:assert/strict');
const { Sequelize, DataTypes } = require('sequelize');
const {
  withClient, createDatabase, dropDatabase, connect, ruleOf, conventionNotices,
} = require('./db');
const { defineModels } = require('./models');

const DATABASES = {
  warn: 'pgc_sequelize_sync_warn',
  migration: 'pgc_sequelize_migration',
  unindexed: 'pgc_sequelize_migration_unindexed',
  camel: 'pgc_sequelize_camelcase',
  safety: 'pgc_sequelize_migration_safety',
  legacy: 'pgc_sequelize_legacy',
  production: 'pgc_sequelize_production',
  twin: 'pgc_sequelize_twin',
  ci: 'pgc_sequelize_ci',
};
const SEED_TABLES = ['post_tags', 'posts', 'profiles', 'tags', 'users'];

after(async () => {
  if (process.env.PGC_KEEP_DATABASES) return;
  for (const name of Object.values(DATABASES)) await dropDatabase(name);
});

async function violations(sequelize) {
  const [rows] = await sequelize.query(
    `SELECT rule, table_name::text AS table_name, object
       FROM conventions.violations()
      ORDER BY rule COLLATE "C", table_name::text COLLATE "C", object COLLATE "C"`);
  return rows;
}

async function show(sequelize, setting) {
  const [[row]] = await sequelize.query(`SELECT current_setting('${setting}') AS value`);
  return row.value;
}

async function publicTables(sequelize) {
  const [rows] = await sequelize.query(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  return rows.map((r) => r.tablename);
}

// The pg error under a Sequelize error (SequelizeDatabaseError.original).
function pgError(err) {
  return (err && (err.original || err.parent)) || err;
}

function describeError(e) {
  return JSON.stringify({ code: e.code, message: e.message, detail: e.detail, hint: e.hint });
}

test('the server preloads pg_conventions, with the settings this test uses', async () => {
  await withClient(null, async (c) => {
    const { rows: [su] } = await c.query(
      'SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    assert.equal(su.rolsuper, true, 'the test must connect as a superuser (PGUSER)');
    const { rows: [spl] } = await c.query("SELECT current_setting('shared_preload_libraries') AS v");
    assert.match(spl.v, /\bpg_conventions\b/,
      'start the server with shared_preload_libraries=pg_conventions');
    const { rows } = await c.query(
      "SELECT name FROM pg_settings WHERE name LIKE 'pg_conventions.%' ORDER BY name");
    const names = rows.map((r) => r.name);
    assert.ok(names.includes('pg_conventions.mode'), 'pg_conventions.mode is defined');
    assert.ok(names.includes('pg_conventions.profile'),
      `pg_conventions.profile is defined (settings found: ${names.join(', ')})`);
    await c.query("SET pg_conventions.profile = 'sequelize'");
  });
});

test('sync() of the seed models, profile sequelize, mode warn: only the unindexed foreign keys are reported', async () => {
  await createDatabase(DATABASES.warn);
  const { sequelize, notices } = connect(DATABASES.warn, {
    profile: 'sequelize', mode: 'warn', define: { underscored: true },
  });
  try {
    assert.equal(await show(sequelize, 'pg_conventions.profile'), 'sequelize');
    assert.equal(await show(sequelize, 'pg_conventions.mode'), 'warn');
    defineModels(sequelize);

    notices.length = 0;
    await sequelize.sync(); // autocommit: each statement is judged as it commits

    assert.deepEqual(await publicTables(sequelize), SEED_TABLES);

    // The WARNINGs the server sent while syncing: exactly the two foreign keys
    // that Sequelize leaves without an index. (Not: the uuid primary keys
    // without a database default, the created_at/updated_at columns NOT NULL
    // without a default, the ENUM, the paranoid deleted_at, the junction
    // table's composite primary key, the UNIQUE constraints: all accepted
    // under the sequelize profile or conforming anyway.)
    const got = conventionNotices(notices);
    const summary = got.map((n) => `${n.severity} ${n.code} ${n.rule}: ${n.message}`).sort();
    assert.equal(got.length, 2, `two warnings expected, got:\n${summary.join('\n')}`);
    for (const n of got) {
      assert.equal(n.severity, 'WARNING');
      assert.equal(n.code, 'PC003');
      assert.equal(n.rule, 'foreign_key_index');
    }
    const expected = {
      posts_user_id_fkey: ['CREATE INDEX idx_posts_user_id ON public.posts (user_id)',
        "await queryInterface.addIndex('posts', ['user_id'], { name: 'idx_posts_user_id', transaction });"],
      post_tags_tag_id_fkey: ['CREATE INDEX idx_post_tags_tag_id ON public.post_tags (tag_id)',
        "await queryInterface.addIndex('post_tags', ['tag_id'], { name: 'idx_post_tags_tag_id', transaction });"],
    };
    for (const [fkey, [fix, sequelizeFix]] of Object.entries(expected)) {
      const n = got.find((w) => w.message.includes(`"${fkey}"`));
      assert.ok(n, `a warning about ${fkey}:\n${summary.join('\n')}`);
      assert.ok((n.hint || '').includes(fix), `hint of ${fkey}: ${n.hint}`);
      // the profile's second HINT line: the same fix in Sequelize's terms
      assert.ok((n.hint || '').includes(`\nIn Sequelize, add it in the migration, in the transaction that adds the key: ${sequelizeFix}`),
        `Sequelize line of ${fkey}: ${n.hint}`);
    }

    // The report says the same.
    const rows = await violations(sequelize);
    assert.deepEqual(rows.map((r) => [r.rule, r.table_name]), [
      ['foreign_key_index', 'post_tags'],
      ['foreign_key_index', 'posts'],
    ], JSON.stringify(rows, null, 1));
    assert.match(rows[0].object, /post_tags_tag_id_fkey/);
    assert.match(rows[1].object, /posts_user_id_fkey/);

    // Control: it is the profile that accepts Sequelize's timestamps. Under
    // the default profile (sql) the same tables are reported for created_at
    // and updated_at having no DEFAULT now().
    const sqlProfile = await withClient(DATABASES.warn, async (c) => {
      await c.query("SET pg_conventions.profile = 'sql'");
      const r = await c.query(
        `SELECT DISTINCT table_name::text AS t FROM conventions.violations()
          WHERE rule = 'require_timestamps'`);
      return r.rows.map((x) => x.t).sort();
    });
    assert.deepEqual(sqlProfile, SEED_TABLES);
  } finally {
    await sequelize.close();
  }
});

test('a migration in one transaction, mode enforce: models with their indexes commit, nothing reported', async () => {
  await createDatabase(DATABASES.migration);
  const log = [];
  const { sequelize, notices } = connect(DATABASES.migration, {
    profile: 'sequelize', mode: 'enforce', define: { underscored: true }, log,
  });
  try {
    assert.equal(await show(sequelize, 'pg_conventions.profile'), 'sequelize');
    assert.equal(await show(sequelize, 'pg_conventions.mode'), 'enforce');
    const { inOrder } = defineModels(sequelize, { withIndexes: true });

    notices.length = 0;
    log.length = 0;
    let txId;
    // posts exists without idx_posts_user_id between its CREATE TABLE and its
    // CREATE INDEX: judged at COMMIT, the migration passes as it ends.
    await sequelize.transaction(async (t) => {
      txId = t.id;
      for (const model of inOrder) await model.sync({ transaction: t });
    });

    // It really was one transaction: every DDL statement ran in it.
    const ddl = log.filter((l) => /\b(CREATE (TABLE|INDEX|TYPE)|ALTER TABLE)\b/.test(l));
    assert.ok(ddl.length >= 7, ddl.join('\n'));
    for (const l of ddl) assert.ok(l.startsWith(`Executing (${txId}): `), l);
    assert.ok(log.some((l) => l === `Executing (${txId}): COMMIT;`), 'committed');

    assert.deepEqual(conventionNotices(notices), []);
    assert.deepEqual(await publicTables(sequelize), SEED_TABLES);
    const [idx] = await sequelize.query(
      `SELECT indexname, tablename FROM pg_indexes
        WHERE schemaname = 'public' AND indexname LIKE 'idx\\_%' ORDER BY 1`);
    assert.deepEqual(idx, [
      { indexname: 'idx_post_tags_tag_id', tablename: 'post_tags' },
      { indexname: 'idx_posts_user_id', tablename: 'posts' },
    ]);
    const rows = await violations(sequelize);
    assert.deepEqual(rows.filter((r) => SEED_TABLES.includes(r.table_name)), []);
    assert.deepEqual(rows, []);
  } finally {
    await sequelize.close();
  }
});

test('the same migration without the indexes, mode enforce: rejected at COMMIT, nothing left behind', async () => {
  await createDatabase(DATABASES.unindexed);
  const { sequelize } = connect(DATABASES.unindexed, {
    profile: 'sequelize', mode: 'enforce', define: { underscored: true },
  });
  try {
    const { inOrder } = defineModels(sequelize);
    await assert.rejects(
      sequelize.transaction(async (t) => {
        for (const model of inOrder) await model.sync({ transaction: t });
      }),
      (err) => {
        const e = pgError(err);
        assert.equal(err.sql, 'COMMIT;', 'rejected by the COMMIT, not before');
        assert.equal(e.code, 'PC003', describeError(e));
        assert.equal(ruleOf(e), 'foreign_key_index', describeError(e));
        assert.match(e.hint || '', /CREATE INDEX idx_(posts_user_id|post_tags_tag_id) /,
          describeError(e));
        return true;
      });
    assert.deepEqual(await publicTables(sequelize), []);
    const [types] = await sequelize.query(
      "SELECT typname FROM pg_type WHERE typname = 'enum_users_role'");
    assert.deepEqual(types, [], 'the ENUM type was rolled back with the rest');
  } finally {
    await sequelize.close();
  }
});

// A model written without `underscored: true`, on a Sequelize instance
// without the global option: columns "userId", "createdAt", "updatedAt".
function defineBadPost(sequelize) {
  return sequelize.define('BadPost', {
    id: { type: DataTypes.UUID, defaultValue: DataTypes.UUIDV4, primaryKey: true },
    title: { type: DataTypes.STRING(255), allowNull: false },
    userId: { type: DataTypes.UUID, allowNull: false },
  }, { tableName: 'bad_posts' });
}

test('a model without underscored: true, mode enforce: rejected, the HINT says underscored: true', async () => {
  await createDatabase(DATABASES.camel);
  const { sequelize } = connect(DATABASES.camel, { profile: 'sequelize', mode: 'enforce' });
  try {
    assert.equal(sequelize.options.define.underscored, undefined);
    const BadPost = defineBadPost(sequelize);
    await assert.rejects(BadPost.sync(), (err) => {
      assert.ok(err instanceof Sequelize.DatabaseError, String(err));
      const e = pgError(err);
      // autocommit: the CREATE TABLE is its own transaction, rejected as it ends
      assert.match(err.sql || '', /^CREATE TABLE IF NOT EXISTS "bad_posts"/);
      assert.match(e.code || '', /^PC/, describeError(e));
      assert.ok((e.hint || '').includes('underscored: true'), describeError(e));
      return true;
    });
    assert.deepEqual(await publicTables(sequelize), []);
  } finally {
    await sequelize.close();
  }
});

test('a model without underscored: true, mode warn: snake_case_names reported, its HINT says underscored: true', async () => {
  await createDatabase(DATABASES.camel);
  const { sequelize, notices } = connect(DATABASES.camel, { profile: 'sequelize', mode: 'warn' });
  try {
    const BadPost = defineBadPost(sequelize);
    notices.length = 0;
    await BadPost.sync();
    const got = conventionNotices(notices);
    const snake = got.filter((n) => n.rule === 'snake_case_names');
    assert.ok(snake.length >= 1, JSON.stringify(got, null, 1));
    for (const n of snake) {
      assert.equal(n.severity, 'WARNING');
      assert.equal(n.code, 'PC004');
      assert.ok((n.hint || '').includes('underscored: true'), JSON.stringify(n));
    }
    const rows = await violations(sequelize);
    assert.ok(rows.some((r) => r.rule === 'snake_case_names' && r.table_name === 'bad_posts'),
      JSON.stringify(rows, null, 1));
  } finally {
    await sequelize.close();
  }
});

// The one WARNING (SQLSTATE PC000) in which the guard says what a table it
// judges already had: its old violations, counted per rule, not repeated.
function oldDebt(table, n, rules) {
  return {
    severity: 'WARNING',
    code: 'PC000',
    rule: null,
    message: `table "public.${table}" still has ${n} violation${n === 1 ? '' : 's'} of the schema conventions that it had before`,
    detail: `Old debt, not repeated here: ${rules}. The transaction changed the table but did not introduce ${n === 1 ? 'it' : 'them'}.`,
    hint: `SELECT * FROM conventions.violations() WHERE table_name = 'public.${table}'::regclass;`,
  };
}

test('migrations on a legacy table, profile sequelize: a new violation in full and the old debt in one WARNING; under enforce, old debt alone commits, a new violation is rejected', async () => {
  await createDatabase(DATABASES.legacy);
  // A table from before the guard: an integer key, as sequelize-cli's
  // model:generate makes it.
  await withClient(DATABASES.legacy, async (c) => {
    await c.query('SET pg_conventions.mode = off');
    await c.query(`CREATE TABLE legacy_posts (id serial PRIMARY KEY, title text,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`);
  });
  const warn = connect(DATABASES.legacy, { profile: 'sequelize', mode: 'warn' });
  try {
    const qi = warn.sequelize.getQueryInterface();
    assert.deepEqual((await violations(warn.sequelize)).map((r) => [r.rule, r.object]), [
      ['primary_key_type', 'public.legacy_posts.id'],
    ]);
    warn.notices.length = 0;
    await qi.addColumn('legacy_posts', 'authorName', { type: DataTypes.STRING });
    const got = conventionNotices(warn.notices);
    assert.equal(got.length, 2, JSON.stringify(got, null, 1));
    // The new one in full, first: the rule's DETAIL and the Sequelize HINT.
    assert.deepEqual([got[0].severity, got[0].code, got[0].rule, got[0].message],
      ['WARNING', 'PC004', 'snake_case_names', 'column "authorName" of table "public.legacy_posts" is not named in snake_case']);
    assert.match(got[0].detail, /^Rule snake_case_names: names are lower-case snake_case/);
    assert.ok(got[0].hint.includes('underscored: true'), got[0].hint);
    // The key, not repeated: counted in one line.
    assert.deepEqual(got[1], oldDebt('legacy_posts', 1, 'primary_key_type (1)'));
  } finally {
    await warn.sequelize.close();
  }

  const enforce = connect(DATABASES.legacy, { profile: 'sequelize', mode: 'enforce' });
  try {
    const qi = enforce.sequelize.getQueryInterface();
    const debt = oldDebt('legacy_posts', 2, 'snake_case_names (1), primary_key_type (1)');
    // Nothing new: commits, with the table's two old violations in one WARNING.
    enforce.notices.length = 0;
    await enforce.sequelize.transaction(async (transaction) => {
      await qi.addColumn('legacy_posts', 'summary', { type: DataTypes.TEXT }, { transaction });
    });
    assert.deepEqual(conventionNotices(enforce.notices), [debt]);
    // A new violation: rejected by the COMMIT; the old debt was said first.
    enforce.notices.length = 0;
    await assert.rejects(
      enforce.sequelize.transaction(async (transaction) => {
        await qi.addColumn('legacy_posts', 'publishedAt', { type: DataTypes.DATE }, { transaction });
      }),
      (err) => {
        const e = pgError(err);
        assert.equal(err.sql, 'COMMIT;');
        assert.equal(e.code, 'PC004', describeError(e));
        assert.equal(e.message, 'column "publishedAt" of table "public.legacy_posts" is not named in snake_case');
        return true;
      });
    assert.deepEqual(conventionNotices(enforce.notices), [debt]);
    const [columns] = await enforce.sequelize.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'legacy_posts' ORDER BY ordinal_position");
    assert.deepEqual(columns.map((r) => r.column_name),
      ['id', 'title', 'created_at', 'updated_at', 'authorName', 'summary']);
  } finally {
    await enforce.sequelize.close();
  }
});

test('a migration that indexes a large table, mode enforce: addIndex() is rejected before it runs, the HINT says concurrently: true; with it, the index is built', async () => {
  await createDatabase(DATABASES.safety);
  // 100,000 rows are large at large_table_size = 1MB
  const settings = { 'pg_conventions.large_table_size': '1MB' };
  const setup = connect(DATABASES.safety, { mode: 'off', settings });
  try {
    await setup.sequelize.query(`CREATE TABLE events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`);
    await setup.sequelize.query(
      'INSERT INTO events (user_id) SELECT gen_random_uuid() FROM generate_series(1, 100000)');
    await setup.sequelize.query('VACUUM ANALYZE events');
  } finally {
    await setup.sequelize.close();
  }
  const { sequelize } = connect(DATABASES.safety, { profile: 'sequelize', mode: 'enforce', settings });
  try {
    const qi = sequelize.getQueryInterface();
    await assert.rejects(qi.addIndex('events', ['user_id'], { name: 'idx_events_user_id' }), (err) => {
      const e = pgError(err);
      assert.equal(e.code, 'PC012', describeError(e));
      assert.equal(ruleOf(e), 'concurrent_index', describeError(e));
      assert.ok((e.hint || '').includes('CREATE INDEX CONCURRENTLY'), describeError(e));
      assert.ok((e.hint || '').includes('queryInterface.addIndex("events", ["user_id"]'), describeError(e));
      assert.ok((e.hint || '').includes('concurrently: true'), describeError(e));
      return true;
    });
    const [before] = await sequelize.query("SELECT indexname FROM pg_indexes WHERE tablename = 'events' ORDER BY 1");
    assert.deepEqual(before.map((r) => r.indexname), ['events_pkey']);
    await qi.addIndex('events', ['user_id'], { name: 'idx_events_user_id', concurrently: true });
    const [after] = await sequelize.query("SELECT indexname FROM pg_indexes WHERE tablename = 'events' ORDER BY 1");
    assert.deepEqual(after.map((r) => r.indexname), ['events_pkey', 'idx_events_user_id']);
  } finally {
    await sequelize.close();
  }
});

// The shipped twin command: TWIN_BIN (the test command sets it), else the
// one installed beside the server's binaries.
async function twinCommand() {
  if (process.env.TWIN_BIN) return process.env.TWIN_BIN;
  const major = await withClient(null, async (c) =>
    Math.floor(Number((await c.query("SELECT current_setting('server_version_num') AS v")).rows[0].v) / 10000));
  return `/usr/lib/postgresql/${major}/bin/pg_conventions_twin`;
}

test('a production twin: addIndex() on a table large only in production is rejected on the twin with the Sequelize HINT, and passes on an empty CI database', async () => {
  // production: the seed's schema with its indexes and 200,000 posts; no
  // pg_conventions there (a managed service)
  for (const name of [DATABASES.production, DATABASES.twin, DATABASES.ci]) {
    await dropDatabase(name);
    await withClient(null, (c) => c.query(`CREATE DATABASE ${name}`));
  }
  for (const name of [DATABASES.production, DATABASES.ci]) {
    const { sequelize } = connect(name, { mode: 'off', define: { underscored: true } });
    try {
      defineModels(sequelize, { withIndexes: true });
      await sequelize.sync();
      if (name === DATABASES.production) {
        await sequelize.query(`INSERT INTO users (id, email, password_hash, created_at, updated_at)
          SELECT gen_random_uuid(), 'u' || g || '@example.com', 'x', now(), now() FROM generate_series(1, 1000) g`);
        await sequelize.query(`INSERT INTO posts (id, title, content, user_id, created_at, updated_at)
          SELECT gen_random_uuid(), 'post ' || g, repeat('text ', 20), u.id, now(), now()
            FROM generate_series(1, 200000) g
            JOIN (SELECT id, row_number() OVER () - 1 AS n FROM users) u ON u.n = g % 1000`);
        await sequelize.query('VACUUM ANALYZE');
      }
    } finally {
      await sequelize.close();
    }
  }
  const out = execFileSync(await twinCommand(), [`dbname=${DATABASES.production}`, `dbname=${DATABASES.twin}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(out, '');
  const settings = { 'pg_conventions.large_table_size': '1MB' };
  const migrate = (qi, options) => qi.addIndex('posts', ['title'], { name: 'idx_posts_title', ...options });

  // CI's empty database: nothing to fear, the migration passes
  const ci = connect(DATABASES.ci, { profile: 'sequelize', mode: 'enforce', settings });
  try {
    await migrate(ci.sequelize.getQueryInterface());
    assert.deepEqual(conventionNotices(ci.notices), []);
  } finally {
    await ci.sequelize.close();
  }

  // the twin: production's 200,000 rows, by its statistics
  const twin = connect(DATABASES.twin, { profile: 'sequelize', mode: 'enforce', settings });
  try {
    assert.equal(await show(twin.sequelize, 'pg_conventions.table_size_source'), 'statistics');
    const [[rows]] = await twin.sequelize.query('SELECT count(*)::int AS n FROM posts');
    assert.equal(rows.n, 0);
    const qi = twin.sequelize.getQueryInterface();
    await assert.rejects(migrate(qi), (err) => {
      const e = pgError(err);
      assert.equal(e.code, 'PC012', describeError(e));
      assert.equal(ruleOf(e), 'concurrent_index', describeError(e));
      assert.match(e.detail || '', /about 200,000 rows, by the statistics snapshot/, describeError(e));
      assert.ok((e.hint || '').includes('queryInterface.addIndex("posts", ["title"]'), describeError(e));
      assert.ok((e.hint || '').includes('concurrently: true'), describeError(e));
      return true;
    });
    // the fix the HINT gives passes on the twin too
    await migrate(qi, { concurrently: true });
    const [idx] = await twin.sequelize.query("SELECT indexname FROM pg_indexes WHERE tablename = 'posts' ORDER BY 1");
    assert.ok(idx.map((r) => r.indexname).includes('idx_posts_title'));
  } finally {
    await twin.sequelize.close();
  }
});

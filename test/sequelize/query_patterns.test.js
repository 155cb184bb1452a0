'use strict';
// End-to-end: the seed's query anti-patterns ("Query Optimization" in
// shared/seed/database-patterns.md), written with Sequelize as the seed writes
// them, against a server that preloads pg_conventions; conventions.query_patterns()
// must report each pattern when it is one, and only then, with the Sequelize
// hint, attributed to the right client even when pooled connections and
// several clients interleave.
//
// Needs what conventions.test.js needs (a superuser's libpq environment on a
// server with shared_preload_libraries=pg_conventions). The capture is
// switched on per connection (capture_sample_rate = 1) for the clients of
// this test, so what other databases do does not matter.
//
// Run: bash run.sh   (or: npm ci && node --test query_patterns.test.js)

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const DataLoader = require('dataloader');
const { withClient, createDatabase, dropDatabase, connect } = require('./db');
const { defineModels } = require('./models');

const DATABASE = 'pgc_sequelize_query_patterns';
const USERS = 2500; // page 120 of 20 exists
const AUTHORS = 40; // users with posts (the N+1 loop's users)

// The application's connections: every statement sampled, sequelize profile.
function app(applicationName, extra = {}) {
  return connect(DATABASE, {
    profile: 'sequelize',
    mode: 'off',
    define: { underscored: true },
    applicationName,
    pool: { max: 5, min: 0, idle: 10000 },
    log: extra.log,
    settings: { 'pg_conventions.capture_sample_rate': 1, ...(extra.settings || {}) },
  });
}

// What query_patterns() reports in the test's database, read by a separate
// plain connection (its own statements are not user-table reads).
async function patterns(settings = {}) {
  return withClient(DATABASE, async (c) => {
    await c.query("SET pg_conventions.profile = 'sequelize'");
    for (const [name, value] of Object.entries(settings)) {
      await c.query(`SELECT set_config($1, $2, false)`, [name, String(value)]);
    }
    const { rows } = await c.query(
      `SELECT pattern, application_name, table_name::text AS table_name, query,
              occurrences::int, executions::int, rows::int, total_time_ms, evidence, fix_sql, hint
         FROM conventions.query_patterns()
        ORDER BY pattern COLLATE "C", application_name COLLATE "C", query COLLATE "C"`);
    return rows;
  });
}

async function reset() {
  await withClient(DATABASE, (c) => c.query('SELECT conventions.workload_reset()'));
}

function show(rows) {
  return JSON.stringify(rows.map((r) => ({
    pattern: r.pattern, app: r.application_name, query: r.query, executions: r.executions,
    occurrences: r.occurrences, evidence: r.evidence,
  })), null, 1);
}

let seed;

before(async () => {
  await createDatabase(DATABASE);
  seed = app('seed');
  const { User, Post, Profile } = defineModels(seed.sequelize, { withIndexes: true });
  await seed.sequelize.sync();
  const users = [];
  for (let i = 0; i < USERS; i++) {
    users.push({
      email: `user${String(i).padStart(4, '0')}@example.org`,
      passwordHash: 'x',
      createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60000),
    });
  }
  const made = await User.bulkCreate(users);
  const authors = made.slice(0, AUTHORS);
  const posts = [];
  for (const u of authors) {
    for (let j = 0; j < 5; j++) posts.push({ title: `post ${j} of ${u.email}`, userId: u.id });
  }
  await Post.bulkCreate(posts);
  await Profile.bulkCreate(authors.map((u) => ({ userId: u.id, bio: 'hello' })));
  await withClient(DATABASE, (c) => c.query('ANALYZE'));
});

after(async () => {
  if (seed) await seed.sequelize.close();
  if (!process.env.PGC_KEEP_DATABASES) await dropDatabase(DATABASE);
});

// The seed's examples, each on the models of one Sequelize instance.
async function nPlusOne({ User, Post }) {
  const users = await User.findAll({ order: [['email', 'ASC']], limit: AUTHORS });
  for (const user of users) {
    await Post.findAll({ where: { userId: user.id } }); // This creates N+1 queries!
  }
}

// The same loop with its lookups in parallel: over every connection of the pool.
async function parallelNPlusOne({ User, Post }) {
  const users = await User.findAll({ order: [['email', 'ASC']], limit: AUTHORS });
  await Promise.all(users.map((user) => Post.findAll({ where: { userId: user.id } })));
}

async function eagerLoading({ User, Post }) {
  await User.findAll({
    order: [['email', 'ASC']], limit: AUTHORS, include: [{ model: Post, as: 'posts' }],
  });
}

async function dataLoaderBatch({ User, Post }) {
  const postLoader = new DataLoader(async (userIds) => {
    const posts = await Post.findAll({ where: { userId: userIds } });
    return userIds.map((id) => posts.filter((p) => p.userId === id));
  });
  const users = await User.findAll({ order: [['email', 'ASC']], limit: AUTHORS });
  await Promise.all(users.map((u) => postLoader.load(u.id)));
}

async function getPaginatedUsers({ User }, page = 1, limit = 20) {
  const offset = (page - 1) * limit;
  const { count, rows } = await User.findAndCountAll({
    limit,
    offset,
    order: [['createdAt', 'DESC']],
  });
  return { data: rows, meta: { total: count, page, limit, totalPages: Math.ceil(count / limit) } };
}

test('the N+1 loop is reported: 40 executions after the query on users, with the Sequelize fix', async () => {
  const { sequelize } = app('shop-api');
  try {
    const models = defineModels(sequelize, { withIndexes: true });
    await reset();
    await nPlusOne(models);
    const rows = await patterns();
    assert.equal(rows.length, 1, show(rows));
    const [f] = rows;
    assert.equal(f.pattern, 'n_plus_one');
    assert.equal(f.application_name, 'shop-api');
    assert.equal(f.table_name, 'posts');
    assert.equal(f.executions, AUTHORS);
    assert.equal(f.occurrences, 1);
    assert.equal(f.rows, AUTHORS * 5);
    assert.ok(f.total_time_ms > 0);
    // normalized as pg_stat_statements shows it: the user id is a parameter
    assert.match(f.query, /"Post"\."user_id" = \$1/);
    assert.doesNotMatch(f.query, /'[0-9a-f-]{36}'/);
    assert.equal(f.evidence, '40 executions in a row with 40 distinct values, right after a query on public.users that returned 40 rows');
    assert.ok(f.hint.includes('User.findAll({ include: [{ model: Post, as: "posts" }] })'), f.hint);
    assert.ok(f.hint.includes('Post.findAll({ where: { userId: ids } })'), f.hint);
    // the fix SQL: one query with every user id in one array
    assert.match(f.fix_sql, /"Post"\."user_id" = ANY\(\$1\)/);
    const batch = f.fix_sql.replace(/^--[^\n]*\n/, '');
    const n = await withClient(DATABASE, async (c) => {
      const ids = (await c.query('SELECT id FROM users ORDER BY email LIMIT $1', [AUTHORS])).rows.map((r) => r.id);
      return (await c.query(batch, [ids])).rowCount;
    });
    assert.equal(n, AUTHORS * 5);
  } finally {
    await sequelize.close();
  }
});

test('the same loop in parallel over a pool of 5: one N+1 over several connections', async () => {
  const { sequelize } = app('shop-api');
  try {
    const models = defineModels(sequelize, { withIndexes: true });
    // the pool's 5 connections open before the loop, as in a running
    // service: on a busy machine a cold pool can serve the whole loop
    // through the one connection it managed to open
    await Promise.all([...Array(5)].map(() => sequelize.query('SELECT pg_sleep(0.2)')));
    await reset();
    await parallelNPlusOne(models);
    const rows = await patterns();
    assert.equal(rows.length, 1, show(rows));
    const [f] = rows;
    assert.equal(f.pattern, 'n_plus_one');
    assert.equal(f.executions, AUTHORS);
    assert.match(f.evidence, /^40 executions in a row with 40 distinct values, over [2-5] connections, right after a query on public\.users that returned 40 rows$/);
  } finally {
    await sequelize.close();
  }
});

test('eager loading and the DataLoader batch are not N+1', async () => {
  const log = [];
  const { sequelize, notices } = app('shop-api', { log });
  try {
    const models = defineModels(sequelize, { withIndexes: true });
    await reset();
    await eagerLoading(models);
    await dataLoaderBatch(models);
    // the batch was one query: WHERE user_id IN (...)
    assert.equal(log.filter((l) => /FROM "posts"/.test(l)).length, 1, log.join('\n'));
    assert.equal(notices.length, 0);
    const rows = await patterns();
    assert.deepEqual(rows, [], show(rows));
  } finally {
    await sequelize.close();
  }
});

test('findAndCountAll: page 1 is not deep OFFSET, page 120 is; the count only on a large table', async () => {
  const { sequelize } = app('shop-api');
  try {
    const models = defineModels(sequelize, { withIndexes: true });
    await reset();
    const first = await getPaginatedUsers(models, 1);
    assert.equal(first.meta.total, USERS);
    // page 1: nothing, the count of users is not a large table by default
    assert.deepEqual(await patterns(), []);
    // ... but is with a lower pg_conventions.large_table_size
    let rows = await patterns({ 'pg_conventions.large_table_size': '64kB' });
    assert.deepEqual(rows.map((r) => r.pattern), ['count_for_pagination'], show(rows));
    assert.equal(rows[0].table_name, 'users');
    assert.match(rows[0].query, /^SELECT count\(\*\) AS "count" FROM "users" AS "User" WHERE \("User"\."deleted_at" IS NULL\)$/);
    assert.match(rows[0].evidence, /^counts the rows of public\.users \(.*\) next to a query for one page of it \(LIMIT 20 OFFSET 0\)$/);
    assert.ok(rows[0].hint.includes('User.findAll({ limit: limit + 1'), rows[0].hint);

    const page = await getPaginatedUsers(models, 120);
    assert.equal(page.data.length, 20);
    rows = await patterns();
    assert.deepEqual(rows.map((r) => r.pattern), ['deep_offset'], show(rows));
    const [f] = rows;
    assert.equal(f.table_name, 'users');
    assert.match(f.query, /ORDER BY "createdAt" DESC LIMIT \$\d+ OFFSET \$\d+$/);
    assert.equal(f.evidence, 'OFFSET 2380 reads and throws away 2380 rows for a page of 20');
    assert.ok(f.hint.includes('createdAt: { [Op.lt]: last.createdAt }'), f.hint);
    assert.ok(f.hint.includes('order: [["createdAt", "DESC"], ["id", "DESC"]], limit: 20'), f.hint);

    // the fix: build the index, then the keyset query returns page 121
    const keyset = /\n(SELECT [^;]*);/.exec(f.fix_sql)[1];
    const index = /CREATE INDEX CONCURRENTLY [^;]*/.exec(f.fix_sql)[0];
    assert.match(index, /ON public\.users \(created_at, id\) WHERE deleted_at IS NULL$/);
    await withClient(DATABASE, async (c) => {
      await c.query(index);
      const last = page.data[page.data.length - 1];
      const next = await c.query(keyset, [20, last.createdAt, last.id]);
      const byOffset = (await getPaginatedUsers(models, 121)).data.map((u) => u.id);
      assert.deepEqual(next.rows.map((r) => r.id), byOffset);
      const plan = await c.query(`EXPLAIN ${keyset}`, [20, last.createdAt, last.id]);
      assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan Backward using idx_users_created_at_id/);
      await c.query('DROP INDEX idx_users_created_at_id');
    });
  } finally {
    await sequelize.close();
  }
});

test('several clients, each over a pool, interleaving: each N+1 attributed to its client, whole', async () => {
  const shop = app('shop-api');
  const admin = app('admin-api');
  const reports = app('reports-api');
  try {
    const shopModels = defineModels(shop.sequelize, { withIndexes: true });
    const adminModels = defineModels(admin.sequelize, { withIndexes: true });
    const reportModels = defineModels(reports.sequelize, { withIndexes: true });
    await reset();
    // admin-api: the profile of each user, one by one
    async function profilesOneByOne({ User, Profile }) {
      const users = await User.findAll({ order: [['email', 'ASC']], limit: AUTHORS });
      for (const user of users) await Profile.findOne({ where: { userId: user.id } });
    }
    // reports-api: eager loading and batches, again and again, meanwhile
    async function busy(models) {
      for (let i = 0; i < 5; i++) {
        await eagerLoading(models);
        await dataLoaderBatch(models);
      }
    }
    await Promise.all([nPlusOne(shopModels), profilesOneByOne(adminModels), busy(reportModels)]);
    // then shop-api's loop in parallel over its pool, while the others go on
    await Promise.all([parallelNPlusOne(shopModels), busy(reportModels), busy(adminModels)]);
    const rows = await patterns();
    assert.deepEqual(rows.map((r) => [r.pattern, r.application_name, r.table_name, r.occurrences, r.executions]), [
      ['n_plus_one', 'admin-api', 'profiles', 1, AUTHORS],
      ['n_plus_one', 'shop-api', 'posts', 2, 2 * AUTHORS],
    ], show(rows));
  } finally {
    await shop.sequelize.close();
    await admin.sequelize.close();
    await reports.sequelize.close();
  }
});

test('sampling keeps N+1 bursts whole: half the periods sampled, every sampled burst complete', async () => {
  const PERIOD = 200; // ms
  const BURSTS = 30;
  const LOOP = 10;
  const { sequelize } = app('sampled-api', {
    settings: {
      'pg_conventions.capture_sample_rate': 0.5,
      'pg_conventions.capture_sample_period': PERIOD,
    },
  });
  try {
    const { User, Post } = defineModels(sequelize, { withIndexes: true });
    await User.findAll({ limit: 1 }); // the pool is warm
    await reset();
    for (let b = 0; b < BURSTS; b++) {
      // start just after a period boundary (the server's clock is this machine's)
      const wait = PERIOD - (Date.now() % PERIOD) + 5;
      await new Promise((resolve) => setTimeout(resolve, wait));
      const users = await User.findAll({ order: [['email', 'ASC']], limit: LOOP, offset: b });
      for (const user of users) await Post.findAll({ where: { userId: user.id } });
    }
    const rows = await patterns();
    assert.equal(rows.length, 1, show(rows));
    const [f] = rows;
    // about half the bursts, never a piece of one
    assert.ok(f.occurrences >= 1 && f.occurrences < BURSTS, show(rows));
    assert.equal(f.executions, LOOP * f.occurrences, show(rows));
  } finally {
    await sequelize.close();
  }
});

'use strict';
// Prints the SQL Sequelize sends for the test's models (not a test):
//   node print-ddl.js
// Same environment as the test (libpq variables, a superuser). Uses a
// throwaway database with pg_conventions.mode=off, dropped afterwards.

const { Sequelize } = require('sequelize');
const { createDatabase, dropDatabase, connect } = require('./db');
const { defineModels } = require('./models');

const DB = 'pgc_sequelize_print_ddl';

async function capture(title, define, run) {
  await createDatabase(DB);
  const log = [];
  const { sequelize } = connect(DB, { mode: 'off', define, log });
  try {
    await run(sequelize);
  } finally {
    await sequelize.close();
  }
  console.log(`-- ${title}`);
  for (const line of log) {
    // only what shapes the schema, and the transaction around it
    if (/^Executing \([^)]*\): (CREATE|ALTER|DO|START|BEGIN|COMMIT|ROLLBACK)/.test(line)) {
      console.log(line);
    }
  }
  console.log();
}

(async () => {
  try {
    await capture('sequelize.sync() of the seed models (autocommit)', { underscored: true },
      async (sequelize) => {
        defineModels(sequelize);
        await sequelize.sync();
      });
    await capture('the models with indexes, Model.sync({ transaction }) in one transaction',
      { underscored: true },
      async (sequelize) => {
        const { inOrder } = defineModels(sequelize, { withIndexes: true });
        await sequelize.transaction(async (t) => {
          for (const model of inOrder) await model.sync({ transaction: t });
        });
      });
    await capture('BadPost, no underscored option', {}, async (sequelize) => {
      const BadPost = sequelize.define('BadPost', {
        id: { type: Sequelize.UUID, defaultValue: Sequelize.UUIDV4, primaryKey: true },
        title: { type: Sequelize.STRING(255), allowNull: false },
        userId: { type: Sequelize.UUID, allowNull: false },
      }, { tableName: 'bad_posts' });
      await BadPost.sync();
    });
  } finally {
    await dropDatabase(DB);
  }
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

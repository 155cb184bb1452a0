'use strict';
// require('pg-conventions/sequelize')(config, { logger }) -> config
//
// Adds an afterConnect hook (Sequelize calls it with each new node-postgres
// client) that attaches pg-conventions, so the guard's WARNINGs and ERRORs
// are printed. Takes what a Sequelize application or sequelize-cli has:
//
//   - Sequelize's options object (new Sequelize(options), or the last
//     argument of new Sequelize(database, username, password, options));
//   - sequelize-cli's configuration, one options object per environment
//     ({ development: {...}, test: {...}, production: {...} }), as in
//     config/config.json; every environment gets the hook;
//   - a promise of either, or a function returning one (sequelize-cli accepts
//     both from config/config.js).
//
// It returns a copy: the object it is given (often a require()d JSON file,
// shared by everyone who requires it) is left as it was. Hooks already there
// are kept and run first.

const HOOK = Symbol.for('pg-conventions.hook');

// The tables sequelize-cli (through umzug) keeps its own records in: not the
// application's, so the guard's advice for them (rename it, uuid key,
// timestamps, "set tableName in the model") does not apply. The guard skips
// the default names ("SequelizeMeta", "SequelizeData" are in
// pg_conventions.ignored_tables), so this is for other names, or a server
// whose list was changed. Each gets one NOTE saying how to leave it out,
// once per process.
const noted = new Set();

function quoteIdent(name) {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : '"' + name.replace(/"/g, '""') + '"';
}

function storageNote(options) {
  const tables = [
    options.migrationStorageTableName || 'SequelizeMeta',
    options.seederStorageTableName || 'SequelizeData',
  ];
  return function note(diagnostic) {
    const m = /\btable "([^"]*)"/.exec(diagnostic.message || '');
    if (!m) return undefined;
    const shown = m[1];
    const table = tables.find((t) => shown === t || shown.endsWith('.' + t));
    if (!table || noted.has(shown)) return undefined;
    noted.add(shown);
    const schema = shown.length > table.length ? shown.slice(0, -table.length - 1) : undefined;
    const regclass = (schema ? quoteIdent(schema) + '.' : '') + '"' + table.replace(/"/g, '""') + '"';
    return `"${shown}" is sequelize-cli's own record of the migrations it ran, not a table of your ` +
      `models. Add ${quoteIdent(table)} to pg_conventions.ignored_tables, or exempt it once, as a superuser: ` +
      `SELECT conventions.exempt('${regclass.replace(/'/g, "''")}', ` +
      `'*', 'sequelize-cli migration log'); under enforce, create it first (pg-conventions README, ` +
      `"sequelize-cli's own table").`;
  };
}

// Keys of a Sequelize options object (and of sequelize-cli's per-environment
// entries); an object with none of them is taken as a map of environments.
const OPTION_KEYS = [
  'dialect', 'database', 'username', 'password', 'host', 'port', 'url',
  'use_env_variable', 'dialectOptions', 'pool', 'hooks', 'define', 'logging',
  'replication', 'storage', 'protocol', 'schema', 'dialectModule',
];

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) &&
    (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);
}

// Whether this process is sequelize-cli (`npx sequelize-cli`, its `sequelize`
// bin, a global install): its main module is sequelize-cli's lib/sequelize.
// sequelize-cli prints a failed command's error itself, with the DETAIL
// ("ERROR: ...", "ERROR DETAIL: ..."), so the guard's ERROR is printed here
// without its DETAIL, which would otherwise be said twice.
function runBySequelizeCli() {
  const main = (require.main && require.main.filename) || '';
  return /[\\/]sequelize-cli[\\/]lib[\\/]sequelize(\.js)?$/.test(main);
}

function withHook(options, attachOptions) {
  const { afterConnect } = require('./index');
  const hooks = isPlainObject(options.hooks) ? { ...options.hooks } : {};
  const existing = hooks.afterConnect === undefined ? [] :
    Array.isArray(hooks.afterConnect) ? hooks.afterConnect : [hooks.afterConnect];
  // Wrapped twice: one hook is enough (attach() would print once anyway).
  if (existing.some((fn) => fn && fn[HOOK])) return options;
  const hook = afterConnect({
    note: storageNote(options),
    ...(runBySequelizeCli() ? { errorDetail: false } : {}),
    ...attachOptions,
  });
  Object.defineProperty(hook, HOOK, { value: true });
  hooks.afterConnect = [...existing, hook];
  return { ...options, hooks };
}

function wrapConfig(config, attachOptions) {
  if (config && typeof config.then === 'function') {
    return Promise.resolve(config).then((c) => wrapConfig(c, attachOptions));
  }
  if (typeof config === 'function') {
    // sequelize-cli calls a one-argument function with a callback, any other
    // function for a promise.
    if (config.length === 1) {
      return function (callback) {
        return config((err, c) => (err ? callback(err) : callback(null, wrapConfig(c, attachOptions))));
      };
    }
    return async function () {
      return wrapConfig(await config(), attachOptions);
    };
  }
  if (!isPlainObject(config)) return config;
  if (OPTION_KEYS.some((key) => key in config)) return withHook(config, attachOptions);
  const out = {};
  for (const [name, value] of Object.entries(config)) {
    out[name] = isPlainObject(value) ? withHook(value, attachOptions) : value;
  }
  return out;
}

module.exports = function pgConventionsSequelize(config, attachOptions) {
  return wrapConfig(config, attachOptions);
};
module.exports.withConventions = module.exports;

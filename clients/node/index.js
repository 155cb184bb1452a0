'use strict';
// pg-conventions: shows the diagnostics of the pg_conventions guard where a
// Node developer looks.
//
// The guard (the PostgreSQL extension) reports a schema-convention violation
// as a WARNING (mode warn) or rejects the transaction with an ERROR (mode
// enforce). Every one has a SQLSTATE of class PC, a DETAIL that starts with
// "Rule <rule_id>: ..." and a HINT with the SQL that fixes it (under
// pg_conventions.profile = sequelize, a second HINT line says what to change
// in the Sequelize model or migration). A table's old debt (the violations
// it had before the transaction changed it) is one WARNING per table,
// SQLSTATE PC000, whose DETAIL counts them per rule and whose HINT is the
// query that lists them. node-postgres hands WARNINGs to
// 'notice' listeners, and Sequelize and sequelize-cli register none, so they
// are lost; for an ERROR, sequelize-cli prints only the message (and the
// DETAIL since 6.6), never the HINT.
//
// attach(client) listens to one node-postgres Client (or every client of a
// Pool) and prints each guard diagnostic once: severity, SQLSTATE, rule,
// message, DETAIL, HINT. Nothing else is printed and nothing is changed: an
// ERROR is printed as it arrives from the server, and the query's error then
// reaches the application exactly as before.
//
// No dependencies: it works on whatever `pg` (8.x) the application has.

// Symbol.for, not Symbol(): two copies of this package in one process (a
// nested node_modules) still see that a client is attached already.
const ATTACHED = Symbol.for('pg-conventions.attached');

// The rules and their SQLSTATEs, as in the README's rule catalog; used only
// when a DETAIL does not name its rule. PC000 is no rule but a table's old
// debt in one WARNING (above), shown as old_debt.
const OLD_DEBT_CODE = 'PC000';
const RULES_BY_CODE = {
  [OLD_DEBT_CODE]: 'old_debt',
  PC001: 'require_primary_key',
  PC002: 'require_timestamps',
  PC003: 'foreign_key_index',
  PC004: 'snake_case_names',
  PC005: 'primary_key_type',
  PC006: 'timestamptz_only',
  PC007: 'soft_delete_column',
  PC008: 'foreign_key_type',
  PC009: 'index_naming',
  PC010: 'redundant_index',
  PC011: 'low_cardinality_index',
  PC012: 'concurrent_index',
  PC013: 'constraint_index',
  PC014: 'constraint_validation',
  PC015: 'not_null_scan',
  PC016: 'table_rewrite',
  PC017: 'backfill_under_lock',
  PC018: 'rename_or_drop',
  PC019: 'lock_timeout',
  PC020: 'will_fail',
};

// A guard diagnostic: SQLSTATE class PC (implementation-defined, taken by
// pg_conventions). Any other notice or error is none of our business.
function isGuardDiagnostic(msg) {
  return Boolean(msg) && typeof msg.code === 'string' && /^PC[0-9A-Z]{3}$/.test(msg.code);
}

// The fields of a node-postgres notice or DatabaseError, in the shape this
// package prints: the HINT split into its SQL and the Sequelize line(s).
// isError: it came as an ErrorResponse (the statement failed), not a notice.
function toDiagnostic(msg, isError) {
  if (isError === undefined) isError = msg instanceof Error;
  const detail = msg.detail || undefined;
  const hint = msg.hint || undefined;
  const named = detail && /^Rule ([a-z][a-z0-9_]*):/.exec(detail);
  const sql = [];
  const sequelize = [];
  for (const line of (hint || '').split('\n')) {
    if (line === '') continue;
    (/^In Sequelize\b/.test(line) ? sequelize : sql).push(line);
  }
  return {
    severity: msg.severity || (isError ? 'ERROR' : 'WARNING'),
    error: Boolean(isError),
    code: msg.code,
    rule: named ? named[1] : RULES_BY_CODE[msg.code],
    message: msg.message,
    detail,
    hint,
    sql: sql.length ? sql.join('\n') : undefined,
    sequelize: sequelize.length ? sequelize.join('\n') : undefined,
    schema: msg.schema || undefined,
    table: msg.table || undefined,
    column: msg.column || undefined,
    constraint: msg.constraint || undefined,
  };
}

function indent(label, text) {
  const pad = ' '.repeat(label.length + 2);
  return '  ' + label + String(text).split('\n').join('\n' + '  ' + pad);
}

// The text printed for one diagnostic, e.g.
//   pg_conventions WARNING PC003 foreign_key_index: foreign key "posts_user_id_fkey" on table "public.posts" has no covering index
//     DETAIL: Rule foreign_key_index: deleting or updating a row of "public.users" scans "public.posts".
//     HINT:   CREATE INDEX idx_posts_user_id ON public.posts (user_id);
//     SEQUELIZE: In Sequelize, ...
// Takes a diagnostic (from toDiagnostic) or a node-postgres message itself.
// options.errorDetail === false leaves an ERROR's DETAIL out, for a caller
// that prints it itself (sequelize-cli prints "ERROR DETAIL: ..." after the
// failed migration, so it would be said twice).
function format(diagnostic, options) {
  const d = Object.prototype.hasOwnProperty.call(diagnostic, 'sequelize') ?
    diagnostic : toDiagnostic(diagnostic);
  const lines = [
    `pg_conventions ${d.severity} ${d.code}${d.rule ? ' ' + d.rule : ''}: ${d.message}`,
  ];
  const detail = d.error && options && options.errorDetail === false ? undefined : d.detail;
  if (detail) lines.push(indent('DETAIL: ', detail));
  if (d.sql) lines.push(indent('HINT:   ', d.sql));
  if (d.sequelize) lines.push(indent('SEQUELIZE: ', d.sequelize));
  if (d.note) lines.push(indent('NOTE:   ', d.note));
  return lines.join('\n');
}

// Where the text goes: stderr by default; a function (text, diagnostic); or a
// logger object (console, pino, winston, ...): error() for an ERROR, warn()
// for the rest, falling back to log()/info().
function makeReporter(options) {
  const logger = options && options.logger;
  return function report(diagnostic) {
    const text = format(diagnostic, options);
    if (typeof logger === 'function') return logger(text, diagnostic);
    if (logger && typeof logger === 'object') {
      const method = [diagnostic.error ? 'error' : 'warn', 'warn', 'log', 'info']
        .find((m) => typeof logger[m] === 'function');
      if (method) return logger[method](text);
    }
    process.stderr.write(text + '\n');
  };
}

function isPool(target) {
  return typeof target.totalCount === 'number' && typeof target.idleCount === 'number' &&
    typeof target.connect === 'function' && !target.connection;
}

// Wraps client.query so that a rejected query's PC error is reported before
// the caller sees it; the error itself, and the promise's rejection, stay as
// they were. Only for clients without node-postgres's protocol connection
// (pg-native), where the server's error messages cannot be listened to.
function wrapQuery(client, onError) {
  const original = client.query;
  if (typeof original !== 'function') return;
  client.query = function query(...args) {
    const last = args.length - 1;
    if (last >= 0 && typeof args[last] === 'function') {
      const callback = args[last];
      args[last] = function (err, ...rest) {
        if (err) onError(err);
        return callback.call(this, err, ...rest);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result && typeof result.then === 'function') {
      return result.then(undefined, (err) => {
        onError(err);
        throw err;
      });
    }
    return result;
  };
}

// attach(clientOrPool, { logger, note, errorDetail }) -> clientOrPool
//
// A pg.Client: listens to its notices (the guard's WARNINGs) and to the
// server's error messages (the guard's ERRORs). May be called before or after
// connect(). A pg.Pool: attaches every client it connects from now on (and
// those it holds already). Attaching the same client again does nothing, so
// each diagnostic is printed once.
function attach(target, options) {
  if (!target || typeof target.on !== 'function') return target;
  if (target[ATTACHED]) return target;
  Object.defineProperty(target, ATTACHED, { value: true, enumerable: false });

  if (isPool(target)) {
    target.on('connect', (client) => attach(client, options));
    // Clients the pool opened before attach() (node-postgres keeps them in
    // _clients); new ones come through 'connect'.
    if (Array.isArray(target._clients)) {
      for (const client of target._clients) attach(client, options);
    }
    return target;
  }

  const report = makeReporter(options);
  const seen = new WeakSet();
  const onMessage = (msg, isError) => {
    if (!isGuardDiagnostic(msg)) return;
    // The same message object can come twice only through the fallback
    // (callback and promise of one query); print it once.
    if (typeof msg === 'object') {
      if (seen.has(msg)) return;
      seen.add(msg);
    }
    try {
      const diagnostic = toDiagnostic(msg, isError);
      // options.note(diagnostic): a line of this package's own advice, or
      // nothing (the Sequelize helper explains sequelize-cli's own table).
      const note = options && typeof options.note === 'function' ? options.note(diagnostic) : undefined;
      if (note) diagnostic.note = note;
      report(diagnostic);
    } catch (e) {
      // A failing logger must not break the application's queries.
      process.stderr.write(`pg-conventions: the logger failed: ${e && e.message}\n`);
    }
  };

  target.on('notice', (msg) => onMessage(msg, false));
  const connection = target.connection;
  if (connection && typeof connection.on === 'function') {
    // node-postgres's protocol connection emits every ErrorResponse as
    // 'errorMessage' before the client rejects the query with it.
    connection.on('errorMessage', (msg) => onMessage(msg, true));
  } else {
    wrapQuery(target, (err) => onMessage(err, true));
  }
  return target;
}

// A Sequelize hook: sequelize.addHook('afterConnect', afterConnect(options)).
function afterConnect(options) {
  return function pgConventionsAfterConnect(connection) {
    attach(connection, options);
  };
}

module.exports = {
  attach,
  afterConnect,
  format,
  isGuardDiagnostic,
  toDiagnostic,
  RULES_BY_CODE,
  OLD_DEBT_CODE,
};

// Late: sequelize.js requires this file.
module.exports.sequelize = require('./sequelize');

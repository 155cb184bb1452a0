// Types for pg-conventions (CommonJS). No dependency on @types/pg: a client
// is anything with on() (and query()), as node-postgres's Client and Pool are.

/** One diagnostic of the pg_conventions guard (SQLSTATE class PC). */
export interface Diagnostic {
  /** As the server sent it: "WARNING" or "ERROR" (in the server's lc_messages). */
  severity: string;
  /** True when the statement failed with it (mode enforce), false for a notice. */
  error: boolean;
  /**
   * The SQLSTATE: PC001 to PC020 for a violation of a rule; PC000 for the one
   * WARNING per table that counts the violations it had before (old debt).
   */
  code: string;
  /** The rule id, from the DETAIL ("Rule foreign_key_index: ..."); "old_debt" for PC000. */
  rule?: string;
  message: string;
  detail?: string;
  /** The whole HINT. */
  hint?: string;
  /** The HINT's SQL (its lines but the Sequelize ones). */
  sql?: string;
  /** The HINT's "In Sequelize, ..." line(s), under pg_conventions.profile = sequelize. */
  sequelize?: string;
  /** This package's own advice (the Sequelize helper's, for sequelize-cli's own table). */
  note?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

export type LoggerFunction = (text: string, diagnostic: Diagnostic) => void;
export interface LoggerObject {
  error?(text: string): void;
  warn?(text: string): void;
  log?(text: string): void;
  info?(text: string): void;
}

export interface AttachOptions {
  /** Where the text goes; stderr by default. */
  logger?: LoggerFunction | LoggerObject;
  /** A line of advice to add to a diagnostic, or nothing. */
  note?(diagnostic: Diagnostic): string | undefined;
  /**
   * false: an ERROR is printed without its DETAIL, for a program that prints
   * the error's DETAIL itself (the Sequelize helper sets it under
   * sequelize-cli). Default true.
   */
  errorDetail?: boolean;
}

interface Attachable {
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** Attaches a pg.Client (or every client of a pg.Pool); returns it. Attaching twice does nothing more. */
export function attach<T extends Attachable>(clientOrPool: T, options?: AttachOptions): T;
/** A Sequelize afterConnect hook: sequelize.addHook('afterConnect', afterConnect()). */
export function afterConnect(options?: AttachOptions): (connection: unknown, config?: unknown) => void;
/** The text printed for a diagnostic (or for a node-postgres notice or error). */
export function format(diagnostic: Diagnostic | object, options?: Pick<AttachOptions, 'errorDetail'>): string;
/** True for a node-postgres notice or error of the guard (SQLSTATE class PC). */
export function isGuardDiagnostic(message: unknown): boolean;
export function toDiagnostic(message: object, isError?: boolean): Diagnostic;
/** The rule id of each SQLSTATE (PC000: "old_debt"). */
export const RULES_BY_CODE: Readonly<Record<string, string>>;
/** "PC000": the SQLSTATE of the guard's one WARNING per table for its old debt. */
export const OLD_DEBT_CODE: 'PC000';
import withConventions = require('./sequelize');
/** The same function as require('pg-conventions/sequelize'). */
export const sequelize: typeof withConventions;

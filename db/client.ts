// The only place that opens better-sqlite3. Every process (server, crawler,
// importer, tests) gets the same pragmas and an up-to-date schema.
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema.ts';
import { readSetting } from '../lib/config.ts';
import { dropTexAccents, dropTexMarkup } from '../lib/textex.ts';

export type Sqlite = Database.Database;
export type Orm = BetterSQLite3Database<typeof schema>;
export interface Db {
  sqlite: Sqlite;
  orm: Orm;
  path: string;
}

const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** `$DATA_DIR` (default `./data`), where the database and index snapshots live. */
export function dataDir(): string {
  return resolve(readSetting('DATA_DIR'));
}

export interface OpenDbOptions {
  /**
   * false: one more connection to a database that another connection already
   * opened and migrated (a worker thread's reader, e.g. the FTS5 engine's
   * range threads): the file must exist and no migration runs. Default true.
   */
  migrate?: boolean;
}

/**
 * Opens (creating if needed) the database, in WAL mode so readers never wait
 * for the crawler or importer, and applies any pending migration.
 */
export function openDb(path = join(dataDir(), 'papers.db'), opts: OpenDbOptions = {}): Db {
  const migrating = opts.migrate ?? true;
  if (path !== ':memory:' && migrating) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { fileMustExist: !migrating });
  sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash
  // can lose the last transactions, never corrupt the file.
  sqlite.pragma('synchronous = NORMAL');
  // Another process may hold the write lock (an import while the server runs).
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // After a checkpoint resets the WAL, it is truncated to this size (a bulk import can grow it to gigabytes).
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  sqlite.pragma('foreign_keys = ON');
  // The FTS5 index's text (db/migrations/0006_fts5_tex_markup.sql): its view and triggers call this in every writer.
  sqlite.function('tex_plain', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? dropTexMarkup(text) : text));
  // Migration 0005's view and triggers, which 0006 replaces in the same migration run; kept so a database between them still writes.
  sqlite.function('tex_accents', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? dropTexAccents(text) : text));
  const orm = drizzle(sqlite, { schema });
  if (migrating) migrate(orm, { migrationsFolder: MIGRATIONS });
  return { sqlite, orm, path };
}

const BUSY_TIMEOUT_MS = 10_000;
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Moves what the WAL holds into the database and, when no reader still needs
 * it, empties the WAL file (after a bulk import). Never waits for the write lock
 * or for readers: what it cannot do now the next checkpoint does.
 */
export function checkpoint(db: Db): void {
  tryWrite(db, () => db.sqlite.pragma('wal_checkpoint(TRUNCATE)'));
}

/**
 * Runs a write only if the write lock is free right now; returns false when
 * another connection holds it. For the server's cache writes (typeset math):
 * better-sqlite3 waits for a lock synchronously, so waiting there would stop
 * the event loop, and every reader with it, for as long as an import holds
 * the lock. What is not written now is written by a later pass.
 */
export function tryWrite(db: Db, write: () => void): boolean {
  const s = db.sqlite;
  s.pragma('busy_timeout = 0');
  try {
    write();
    return true;
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) return false;
    throw err;
  } finally {
    s.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

/**
 * Wraps a function that prepares a module's statements so they are prepared
 * once per connection (preparing costs more than running most of them).
 */
export function preparedPerConnection<T>(prepare: (sqlite: Sqlite) => T): (sqlite: Sqlite) => T {
  const cache = new WeakMap<Sqlite, T>();
  return (sqlite) => {
    let s = cache.get(sqlite);
    if (s === undefined) {
      s = prepare(sqlite);
      cache.set(sqlite, s);
    }
    return s;
  };
}

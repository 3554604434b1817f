// The SQLite connection: WAL, foreign keys, busy_timeout, a quick integrity
// check on open, migrations from an explicit list, and close/reopen for the
// restore sequence. Lock waits on open are asynchronous and honour the
// AbortSignal, so a database held by another process never freezes the app.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import type { Clock } from '../core/clock';
import { delay, systemClock } from '../core/clock';
import type { Logger } from '../core/logger';
import { silentLogger } from '../core/logger';
import { migrationProvider } from './migrations';
import type { Schema } from './schema';

export type SqliteHandle = BetterSqlite3.Database;

export interface DatabaseOptions {
  /** File path, or ':memory:'. */
  file: string;
  busyTimeoutMs?: number;
  /** The better-sqlite3 binary built for this runtime (Electron uses its own build). */
  nativeBinding?: string;
  logger?: Logger;
  clock?: Clock;
}

export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly kind: 'corrupt' | 'locked' | 'unreadable' | 'closed' | 'migration',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_RECOVERY' || code === 'SQLITE_BUSY_SNAPSHOT';
}

function isNotADatabase(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
}

export class EncoreDatabase {
  private handle: SqliteHandle | null = null;
  private kysely: Kysely<Schema> | null = null;
  private readonly log: Logger;
  private readonly clock: Clock;
  /** The damaged file already copied aside (size and mtime identify it), and where its copy is. */
  private quarantined: { size: number; mtimeMs: number; copy: string } | null = null;
  private readonly openListeners = new Set<(db: EncoreDatabase) => void>();

  constructor(readonly options: DatabaseOptions) {
    this.log = (options.logger ?? silentLogger).scope('database');
    this.clock = options.clock ?? systemClock;
  }

  get busyTimeoutMs(): number {
    return this.options.busyTimeoutMs ?? 5000;
  }

  get isOpen(): boolean {
    return this.handle !== null;
  }

  /** The raw better-sqlite3 handle: prepared statements for hot paths. */
  get raw(): SqliteHandle {
    if (!this.handle) throw new DatabaseError('The database is closed (Encore is reopening it).', 'closed');
    return this.handle;
  }

  get db(): Kysely<Schema> {
    if (!this.kysely) throw new DatabaseError('The database is closed (Encore is reopening it).', 'closed');
    return this.kysely;
  }

  /** Called after every successful open, so stores can re-prepare their statements. */
  onDidOpen(fn: (db: EncoreDatabase) => void): () => void {
    this.openListeners.add(fn);
    return () => this.openListeners.delete(fn);
  }

  async open(signal?: AbortSignal): Promise<void> {
    if (this.handle) return;
    const { file } = this.options;
    const started = this.clock.monotonic();
    const deadline = started + this.busyTimeoutMs;
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });

    let handle: SqliteHandle;
    try {
      handle = new BetterSqlite3(file, { timeout: 0, nativeBinding: this.options.nativeBinding });
    } catch (error) {
      throw new DatabaseError(`Cannot open the database at ${file}: ${(error as Error).message}`, 'unreadable', { cause: error });
    }
    try {
      // Lock waits are done here, asynchronously, instead of inside SQLite's
      // synchronous busy handler that would block the event loop.
      await this.untilUnlocked(deadline, signal, () => {
        const mode = handle.pragma('journal_mode = WAL', { simple: true });
        if (file !== ':memory:' && String(mode).toLowerCase() !== 'wal') {
          throw new DatabaseError(`The database could not switch to WAL mode (got ${String(mode)}).`, 'unreadable');
        }
      });
      handle.pragma('foreign_keys = ON');
      handle.pragma('synchronous = NORMAL');
      await this.untilUnlocked(deadline, signal, () => this.quickCheck(handle));
      const kysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: handle }) });
      await this.untilUnlocked(deadline, signal, () => this.migrate(kysely));
      // Aborted during the last step: close rather than keep a connection the caller gave up on.
      signal?.throwIfAborted();
      handle.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.busyTimeoutMs))}`);
      this.handle = handle;
      this.kysely = kysely;
    } catch (error) {
      try {
        handle.close();
      } catch {
        /* already closed */
      }
      if (error instanceof DatabaseError && error.kind === 'corrupt') this.keepCopyAside(error);
      throw error;
    }
    this.log.info(`opened ${file} in ${Math.round(this.clock.monotonic() - started)} ms`);
    for (const fn of this.openListeners) fn(this);
  }

  private async untilUnlocked<T>(deadline: number, signal: AbortSignal | undefined, fn: () => T | Promise<T>): Promise<T> {
    let wait = 5;
    for (;;) {
      signal?.throwIfAborted();
      try {
        return await fn();
      } catch (error) {
        if (isNotADatabase(error)) {
          throw new DatabaseError(`The database file ${this.options.file} is damaged or is not an Encore database (${(error as Error).message}).`, 'corrupt', { cause: error });
        }
        const cause = (error as { cause?: unknown }).cause;
        if (!isBusy(error) && !isBusy(cause)) throw error;
        if (this.clock.monotonic() >= deadline) {
          throw new DatabaseError(
            `The database is locked by another program (waited ${this.busyTimeoutMs} ms). Close the other copy of Encore or the tool holding ${this.options.file}; Encore keeps retrying.`,
            'locked',
            { cause: error },
          );
        }
        await delay(this.clock, Math.min(wait, Math.max(1, deadline - this.clock.monotonic())), signal);
        wait = Math.min(wait * 2, 200);
      }
    }
  }

  private quickCheck(handle: SqliteHandle): void {
    const rows = handle.pragma('quick_check') as Array<{ quick_check: string }>;
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    if (problems.length) {
      throw new DatabaseError(`The database failed its integrity check: ${problems.slice(0, 3).join('; ')}`, 'corrupt');
    }
  }

  private async migrate(kysely: Kysely<Schema>): Promise<void> {
    const migrator = new Migrator({ db: kysely, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      if (isBusy(error) || isNotADatabase(error)) throw error;
      const failed = results?.find((r) => r.status === 'Error');
      throw new DatabaseError(`Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`, 'migration', { cause: error });
    }
    for (const r of results ?? []) this.log.info(`migration ${r.migrationName}: ${r.status}`);
  }

  /** Never silent loss: a damaged file is copied aside before anything else happens. */
  private keepCopyAside(error: DatabaseError): void {
    const { file } = this.options;
    if (file === ':memory:' || !fs.existsSync(file)) return;
    const { size, mtimeMs } = fs.statSync(file);
    // The same damaged file again (another wake, another Restart): one copy is
    // enough, but the message still says where it is.
    const known = this.quarantined;
    if (known && known.size === size && known.mtimeMs === mtimeMs) {
      error.message += ` A copy was kept at ${known.copy}.`;
      return;
    }
    const stamp = new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-');
    const copy = `${file}.damaged-${stamp}`;
    try {
      fs.copyFileSync(file, copy);
      for (const ext of ['-wal', '-shm']) if (fs.existsSync(file + ext)) fs.copyFileSync(file + ext, copy + ext);
      this.quarantined = { size, mtimeMs, copy };
      error.message += ` A copy was kept at ${copy}.`;
      this.log.error(`integrity check failed; copy kept at ${copy}`);
    } catch (copyError) {
      this.log.error('could not copy the damaged database aside', copyError);
    }
  }

  /** WAL checkpoint; TRUNCATE also shrinks the -wal file. */
  checkpoint(mode: 'PASSIVE' | 'FULL' | 'TRUNCATE' = 'PASSIVE'): void {
    if (!this.handle) return;
    try {
      this.handle.pragma(`wal_checkpoint(${mode})`);
    } catch (error) {
      this.log.warn(`checkpoint ${mode} failed`, error);
    }
  }

  /** Checkpoints and closes; safe to call twice. */
  close(): void {
    const handle = this.handle;
    if (!handle) return;
    this.handle = null;
    this.kysely = null;
    try {
      handle.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      this.log.warn('checkpoint on close failed', error);
    }
    handle.close();
    this.log.info('closed');
  }

  async reopen(signal?: AbortSignal): Promise<void> {
    this.close();
    await this.open(signal);
  }

  /** A cheap liveness check for the heartbeat. */
  ping(): boolean {
    try {
      return this.handle?.prepare('SELECT 1 AS one').get() !== undefined;
    } catch {
      return false;
    }
  }
}

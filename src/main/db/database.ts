// The SQLite connection: WAL, foreign keys, a quick integrity check on open,
// migrations from an explicit list, and close/reopen for the restore sequence.
// SQLite's busy handler is never used (busy_timeout stays 0): it would sleep
// on the event loop. A lock or a full disk is waited out here, asynchronously
// and honouring the AbortSignal, by retrying the whole write with backoff
// (see docs/database-locks.md for why not a worker thread).
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Compilable } from 'kysely';
import type { Clock } from '../core/clock';
import { delay, systemClock } from '../core/clock';
import type { Disposable } from '../core/disposable';
import type { Logger } from '../core/logger';
import { silentLogger } from '../core/logger';
import { writeFileAtomic } from '../core/atomic-write';
import { freeBytes, SPACE_BACK_BYTES } from '../core/free-space';
import { migrationProvider } from './migrations';
import type { Database } from './schema';
import { StatementCache } from './statement-cache';

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
  /** SQLite's code when SQLite said it (SQLITE_BUSY, SQLITE_FULL): what the retry checks look at. */
  readonly code: string | undefined;

  constructor(
    message: string,
    readonly kind: 'corrupt' | 'locked' | 'unreadable' | 'closed' | 'migration' | 'full',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseError';
    const code = (options?.cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_RECOVERY' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/** SQLITE_FULL, or a write that failed for want of space (ENOSPC, a quota). */
export function isDiskFull(error: unknown): boolean {
  for (let e: unknown = error, i = 0; e && i < 5; i++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** What keeps writes from happening right now; cleared by the next write that works. */
export interface DatabaseTrouble {
  kind: 'locked' | 'full';
  /** Wall clock ms: since when. */
  since: number;
  /** One sentence for a person: what happens and what to do. */
  message: string;
}

/** Retries of a locked write: short, so it runs again well within a second of the release. */
const LOCK_RETRY_MS = { first: 5, max: 100 };
/** A full disk frees up slowly (a person deletes files): retry about every second. */
const FULL_RETRY_MS = { first: 100, max: 1_000 };
/** Writes queued while the database is closed, locked or full; beyond this the oldest go (logged). */
const MAX_QUEUED_WRITES = 20_000;

interface QueuedWrite {
  what: string;
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

function isNotADatabase(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
}

/** `<file>.damaged.json`: which damaged file was copied where (size and mtime identify it). */
interface DamagedRecord {
  file: string;
  size: number;
  mtimeMs: number;
  copy: string;
  files: string[];
  copiedAt: string;
  reason: string;
}

export class EncoreDatabase {
  private handle: SqliteHandle | null = null;
  private kysely: Kysely<Database> | null = null;
  private readonly typedStatements = new StatementCache(this);
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly openListeners = new Set<(db: EncoreDatabase) => void>();
  private readonly troubleListeners = new Set<(trouble: DatabaseTrouble | null) => void>();
  private currentTrouble: DatabaseTrouble | null = null;
  private readonly queue: QueuedWrite[] = [];
  private drainRetry: Disposable | null = null;
  private drainWait = 0;
  private droppedWrites = 0;
  private troubleProbe: Disposable | null = null;
  private lockWatch: Disposable | null = null;
  private readonly lockReleasedListeners = new Set<() => void>();
  /** Why the last open failed: what a closed database tells a caller. */
  private lastOpenError: DatabaseError | null = null;

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
    if (!this.handle) throw new DatabaseError(this.unavailableReason(), 'closed');
    return this.handle;
  }

  get db(): Kysely<Database> {
    if (!this.kysely) throw new DatabaseError(this.unavailableReason(), 'closed');
    return this.kysely;
  }

  /**
   * Typed queries, run synchronously: better-sqlite3 is synchronous, and
   * kysely's SqliteDialect would only wrap the same call in promises (and a
   * connection mutex). Build with `db`, then run the compiled SQL as a
   * prepared statement, cached by its text.
   */
  all<R>(query: Compilable<R>): R[] {
    const { sql, parameters } = query.compile();
    return this.typedStatements.get(sql).all(...parameters) as R[];
  }

  /** The first row of a typed query, or undefined. */
  first<R>(query: Compilable<R>): R | undefined {
    const { sql, parameters } = query.compile();
    return this.typedStatements.get(sql).get(...parameters) as R | undefined;
  }

  /** Runs a typed insert, update or delete: how many rows changed, and the new row's id. */
  run(query: Compilable<unknown>): { changes: number; lastInsertRowid: number } {
    const { sql, parameters } = query.compile();
    const info = this.typedStatements.get(sql).run(...parameters);
    return { changes: info.changes, lastInsertRowid: Number(info.lastInsertRowid) };
  }

  /** A lock or a full disk keeping writes from happening now, or null. */
  get trouble(): DatabaseTrouble | null {
    return this.currentTrouble;
  }

  /** Fires when writes become blocked (locked, full) and when they work again (null). */
  onDidChangeTrouble(fn: (trouble: DatabaseTrouble | null) => void): () => void {
    this.troubleListeners.add(fn);
    return () => this.troubleListeners.delete(fn);
  }

  /** Writes waiting in the queue (closed, locked or full database). */
  get queuedWrites(): number {
    return this.queue.length;
  }

  /**
   * A write done elsewhere (a store's own transaction) failed: if for a lock or
   * a full disk, the database shows it until writes work again, and the error
   * to throw on says what to do (keeping SQLite's code, so retries still see
   * it for what it is). Anything else comes back as it was.
   */
  noteWriteFailure(error: unknown): unknown {
    const kind = isBusy(error) ? 'locked' : isDiskFull(error) ? 'full' : null;
    if (!kind || error instanceof DatabaseError) return error;
    if (this.handle) this.setTrouble(kind, error);
    const { file } = this.options;
    const reason = (error as Error).message;
    return kind === 'locked'
      ? new DatabaseError(`The database is locked by another program (${reason}): close the other copy of Encore or the tool that has ${file} open; Encore retries by itself.`, 'locked', { cause: error })
      : new DatabaseError(`The disk holding ${file} is full (${reason}): free some space on it; Encore retries by itself.`, 'full', { cause: error });
  }

  /** Why the database cannot be used now, for a person: closed, damaged, locked, full. */
  unavailableReason(): string {
    if (this.handle) {
      return this.currentTrouble ? `The database is waiting: ${this.currentTrouble.message}` : 'The database is open.';
    }
    const failed = this.lastOpenError;
    if (failed?.kind === 'corrupt') return `${failed.message} Restore a backup (or move the file away) and press Restart.`;
    if (failed) return failed.message;
    return 'The database is closed right now (Encore is reopening it); try again in a moment.';
  }

  /**
   * While writes are blocked, checks every so often whether they would work
   * again, so the status recovers even when nothing is waiting to be written.
   */
  private armTroubleProbe(): void {
    this.troubleProbe?.dispose();
    this.troubleProbe = null;
    const trouble = this.currentTrouble;
    if (!trouble || !this.handle) return;
    const every = trouble.kind === 'locked' ? 200 : 1_000;
    this.troubleProbe = this.clock.setTimeout(() => {
      this.troubleProbe = null;
      if (this.currentTrouble !== trouble || !this.handle) return;
      if (!this.writableAgain(trouble.kind)) return this.armTroubleProbe();
      this.setTrouble(null);
      this.cancelDrainRetry();
      this.drain();
    }, every);
  }

  private writableAgain(kind: DatabaseTrouble['kind']): boolean {
    const handle = this.handle;
    if (!handle) return false;
    if (kind === 'full') {
      // Nothing can be written to find out. Hysteresis: the probe wants
      // SPACE_BACK_BYTES free, well above what a nearly full disk has, so the
      // state does not flip while a few pages come and go; below that, only a
      // write that works (write(), the queue) clears it.
      if (this.options.file === ':memory:') return true;
      return (freeBytes(path.dirname(this.options.file)) ?? 0) >= SPACE_BACK_BYTES;
    }
    if (handle.inTransaction) return false;
    try {
      handle.exec('BEGIN IMMEDIATE');
      handle.exec('ROLLBACK');
      return true;
    } catch {
      return false;
    }
  }

  private setTrouble(kind: DatabaseTrouble['kind'] | null, error?: unknown): void {
    if (kind === null) {
      if (!this.currentTrouble) return;
      const was = this.currentTrouble;
      this.currentTrouble = null;
      this.troubleProbe?.dispose();
      this.troubleProbe = null;
      this.log.info(`writes work again (was ${was.kind} for ${Math.round((this.clock.now() - was.since) / 1000)} s)`);
    } else {
      if (this.currentTrouble?.kind === kind) return;
      const detail = error instanceof Error ? error.message : String(error ?? '');
      const message =
        kind === 'locked'
          ? `locked by another program (${detail || 'SQLITE_BUSY'}). Close the other copy of Encore or the tool that has ${this.options.file} open; Encore keeps what it records and writes it as soon as the lock is released.`
          : `the disk is full (${detail || 'SQLITE_FULL'}). Free some space on the disk holding ${this.options.file}; Encore keeps what it records and writes it by itself once there is room.`;
      this.currentTrouble = { kind, since: this.clock.now(), message };
      this.log.warn(`writes blocked: ${message}`);
      this.armTroubleProbe();
    }
    for (const fn of this.troubleListeners) fn(this.currentTrouble);
  }

  /**
   * Runs a write (`fn` does its own transaction, or is one statement) and
   * retries it whole, asynchronously, while the database is locked by another
   * program or the disk is full; the event loop never waits in SQLite. Rejects
   * on any other error, when the database is closed, or when `signal` aborts.
   */
  async write<T>(fn: () => T, signal?: AbortSignal): Promise<T> {
    let wait = 0;
    for (;;) {
      signal?.throwIfAborted();
      if (!this.handle) throw new DatabaseError(this.unavailableReason(), 'closed');
      try {
        const result = fn();
        this.setTrouble(null);
        return result;
      } catch (error) {
        const kind = isBusy(error) ? 'locked' : isDiskFull(error) ? 'full' : null;
        if (!kind) throw error;
        this.setTrouble(kind, error);
        const limits = kind === 'locked' ? LOCK_RETRY_MS : FULL_RETRY_MS;
        wait = Math.min(limits.max, wait ? wait * 2 : limits.first);
        await delay(this.clock, wait, signal);
      }
    }
  }

  /**
   * A write that must not be lost but that nobody waits for (a play from Roon,
   * a journal entry): queued in order and written as soon as the database is
   * open and writable. Resolves with what `run` returned; rejects only when
   * `run` itself fails for another reason (a bug, a constraint), which is logged.
   */
  enqueue<T>(what: string, run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ what, run, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length > MAX_QUEUED_WRITES) {
        const dropped = this.queue.shift()!;
        this.droppedWrites++;
        this.log.error(`write queue full (${MAX_QUEUED_WRITES}): dropped the oldest (${dropped.what}); ${this.droppedWrites} dropped so far`);
        dropped.reject(new DatabaseError('Dropped: too many writes waited for the database.', 'closed'));
      }
      this.drain();
    });
  }

  /**
   * Writes what is queued, synchronously and in order, until the queue is
   * empty or a write meets a lock or a full disk: then it tries again after a
   * backoff on the clock. Synchronous on purpose: what can be written is
   * written at once (a shutdown's last journal entry before the close), and
   * an item is never run by two drains.
   */
  private drain(): void {
    if (this.drainRetry) return;
    while (this.queue.length && this.handle) {
      const item = this.queue[0]!;
      let result: unknown;
      try {
        result = item.run();
      } catch (error) {
        const kind = isBusy(error) ? 'locked' : isDiskFull(error) ? 'full' : null;
        if (kind) {
          this.setTrouble(kind, error);
          const limits = kind === 'locked' ? LOCK_RETRY_MS : FULL_RETRY_MS;
          this.drainWait = Math.min(limits.max, this.drainWait ? this.drainWait * 2 : limits.first);
          this.drainRetry = this.clock.setTimeout(() => {
            this.drainRetry = null;
            this.drain();
          }, this.drainWait);
          return;
        }
        this.queue.shift();
        this.log.error(`queued write failed (${item.what})`, error);
        item.reject(error);
        continue;
      }
      this.queue.shift();
      this.drainWait = 0;
      this.setTrouble(null);
      item.resolve(result);
    }
  }

  private cancelDrainRetry(): void {
    this.drainRetry?.dispose();
    this.drainRetry = null;
    this.drainWait = 0;
  }

  /**
   * After an open failed because another program holds the database: fires
   * once, as soon as it lets go, so the open is retried at once rather than
   * at the end of a backoff that may have grown to a minute.
   */
  onLockReleased(fn: () => void): () => void {
    this.lockReleasedListeners.add(fn);
    return () => this.lockReleasedListeners.delete(fn);
  }

  private watchForLockRelease(): void {
    this.lockWatch?.dispose();
    this.lockWatch = this.clock.setTimeout(() => {
      this.lockWatch = null;
      if (this.handle) return;
      let probe: SqliteHandle | null = null;
      try {
        probe = new BetterSqlite3(this.options.file, { timeout: 0, fileMustExist: true, nativeBinding: this.options.nativeBinding });
        probe.exec('BEGIN IMMEDIATE');
        probe.exec('ROLLBACK');
      } catch {
        probe?.close();
        this.watchForLockRelease();
        return;
      }
      probe.close();
      this.log.info('the other program released the database');
      for (const fn of this.lockReleasedListeners) fn();
    }, 200);
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
      const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) });
      await this.untilUnlocked(deadline, signal, () => this.migrate(kysely));
      // Aborted during the last step: close rather than keep a connection the caller gave up on.
      signal?.throwIfAborted();
      // Never SQLite's blocking busy handler: write() waits out locks instead.
      handle.pragma('busy_timeout = 0');
      this.handle = handle;
      this.kysely = kysely;
      this.lastOpenError = null;
      this.lockWatch?.dispose();
      this.lockWatch = null;
    } catch (error) {
      try {
        handle.close();
      } catch {
        /* already closed */
      }
      if (error instanceof DatabaseError && error.kind === 'corrupt') this.keepCopyAside(error);
      if (error instanceof DatabaseError) this.lastOpenError = error;
      if (error instanceof DatabaseError && error.kind === 'locked' && file !== ':memory:') this.watchForLockRelease();
      throw error;
    }
    this.log.info(`opened ${file} in ${Math.round(this.clock.monotonic() - started)} ms`);
    for (const fn of this.openListeners) fn(this);
    this.drain();
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
        if (isDiskFull(error)) {
          throw new DatabaseError(`The disk holding ${this.options.file} is full (${(error as Error).message}). Free some space; Encore keeps retrying.`, 'full', { cause: error });
        }
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

  private async migrate(kysely: Kysely<Database>): Promise<void> {
    const migrator = new Migrator({ db: kysely, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      if (isBusy(error) || isNotADatabase(error)) throw error;
      const failed = results?.find((r) => r.status === 'Error');
      throw new DatabaseError(`Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`, 'migration', { cause: error });
    }
    for (const r of results ?? []) this.log.info(`migration ${r.migrationName}: ${r.status}`);
  }

  /** Where the record of the copy kept of a damaged file lives: beside it, so it survives restarts. */
  get damagedRecordFile(): string {
    return `${this.options.file}.damaged.json`;
  }

  private readDamagedRecord(): DamagedRecord | null {
    try {
      const value = JSON.parse(fs.readFileSync(this.damagedRecordFile, 'utf8')) as Partial<DamagedRecord>;
      if (typeof value.size === 'number' && typeof value.mtimeMs === 'number' && typeof value.copy === 'string') return value as DamagedRecord;
    } catch {
      /* no record, or an unreadable one: copy again */
    }
    return null;
  }

  /** Never silent loss: a damaged file is copied aside before anything else happens. */
  private keepCopyAside(error: DatabaseError): void {
    const { file } = this.options;
    if (file === ':memory:' || !fs.existsSync(file)) return;
    const { size, mtimeMs } = fs.statSync(file);
    // The same damaged file again (another wake, another start of Encore): one
    // copy is enough, but the message still says where it is.
    const known = this.readDamagedRecord();
    if (known && known.size === size && known.mtimeMs === mtimeMs && fs.existsSync(known.copy)) {
      error.message += ` A copy was kept at ${known.copy}.`;
      return;
    }
    const stamp = new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-');
    const copy = `${file}.damaged-${stamp}`;
    try {
      fs.copyFileSync(file, copy);
      const copied = [copy];
      for (const ext of ['-wal', '-shm']) {
        if (!fs.existsSync(file + ext)) continue;
        fs.copyFileSync(file + ext, copy + ext);
        copied.push(copy + ext);
      }
      const record: DamagedRecord = { file, size, mtimeMs, copy, files: copied, copiedAt: new Date(this.clock.now()).toISOString(), reason: error.message };
      writeFileAtomic(this.damagedRecordFile, JSON.stringify(record, null, 2) + '\n');
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

  /** Checkpoints and closes; safe to call twice. Queued writes wait for the next open. */
  close(): void {
    const handle = this.handle;
    // (Without a handle, a watch for the release of a lock that kept it from opening goes on.)
    if (!handle) return;
    // What can still be written goes in now; the rest waits for the next open.
    this.cancelDrainRetry();
    this.drain();
    this.cancelDrainRetry();
    this.handle = null;
    this.kysely = null;
    this.setTrouble(null);
    try {
      handle.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      this.log.warn('checkpoint on close failed', error);
    }
    handle.close();
    this.log.info('closed');
  }

  /** Closes, and stops the timers that watch a lock or a full disk (shutdown). */
  dispose(): void {
    this.close();
    this.cancelDrainRetry();
    this.lockWatch?.dispose();
    this.lockWatch = null;
    this.troubleProbe?.dispose();
    this.troubleProbe = null;
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

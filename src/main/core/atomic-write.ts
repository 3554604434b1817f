// The one way Encore writes a file (config.json, runtime.json, secrets,
// exports, backups): into a temporary file beside it, flushed, then renamed
// over the target. A reader sees the old file or the new one, never half of
// one; a failed write (a full disk) removes its temporary file, and a
// successful one leaves nothing but the target behind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A file Encore could not write, naming the file and the cause for a person. */
export class FileWriteError extends Error {
  readonly code: string | undefined;

  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const code = (cause as { code?: unknown })?.code;
    super(`Could not write ${file}: ${describeWriteFailure(cause)}`, { cause });
    this.name = 'FileWriteError';
    this.code = typeof code === 'string' ? code : undefined;
  }

  /** No space left (or over quota): worth retrying once the person frees some. */
  get diskFull(): boolean {
    return this.code === 'ENOSPC' || this.code === 'EDQUOT' || this.code === 'SQLITE_FULL';
  }
}

function describeWriteFailure(cause: unknown): string {
  const code = (cause as { code?: unknown })?.code;
  if (code === 'ENOSPC' || code === 'SQLITE_FULL') return 'the disk is full (ENOSPC). Free some space on it and try again.';
  if (code === 'EDQUOT') return 'the disk quota is used up (EDQUOT). Free some space and try again.';
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${code}). Check who owns the folder.`;
  if (code === 'EROFS') return 'the disk is read-only (EROFS).';
  return cause instanceof Error ? cause.message : String(cause);
}

/** A temporary name beside `file`: same folder, so the rename never crosses disks. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
}

/** What SQLite may leave beside a database file it opened. */
const SQLITE_COMPANIONS = ['-wal', '-shm', '-journal'];

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    /* best effort: the original error matters more */
  }
}

/** Writes `data` to `file` atomically; throws a FileWriteError naming the file. */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: { mode?: number } = {}): void {
  const tmp = tempPathFor(file);
  let fd: number | null = null;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = fs.openSync(tmp, 'wx', options.mode ?? 0o644);
    const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let offset = 0; offset < buffer.length; ) offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
    // Flushed before the rename: after a crash the new name never points at empty blocks.
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    if (options.mode !== undefined) fs.chmodSync(tmp, options.mode);
    fs.renameSync(tmp, file);
  } catch (error) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    removeQuietly(tmp);
    throw error instanceof FileWriteError ? error : new FileWriteError(file, error);
  }
}

/**
 * For writers that need a path rather than bytes (SQLite's backup API): `write`
 * fills a temporary file, which is renamed to `file` once it resolves. On
 * failure, and after success, nothing is left beside `file`: not the
 * temporary file, nor the -wal/-shm SQLite may have made next to it.
 */
export async function writeViaTempFile(file: string, write: (tmp: string) => Promise<void> | void): Promise<void> {
  const tmp = tempPathFor(file);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await write(tmp);
    fs.renameSync(tmp, file);
  } catch (error) {
    removeQuietly(tmp);
    throw error instanceof FileWriteError || !isWriteFailure(error) ? error : new FileWriteError(file, error);
  } finally {
    for (const ext of SQLITE_COMPANIONS) removeQuietly(tmp + ext);
  }
}

function isWriteFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^(E[A-Z]+|SQLITE_(FULL|IOERR.*|CANTOPEN))$/.test(code);
}

// Free space on a disk, for deciding that "the disk is full" is over. One
// statfs call (a few microseconds), so it can be polled every second.
import fs from 'node:fs';

/**
 * How much must be free before a full disk counts as having room again. A
 * disk that failed a write is nearly full; with a low bar (the 1 MB this
 * replaced) the state flipped between "full" and "running" as a few pages
 * came and went. Below this, only a write that succeeds says the room is back.
 */
export const SPACE_BACK_BYTES = 8 * 1024 * 1024;

/** Bytes an unprivileged process may still write in `dir`'s file system, or null when it cannot be told. */
export function freeBytes(dir: string): number | null {
  try {
    const stats = fs.statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

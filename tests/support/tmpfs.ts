// A small disk that can be filled: a tmpfs mounted (as root) on a temp folder.
// Tests skip, saying why, where mounting is not possible.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SmallDisk {
  dir: string;
  /** Fills the disk to the last byte (a filler file). */
  fill(): void;
  /** Removes the filler: space is back. */
  free(): void;
  /** Shrinks the filler (after fill()) until about `bytes` are free: a nearly full disk. */
  leaveFree(bytes: number): void;
  unmount(): void;
}

/** Mounts a tmpfs of `sizeMb` MB, or returns the reason it cannot. */
export function mountSmallDisk(sizeMb = 4): SmallDisk | string {
  if (process.getuid?.() !== 0) return 'not root: cannot mount a tmpfs';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${(error as Error).message.split('\n')[0]}`;
  }
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = fs.openSync(filler, 'a');
      const block = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) fs.writeSync(fd, block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
      // The last partial block.
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(512, 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        fs.closeSync(fd);
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    leaveFree(bytes) {
      const { bavail, bsize } = fs.statfsSync(dir);
      const more = bytes - bavail * bsize;
      if (more > 0) fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - more));
    },
    unmount() {
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

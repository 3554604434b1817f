import fs from 'node:fs';

/** The last lines of the log file, read from its end (the file can be megabytes). */
export function tail(file: string, lines: number): string[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, lines * 400 + 4096);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    const all = text.split(/\r?\n/);
    if (length < size) all.shift();
    while (all.length && all[all.length - 1] === '') all.pop();
    return all.slice(-lines);
  } finally {
    fs.closeSync(fd);
  }
}


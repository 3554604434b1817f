// Files share their worker's modules (vitest.config.ts), except those that
// count live disposables: a counter for the whole process, which a timer left
// by the file before could move. A new such file must join them.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COUNTS_DISPOSABLES } from '../vitest.config';

const ROOT = path.resolve(import.meta.dirname, '..');

function testFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return testFiles(relative);
    return entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}

describe('vitest.config.ts', () => {
  it('runs every file that counts live disposables with a module graph of its own', () => {
    const counting = [...testFiles('src'), ...testFiles('tests')].filter((file) => file !== 'tests/vitest-config.test.ts' && fs.readFileSync(path.join(ROOT, file), 'utf8').includes('liveDisposables('));
    expect([...COUNTS_DISPOSABLES].sort()).toEqual(counting.sort());
  });
});

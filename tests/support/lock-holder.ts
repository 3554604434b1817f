// Another program holding Encore's database: a child node process with its
// own better-sqlite3 connection in `BEGIN EXCLUSIVE` (the sqlite3 CLI may not
// be installed). It says "locked" once it holds the lock and lets go when told.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const SCRIPT = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1], { timeout: 10000 });
if (process.argv[2] === 'exclusive-mode') db.pragma('locking_mode = EXCLUSIVE');
db.exec('BEGIN EXCLUSIVE');
db.prepare("CREATE TABLE IF NOT EXISTS other_program (x)").run();
process.stdout.write('locked\\n');
process.stdin.on('data', () => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released\\n');
  process.exit(0);
});
`;

export interface LockHolder {
  readonly child: ChildProcess;
  release(): Promise<void>;
}

/** Resolves once the other process holds the write lock on `file`. */
export async function holdWriteLock(file: string, mode: 'normal' | 'exclusive-mode' = 'normal'): Promise<LockHolder> {
  const child = spawn(process.execPath, ['-e', SCRIPT, file, mode], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const said = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.includes(word)) {
          child.stdout!.off('data', onData);
          resolve();
        }
      };
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        check();
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => (out.includes(word) ? resolve() : reject(new Error(`lock holder exited (${code}) before saying "${word}"`))));
      check();
    });
  await said('locked');
  return {
    child,
    release: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin!.write('release\n');
      await said('released');
      await exited;
    },
  };
}

// Foundation figures: headless cold start, idle memory, batched inserts, plays per day.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EncoreDatabase } from '../src/main/db/database';
import { PlayStore, type NewPlay } from '../src/main/db/plays';
import { median, report } from './_stats';

const entry = path.resolve('dist/headless/main.js');

async function coldStart(dataDir: string, idleMs: number): Promise<{ ms: number; rssMb: number }> {
  // Discovery on loopback only: a benchmark sends nothing to the real network.
  fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ roon: { discovery: { multicastGroup: '127.0.0.1', port: 9, broadcastAddresses: ['127.0.0.1'] } } }));
  const t0 = performance.now();
  const child = spawn(process.execPath, [entry, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  const runtime = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Open:\s+(http:\/\/127\.0\.0\.1:\d+)\/\?token=(\w+)/.exec(out);
      if (m) resolve({ url: m[1]!, token: m[2]! });
    });
    child.on('exit', () => reject(new Error('exited')));
  });
  const res = await fetch(`${runtime.url}/api/status`, { headers: { authorization: `Bearer ${runtime.token}` } });
  await res.text();
  const ms = performance.now() - t0;
  // Idle: the startup restore is done and V8 has had time to shrink its heap
  // after the start-up burst (its memory reducer runs after some seconds idle).
  await new Promise((r) => setTimeout(r, idleMs));
  const statm = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(statm)?.[1] ?? 0);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return { ms, rssMb: rssKb / 1024 };
}

function makePlays(n: number, from: number, to: number): NewPlay[] {
  const artists = Array.from({ length: 2000 }, (_, i) => `Artist ${i}`);
  const out: NewPlay[] = [];
  for (let i = 0; i < n; i++) {
    const a = (i * 7919) % artists.length;
    out.push({
      artist: artists[a]!,
      title: `Song ${(i * 104729) % 20000}`,
      album: `Album ${a % 500}`,
      lengthSeconds: 180 + (i % 120),
      startedAt: from + Math.floor(((to - from) / n) * i),
      secondsListened: 170,
      zone: 'Living Room',
      source: i % 2 ? 'roon' : 'lastfm',
    });
  }
  return out;
}

async function main() {
  if (!fs.existsSync(entry)) throw new Error('build first: npm run build');
  const starts: number[] = [];
  const rss: number[] = [];
  const justStarted: number[] = [];
  for (let i = 0; i < 7; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-bench-'));
    // The first start of a data dir creates the schema; measure the usual case too.
    const r = await coldStart(dir, 200);
    const again = await coldStart(dir, i < 3 ? 15_000 : 1500);
    starts.push(again.ms);
    (i < 3 ? rss : justStarted).push(again.rssMb);
    if (i === 0) report('headless cold start, new data dir (first run)', r.ms, 'ms', '-');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  report('headless cold start to first /api/status (median of 7)', median(starts), 'ms', '≤ 400 ms');
  report('headless idle resident memory, 15 s after start (median of 3)', median(rss), 'MB', '≤ 80 MB');
  report('  resident memory 1.5 s after start (median of 4)', median(justStarted), 'MB', '-');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-bench-'));
  const db = new EncoreDatabase({ file: path.join(dir, 'encore.db') });
  await db.open();
  const now = Date.now();
  const store = new PlayStore(db, () => now);
  const total = 1_000_000;
  const plays = makePlays(total, now - 365 * 86_400_000, now);
  const batch = 5_000;
  const rates: number[] = [];
  for (let i = 0; i < total; i += batch) {
    const t = performance.now();
    store.ingest(plays.slice(i, i + batch));
    rates.push(batch / ((performance.now() - t) / 1000));
  }
  report('insert plays in batched transactions (median batch of 5,000)', median(rates), 'rows/s', '≥ 200,000 rows/s');
  console.log(`  (${store.count()} plays stored)`);

  const perDay: number[] = [];
  const offset = (ms: number) => -new Date(ms).getTimezoneOffset();
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const days = store.perDay(now - 365 * 86_400_000, now, offset);
    perDay.push(performance.now() - t);
    if (days.length < 360) throw new Error(`only ${days.length} days`);
  }
  report('plays per day over the last year, 1,000,000 plays (median)', median(perDay), 'ms', '≤ 50 ms');
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

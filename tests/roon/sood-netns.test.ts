// Encore's real discovery path end to end: queries to the SOOD group
// 239.255.90.90 and to a broadcast address on port 9003, answered by the fake
// Core bound to that port and joined to that group. It runs in a network
// namespace made here with nothing but loopback, so no packet can leave it;
// outside such a namespace the ENCORE_DISCOVERY_LOOPBACK_ONLY guard stays on
// (sood-discovery.test.ts). Needs root and iproute2; skips, saying why, without.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inLoopbackOnlyNamespace } from '../../src/main/services/roon/sood';
import { within } from './helpers';

const NS = `encore-sood-${process.pid}`;

function cannotRun(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 (ip) is not installed';
  }
  return null;
}

const reason = cannotRun();
if (reason) console.log(`skipping the SOOD namespace test: ${reason}`);

let dir = '';
let bundle = '';
let made = false;

beforeAll(async () => {
  if (reason) return;
  execFileSync('ip', ['netns', 'add', NS]);
  made = true;
  execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  // Multicast needs a route; in this namespace the only one is loopback.
  execFileSync('ip', ['-n', NS, 'route', 'add', '224.0.0.0/4', 'dev', 'lo']);
  dir = mkdtempSync(path.join(os.tmpdir(), 'encore-sood-'));
  bundle = path.join(dir, 'sood-child.mjs');
  await build({
    entryPoints: [path.join(__dirname, 'netns', 'sood-child.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['bufferutil', 'utf-8-validate'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
  });
}, 30_000);

afterAll(() => {
  if (made) execFileSync('ip', ['netns', 'del', NS]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runChild(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', NS, process.execPath, bundle], {
      env: { ...process.env, ENCORE_DISCOVERY_LOOPBACK_ONLY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(reason !== null)('SOOD on the real port and group, inside a loopback-only namespace', () => {
  it('finds the fake Core through the group and the broadcast address, and the service connects by discovery', async () => {
    const { code, stdout, stderr } = await within(runChild(), 30_000, 'the child in the namespace');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      isolated: boolean;
      found: { host: string; port: number; coreId: string };
      corePort: number;
      afterQuery: { total: number; group: number };
      detail: string;
      guardWarnings: number;
    };
    expect(result.isolated).toBe(true);
    expect(result.found).toMatchObject({ host: '127.0.0.1', port: result.corePort });
    // One query went out twice: once to the group (seen by the group-bound
    // socket too) and once to the broadcast address (seen only by the other).
    expect(result.afterQuery.group).toBeGreaterThanOrEqual(1);
    expect(result.afterQuery.total).toBeGreaterThan(result.afterQuery.group);
    expect(result.detail).toBe('Connected to Fake Core, 1 zone');
    // The guard was on (ENCORE_DISCOVERY_LOOPBACK_ONLY=1) yet dropped nothing here.
    expect(result.guardWarnings).toBe(0);
  });

  it('keeps the guard on in this test process, which is not in such a namespace', () => {
    expect(inLoopbackOnlyNamespace()).toBe(false);
  });
});

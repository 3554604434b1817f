// The wake rig: a sleep as close to a real one as this machine allows.
//
// The built headless host runs in a network namespace of its own (loopback plus
// a veth pair whose address comes and goes), under libfaketime so that its wall
// clock can jump while its monotonic clock does not. The fake Roon Core and the
// fake Last.fm run in a child process in the same namespace. A sleep is: the
// network cut first (nftables drops the fakes' ports both ways, so the old Roon
// socket is left half-open; the veth address removed), SIGSTOP of the host, the
// Core restarted and scrobbles added meanwhile, the wall clock jumped, SIGCONT,
// and the network given back some time before or after. No power event is sent:
// the host has to notice the wake by itself.
//
// Used by tests/wake/*.test.ts and bench/real-wake.ts. Needs root, `ip netns`,
// nft and libfaketime; rigUnavailableReason() says what is missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StatusSnapshot } from '../../src/shared/status';
import type { FakeScrobble } from '../../src/dev/fakes/lastfm-server';
import type { Command, FakesInfo } from './fakes-child';

export const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOST_ENTRY = path.join(ROOT, 'dist', 'headless', 'main.js');
const API_KEY = '0123456789abcdef0123456789abcdef';
const VETH_ADDRESS = '10.213.0.1/24';
const TABLE = 'encore_wake';

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim() };
}

function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (!r.ok) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.out}`);
  return r.out;
}

/** Why the rig cannot run here, or null when it can. */
export function rigUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'the wake rig needs Linux (network namespaces, libfaketime)';
  if (process.getuid?.() !== 0) return 'the wake rig needs root (it creates a network namespace and nftables rules)';
  if (!fs.existsSync(FAKETIME_LIB)) return `libfaketime is not installed (${FAKETIME_LIB}; apt-get install faketime)`;
  if (!run('nft', ['--version']).ok) return 'nft is not installed (apt-get install nftables)';
  const probe = `encore-probe-${process.pid}`;
  const added = run('ip', ['netns', 'add', probe]);
  if (!added.ok) return `cannot create a network namespace (${added.out})`;
  run('ip', ['netns', 'del', probe]);
  return null;
}

/** Builds dist/ when it is missing (npm test builds it first anyway). */
export function ensureBuilt(): void {
  if (fs.existsSync(HOST_ENTRY)) return;
  must(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')]);
}

export interface RigOptions {
  /** A configured roon.host/port, or discovery (SOOD on loopback in the namespace). */
  roon: 'configured' | 'discovery';
  /** Last.fm pollSeconds (default 60: the catch-up on start is what a wake relies on). */
  pollSeconds?: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export interface RigEvent {
  event: 'core-tcp' | 'core-subscribed';
  at: number;
}

let rigCount = 0;
/** Rigs not closed yet: if this process ends without closing them, their host and namespace go with it. */
const openRigs = new Set<WakeRig>();
process.once('exit', () => {
  for (const rig of openRigs) rig.closeNow();
});

export class WakeRig {
  readonly ns: string;
  readonly dir: string;
  private readonly faketimeFile: string;
  private clockOffsetSeconds = 0;
  private fakes: ChildProcess | null = null;
  private host: ChildProcess | null = null;
  private hostExited: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly eventLog: RigEvent[] = [];
  private readonly eventWaiters = new Set<() => void>();
  readonly hostOutput: string[] = [];
  info!: FakesInfo;
  url = '';
  token = '';
  private networkCut = false;
  private closed = false;

  private constructor(readonly options: RigOptions) {
    this.ns = `encore-wake-${process.pid}-${++rigCount}`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'encore-wake-'));
    this.faketimeFile = path.join(this.dir, 'faketime');
  }

  static async create(options: RigOptions): Promise<WakeRig> {
    ensureBuilt();
    const rig = new WakeRig(options);
    openRigs.add(rig);
    try {
      rig.makeNamespace();
      await rig.startFakes();
      await rig.startHost();
    } catch (error) {
      await rig.close();
      throw error;
    }
    return rig;
  }

  // ---- namespace and firewall -------------------------------------------------

  private makeNamespace(): void {
    const ns = this.ns;
    must('ip', ['netns', 'add', ns]);
    must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // Without IPv6 the veth has no link-local address: removing its IPv4 leaves no network at all.
    must('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
    must('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1']);
    must('ip', ['-n', ns, 'link', 'add', 'wake0', 'type', 'veth', 'peer', 'name', 'wake1']);
    must('ip', ['-n', ns, 'link', 'set', 'wake0', 'up']);
    must('ip', ['-n', ns, 'link', 'set', 'wake1', 'up']);
    must('ip', ['-n', ns, 'addr', 'add', VETH_ADDRESS, 'dev', 'wake0']);
  }

  private nft(script: string): string {
    const file = path.join(this.dir, 'nft.rules');
    fs.writeFileSync(file, script);
    return must('ip', ['netns', 'exec', this.ns, 'nft', '-f', file]);
  }

  private setupFirewall(): void {
    const { corePort, soodPort } = this.info;
    // `blocked` is empty while the network is there; a sleep fills it. The counter
    // sees every connection attempt to the Core (a SYN without ACK).
    this.nft(`table inet ${TABLE} {
  set blocked { type inet_service; }
  counter core_attempts { }
  counter sood_queries { }
  chain output {
    type filter hook output priority 0; policy accept;
    tcp dport ${corePort} tcp flags & (syn | ack) == syn counter name core_attempts
    udp dport ${soodPort} counter name sood_queries
    tcp dport @blocked drop
    tcp sport @blocked drop
    udp dport @blocked drop
    udp sport @blocked drop
  }
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport @blocked drop
    tcp sport @blocked drop
    udp dport @blocked drop
    udp sport @blocked drop
  }
}
`);
  }

  /** Cuts the network as a sleep does: the fakes' ports dropped both ways first, then the address gone. */
  cutNetwork(): void {
    if (this.networkCut) return;
    const { corePort, soodPort, lastfmPort } = this.info;
    this.nft(`add element inet ${TABLE} blocked { ${corePort}, ${soodPort}, ${lastfmPort} }\n`);
    must('ip', ['-n', this.ns, 'addr', 'del', VETH_ADDRESS, 'dev', 'wake0']);
    this.networkCut = true;
  }

  /** Gives the network back: traffic flows first, then the address appears (as DHCP finishing does). */
  giveNetwork(): number {
    this.nft(`flush set inet ${TABLE} blocked\n`);
    must('ip', ['-n', this.ns, 'addr', 'add', VETH_ADDRESS, 'dev', 'wake0']);
    this.networkCut = false;
    return Date.now();
  }

  /** Connection attempts to the Core and SOOD queries seen so far. */
  counters(): { coreAttempts: number; soodQueries: number } {
    const read = (name: string) => {
      const json = JSON.parse(must('ip', ['netns', 'exec', this.ns, 'nft', '-j', 'list', 'counter', 'inet', TABLE, name])) as { nftables: Array<{ counter?: { packets: number } }> };
      return json.nftables.find((e) => e.counter)?.counter?.packets ?? 0;
    };
    return { coreAttempts: read('core_attempts'), soodQueries: read('sood_queries') };
  }

  // ---- the fakes ----------------------------------------------------------------

  private async startFakes(): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', this.ns, process.execPath, '--import', 'tsx', path.join(ROOT, 'tests', 'wake', 'fakes-child.ts')], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ENCORE_DISCOVERY_LOOPBACK_ONLY: '1' },
    });
    this.fakes = child;
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the fakes process exited (${code}) before it was ready`)));
      const lines = readline.createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        let message: { id?: number; ok?: boolean; result?: unknown; error?: string; event?: string; at?: number };
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          return;
        }
        if (message.event === 'ready') return resolve();
        if (message.event === 'core-tcp' || message.event === 'core-subscribed') {
          this.eventLog.push({ event: message.event, at: message.at! });
          for (const wake of [...this.eventWaiters]) wake();
          return;
        }
        if (message.id === undefined) return;
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) pending?.resolve(message.result);
        else pending?.reject(new Error(message.error ?? 'fakes command failed'));
      });
    });
    const errors: string[] = [];
    child.stderr!.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
    await ready.catch((error: Error) => {
      throw new Error(`${error.message}: ${errors.join('').slice(-2000)}`);
    });
    this.info = (await this.command({ cmd: 'start', apiKey: API_KEY, user: 'alice', historyNewestUts: Math.floor(Date.now() / 1000) - 86_400 })) as FakesInfo;
    this.setupFirewall();
  }

  private command(command: Command): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.fakes!.stdin!.write(JSON.stringify({ id, ...command }) + '\n');
    });
  }

  stopCore(): Promise<unknown> {
    return this.command({ cmd: 'stopCore' });
  }

  startCore(): Promise<unknown> {
    return this.command({ cmd: 'startCore' });
  }

  addScrobbles(scrobbles: FakeScrobble[]): Promise<unknown> {
    return this.command({ cmd: 'addScrobbles', scrobbles });
  }

  lastfmDown(): Promise<unknown> {
    return this.command({ cmd: 'lastfmDown' });
  }

  lastfmUp(): Promise<unknown> {
    return this.command({ cmd: 'lastfmUp' });
  }

  /** Waits for a fake's event that happened at or after `after` (Date.now() of this process). */
  async nextEvent(event: RigEvent['event'], after: number, timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.eventLog.find((e) => e.event === event && e.at >= after);
      if (hit) return hit.at;
      if (Date.now() > deadline) throw new Error(`no ${event} within ${timeoutMs} ms\n${this.hostTail()}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.eventWaiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        this.eventWaiters.add(wake);
      });
    }
  }

  // ---- the host -------------------------------------------------------------------

  private writeConfig(): void {
    const { corePort, soodPort, lastfmUrl } = this.info;
    const discovery = { multicastGroup: '127.0.0.1', port: soodPort, broadcastAddresses: ['127.0.0.1'] };
    const roon = this.options.roon === 'configured' ? { host: '127.0.0.1', port: corePort, discovery } : { discovery };
    const config = {
      roon,
      lastfm: { user: 'alice', apiKey: API_KEY, apiRoot: lastfmUrl, pollSeconds: this.options.pollSeconds ?? 60, importRatePerSecond: 0 },
      headless: { port: 0 },
    };
    fs.writeFileSync(path.join(this.dir, 'config.json'), JSON.stringify(config, null, 2));
  }

  private async startHost(): Promise<void> {
    this.writeConfig();
    fs.writeFileSync(this.faketimeFile, '+0\n');
    const env = {
      ...process.env,
      LD_PRELOAD: FAKETIME_LIB,
      FAKETIME_TIMESTAMP_FILE: this.faketimeFile,
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      FAKETIME_CACHE_DURATION: '1',
      ENCORE_DISCOVERY_LOOPBACK_ONLY: '1',
      TZ: 'UTC',
    };
    // `ip netns exec` execs the command: the child's pid is the host's own, so signals reach it.
    const host = spawn('ip', ['netns', 'exec', this.ns, process.execPath, HOST_ENTRY, `--data-dir=${this.dir}`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.host = host;
    this.hostExited = new Promise((resolve) => host.once('exit', () => resolve()));
    for (const stream of [host.stdout!, host.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        this.hostOutput.push(line);
        if (this.hostOutput.length > 400) this.hostOutput.shift();
      });
    }
    const runtimeFile = path.join(this.dir, 'runtime.json');
    const deadline = Date.now() + 20_000;
    let runtime: { url: string; token: string } | null = null;
    while (!runtime) {
      // The file may exist a moment before its content does.
      try {
        runtime = JSON.parse(fs.readFileSync(runtimeFile, 'utf8')) as { url: string; token: string };
      } catch {
        if (host.exitCode !== null || Date.now() > deadline) throw new Error(`the host did not start\n${this.hostTail()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    this.url = runtime.url;
    this.token = runtime.token;
    await this.waitFor((s) => s.services.every((x) => x.state === 'running'), 'every service running after start');
  }

  /** Waits until the host's output has `count` lines matching `pattern` (its log goes to stdout). */
  async waitForOutput(pattern: RegExp, count = 1, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.hostOutput.filter((l) => pattern.test(l)).length < count) {
      if (Date.now() > deadline) throw new Error(`the host never logged ${pattern} ${count} time(s)\n${this.hostTail()}`);
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  /** Lines of the host's output so far matching `pattern`. */
  outputCount(pattern: RegExp): number {
    return this.hostOutput.filter((l) => pattern.test(l)).length;
  }

  hostTail(lines = 40): string {
    return this.hostOutput.slice(-lines).join('\n');
  }

  async api<T = unknown>(method: string, apiPath: string, body?: unknown): Promise<{ status: number; body: T }> {
    return (await this.command({ cmd: 'api', url: this.url, token: this.token, method, path: apiPath, body })) as { status: number; body: T };
  }

  async status(): Promise<StatusSnapshot> {
    const r = await this.api<StatusSnapshot>('GET', '/api/status');
    if (r.status !== 200) throw new Error(`GET /api/status answered ${r.status}`);
    return r.body;
  }

  /** Polls the host's status until `predicate` holds; returns Date.now() of the first status that did. */
  async waitFor(predicate: (s: StatusSnapshot) => boolean, what: string, timeoutMs = 15_000): Promise<{ at: number; status: StatusSnapshot }> {
    const deadline = Date.now() + timeoutMs;
    let last: StatusSnapshot | null = null;
    for (;;) {
      const status = await this.status().catch(() => null);
      if (status) {
        last = status;
        if (predicate(status)) return { at: Date.now(), status };
      }
      if (Date.now() > deadline) {
        const states = last?.services.map((s) => `${s.id}=${s.state} (${s.detail})`).join(', ') ?? 'no status';
        throw new Error(`timed out waiting for ${what}: ${states}\n${this.hostTail()}`);
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  /** Plays the host stored, newest first. */
  async plays(limit = 200): Promise<Array<{ title: string; source: string; startedAt: string }>> {
    const r = await this.api<{ plays: Array<{ title: string; source: string; startedAt: string }> }>('GET', `/api/plays?limit=${limit}`);
    if (r.status !== 200) throw new Error(`GET /api/plays answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body.plays;
  }

  get hostPid(): number {
    return this.host!.pid!;
  }

  freeze(): void {
    process.kill(this.hostPid, 'SIGSTOP');
  }

  thaw(): number {
    process.kill(this.hostPid, 'SIGCONT');
    return Date.now();
  }

  /** Moves the host's wall clock (not its monotonic clock); negative goes back. */
  jumpClock(ms: number): void {
    this.clockOffsetSeconds += Math.round(ms / 1000);
    const sign = this.clockOffsetSeconds < 0 ? '-' : '+';
    fs.writeFileSync(this.faketimeFile, `${sign}${Math.abs(this.clockOffsetSeconds)}\n`);
  }

  /** The host's wall clock now, in ms (what its plays and scrobbles are dated by). */
  hostNow(): number {
    return Date.now() + this.clockOffsetSeconds * 1000;
  }

  /** CPU time (user + system) the host has used, in ms. */
  hostCpuMs(): number {
    const fields = fs.readFileSync(`/proc/${this.hostPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100;
  }

  /**
   * One sleep. `networkBackMs`: when the network returns relative to SIGCONT
   * (negative: before the wake; null: not given back). `whileAsleep` runs with
   * the host stopped (restart the Core, add scrobbles…). The host stays
   * stopped until the second of the wall clock has moved on twice: libfaketime
   * re-reads its file only when its cache is more than FAKETIME_CACHE_DURATION
   * (1) whole seconds old, and then the host sees the jump the moment it runs.
   */
  async sleep(options: { sleptMs: number; networkBackMs?: number | null; whileAsleep?: () => Promise<void> }): Promise<{ thawedAt: number; networkAt: number | null }> {
    const networkBackMs = options.networkBackMs === undefined ? 0 : options.networkBackMs;
    this.cutNetwork();
    this.freeze();
    const thawAt = (Math.floor(Date.now() / 1000) + 2) * 1000 + 20;
    await this.restartCore();
    await options.whileAsleep?.();
    this.jumpClock(options.sleptMs);
    let networkAt: number | null = null;
    if (networkBackMs !== null && networkBackMs <= 0) {
      const left = thawAt + networkBackMs - Date.now();
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      networkAt = this.giveNetwork();
    }
    const left = thawAt - Date.now();
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    const thawedAt = this.thaw();
    if (networkBackMs !== null && networkBackMs > 0) {
      await new Promise((r) => setTimeout(r, networkBackMs));
      networkAt = this.giveNetwork();
    }
    return { thawedAt, networkAt };
  }

  async restartCore(): Promise<void> {
    await this.stopCore();
    await this.startCore();
  }

  /** Synchronous last resort (process exit): kills what the rig started and deletes its namespace. */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    openRigs.delete(this);
    for (const child of [this.host, this.fakes]) {
      if (!child?.pid || child.exitCode !== null) continue;
      try {
        process.kill(child.pid, 'SIGCONT');
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    run('ip', ['netns', 'del', this.ns]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    openRigs.delete(this);
    const host = this.host;
    if (host && host.exitCode === null && host.signalCode === null) {
      try {
        process.kill(host.pid!, 'SIGCONT');
        process.kill(host.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => host.kill('SIGKILL'), 5_000);
      await this.hostExited;
      clearTimeout(timer);
    }
    const fakes = this.fakes;
    if (fakes && fakes.exitCode === null) {
      const exited = new Promise<void>((resolve) => fakes.once('exit', () => resolve()));
      fakes.stdin?.end();
      const timer = setTimeout(() => fakes.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    for (const p of this.pending.values()) p.reject(new Error('the rig closed'));
    this.pending.clear();
    run('ip', ['netns', 'del', this.ns]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  get isNetworkCut(): boolean {
    return this.networkCut;
  }
}

export const allRunning = (s: StatusSnapshot) => !s.sleeping && s.services.every((x) => x.state === 'running');
export const serviceState = (s: StatusSnapshot, id: string) => s.services.find((x) => x.id === id)?.state;
export const restoreId = (s: StatusSnapshot) => s.lastRestore?.id ?? 0;
export const HOUR = 3_600_000;

/** Runs the functions given to it one after another: the scenarios of one rig share it, while another rig's run alongside. */
export function inTurn(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Scrobbles dated inside a sleep of the host's clock: `count` of them, spaced a minute apart, ending `endsBeforeWakeMs` before it. */
export function scrobblesDuring(rig: WakeRig, sleptMs: number, count: number, tag: string): FakeScrobble[] {
  const wakeUts = Math.floor((rig.hostNow() + sleptMs) / 1000);
  return Array.from({ length: count }, (_, i) => ({ artist: 'Sleep Artist', title: `${tag} ${i + 1}`, album: 'Night', uts: wakeUts - 120 - i * 60 }));
}

// The far side of the wake rig, run inside the rig's network namespace (as
// `ip netns exec <ns> node --import tsx tests/wake/fakes-child.ts`): the fake
// Roon Core (with its SOOD responder) and the fake Last.fm server, plus an
// HTTP client for the host's API, which is only reachable from inside the
// namespace. Commands arrive as JSON lines on stdin; answers and events leave
// as JSON lines on stdout.
import readline from 'node:readline';
import { FakeLastfmServer, generateHistory, type FakeScrobble } from '../../src/dev/fakes/lastfm-server';
import { FakeRoonCore, type FakeRoonCoreOptions } from '../../src/dev/fakes/roon-core';

export interface FakesInfo {
  corePort: number;
  soodPort: number;
  lastfmUrl: string;
  lastfmPort: number;
}

export type Command =
  | { cmd: 'start'; apiKey: string; user: string; historyNewestUts: number }
  | { cmd: 'stopCore' }
  | { cmd: 'startCore' }
  | { cmd: 'addScrobbles'; scrobbles: FakeScrobble[] }
  | { cmd: 'lastfmDown' }
  | { cmd: 'lastfmUp' }
  | { cmd: 'api'; url: string; token: string; method: string; path: string; body?: unknown }
  | { cmd: 'quit' };

const ZONES: FakeRoonCoreOptions['zones'] = [
  { id: 'z1', name: 'Living Room', state: 'playing', track: { title: 'So What', artist: 'Miles Davis', album: 'Kind of Blue', length: 562 }, seek: 40 },
  { id: 'z2', name: 'Kitchen' },
];

let core: FakeRoonCore | null = null;
let corePort = 0;
let soodPort = 0;
const tokens: string[] = [];
let lastfm: FakeLastfmServer | null = null;

function out(message: unknown): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

/** A Core that restarts keeps its id, its port and the tokens it handed out, as a real one does. */
async function startCore(): Promise<void> {
  const next = new FakeRoonCore({ autoAuthorise: true, knownTokens: tokens, zones: ZONES });
  await next.start(corePort);
  corePort = next.port;
  soodPort = await next.startSood(soodPort);
  next.events.on('tcp-connection', () => out({ event: 'core-tcp', at: Date.now() }));
  next.events.on('zones-subscribed', () => out({ event: 'core-subscribed', at: Date.now() }));
  next.events.on('registered', (token: string) => {
    if (!tokens.includes(token)) tokens.push(token);
  });
  core = next;
}

async function handle(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'start': {
      await startCore();
      lastfm = await FakeLastfmServer.start({ user: command.user, apiKey: command.apiKey, history: generateHistory(20, { newestUts: command.historyNewestUts, spacingSeconds: 300 }) });
      const lastfmPort = Number(new URL(lastfm.url).port);
      return { corePort, soodPort, lastfmUrl: lastfm.url, lastfmPort } satisfies FakesInfo;
    }
    case 'stopCore': {
      const stopping = core;
      core = null;
      await stopping?.stop();
      return null;
    }
    case 'startCore':
      if (!core) await startCore();
      return null;
    case 'addScrobbles':
      lastfm?.addScrobbles(...command.scrobbles);
      return lastfm?.scrobbleCount ?? 0;
    case 'lastfmDown':
      // Last.fm's outages answer 503 to everything.
      lastfm?.inject({ type: 'http', status: 503, body: 'Service Unavailable' }, { times: 1_000_000 });
      return null;
    case 'lastfmUp':
      lastfm?.clearFaults();
      return null;
    case 'api': {
      const response = await fetch(new URL(command.path, command.url), {
        method: command.method,
        headers: { authorization: `Bearer ${command.token}`, ...(command.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: command.body === undefined ? undefined : JSON.stringify(command.body),
        signal: AbortSignal.timeout(5_000),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: the text itself is the answer.
      }
      return { status: response.status, body };
    }
    case 'quit':
      await core?.stop();
      await lastfm?.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let message: { id: number } & Command;
  try {
    message = JSON.parse(line) as { id: number } & Command;
  } catch {
    out({ error: `not JSON: ${line.slice(0, 100)}` });
    return;
  }
  handle(message).then(
    (result) => out({ id: message.id, ok: true, result }),
    (error: unknown) => out({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
// The rig dies with its test: a closed stdin means nobody is listening any more.
lines.on('close', () => {
  void Promise.allSettled([core?.stop(), lastfm?.close()]).then(() => process.exit(0));
});
out({ event: 'ready' });

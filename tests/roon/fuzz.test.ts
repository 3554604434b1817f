// Thousands of mutated frames at a running RoonService: the process never
// crashes, the link either survives or is dropped and re-established, and no
// play that reaches the store is malformed. Then, at each Roon boundary (zone
// messages, MOO frames, SOOD packets), one bad element mixed into real-shaped
// input: every good element still gets through.
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../src/main/core/logger';
import { ServiceError } from '../../src/main/core/service';
import { validateNewPlay } from '../../src/main/db/play-match';
import { MooParseError, parseMoo, serializeMoo } from '../../src/main/services/roon/moo';
import { tokenKey } from '../../src/main/services/roon/service';
import { ROON_CORE_SERVICE_ID, SoodDiscovery, SoodParseError, coreFromReply, decodeSood, encodeSood } from '../../src/main/services/roon/sood';
import { within } from './helpers';
import { makeHarness, type Harness } from './service-harness';
import { rng, type Rng } from '../support/seeded-random';

const ODD_VALUES: unknown[] = [null, -1, 0, 1e308, -1e308, '', 'x'.repeat(3000), {}, [], true, '∞', 2 ** 53, [null], { zone_id: 1 }];

function mutateJson(value: unknown, r: Rng, depth = 0): unknown {
  if (r.next() < 0.08 || depth > 6) return r.pick(ODD_VALUES);
  if (Array.isArray(value)) {
    const out = value.map((v) => mutateJson(v, r, depth + 1));
    if (r.next() < 0.1) out.push(r.pick(ODD_VALUES));
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (r.next() < 0.05) continue;
      out[k] = mutateJson(v, r, depth + 1);
    }
    return out;
  }
  return value;
}

function mutateBytes(frame: Buffer, r: Rng): Buffer {
  const b = Buffer.from(frame);
  switch (r.int(6)) {
    case 0:
      for (let i = 0, n = 1 + r.int(4); i < n; i++) b[r.int(b.length)] = r.int(256);
      return b;
    case 1:
      return b.subarray(0, r.int(b.length));
    case 2: {
      const at = r.int(b.length);
      return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + r.int(8) }, () => r.int(256))), b.subarray(at)]);
    }
    case 3:
      return Buffer.from(b.toString('latin1').replace(/Content-Length: \d+/, `Content-Length: ${r.int(5000)}`), 'latin1');
    case 4:
      return Buffer.from(b.toString('latin1').replace(/Request-Id: \d+/, `Request-Id: ${r.pick(['0', '1', '2', '3', '-4', '4294967296', 'NaN', ''])}`), 'latin1');
    default:
      return Buffer.from(Array.from({ length: r.int(64) }, () => r.int(256)));
  }
}

let h: Harness | null = null;
afterEach(async () => {
  if (h) {
    await h.service.stop();
    h.service.dispose();
    await h.core.stop();
  }
  h = null;
});

describe('fuzzing the Roon client', () => {
  it('survives 6000 mutated frames without a crash or a corrupt play', async () => {
    const r = rng(20260101);
    h = await makeHarness({
      core: {
        knownTokens: ['t'],
        zones: [
          { id: 'z1', name: 'Den', track: { title: 'A', artist: 'B', album: 'C', length: 100 } },
          { id: 'z2', name: 'Hall', outputs: ['L', 'R'], track: { title: 'D', artist: 'E', album: 'F', length: 200 } },
        ],
      },
    });
    await h.secrets.set(tokenKey(h.core.coreId), 't');
    const harness = h;
    const startedAt = harness.clock.now();
    await harness.service.start(new AbortController().signal, harness.host);
    const samples = harness.core.sampleFrames();
    let restarts = 0;
    let sent = 0;

    const relink = async () => {
      // What the supervisor does after host.fail(): stop, then start afresh.
      const failure = harness.host.failures.at(-1)!;
      expect(failure.error).toBeInstanceOf(ServiceError);
      expect(failure.retryNow).toBe(true);
      harness.host.failures.length = 0;
      await harness.service.stop();
      await within(harness.service.start(new AbortController().signal, harness.host), 5_000, 'restart after a dropped link');
      restarts++;
    };

    for (let batch = 0; batch < 60; batch++) {
      for (let i = 0; i < 100; i++, sent++) {
        if (r.next() < 0.5) {
          harness.core.sendRaw(mutateBytes(r.pick(samples), r));
        } else {
          // Well-framed but nonsensical bodies exercise the zod checks and the detector.
          const sample = parseMoo(r.pick(samples));
          const body = mutateJson(sample.body ?? {}, r);
          if (sample.name === 'Changed') harness.core.sendZonesChanged(body as Record<string, unknown>);
          else harness.core.sendRaw(serializeMoo({ ...sample, body }));
        }
      }
      await within(harness.core.tick(2), 5_000, 'the extension to keep reading');
      if (harness.host.failures.length) await relink();
    }

    expect(sent).toBe(6000);
    for (const play of harness.sink.plays) {
      expect(validateNewPlay(play, harness.clock.now())).toBeNull();
      expect(play.source).toBe('roon');
      expect(play.startedAt).toBeGreaterThanOrEqual(startedAt - 24 * 3600_000);
      expect(play.startedAt).toBeLessThanOrEqual(harness.clock.now());
    }
    // Still alive and well at the end.
    await within(harness.core.flush(), 5_000, 'a final round trip');
    expect(harness.service.probe()).toEqual({ ok: true });
    expect(restarts).toBeLessThan(60);
  });
});

// One bad element among real-shaped good ones: the good ones must all get through.

/** A value that is not a number, so a seek or id built from it can never pass as a real one. */
const NOT_A_NUMBER: unknown[] = [null, '', 'x'.repeat(3000), {}, [], true, '∞', [null], { zone_id: 1 }, 'NaN'];
const ZONE_BREAKERS: Array<(zone: Record<string, unknown>, r: Rng) => void> = [
  (z, r) => void (z.state = r.pick(['buffering', 'Playing', '', 7, null])),
  (z, r) => void (z.display_name = r.pick(NOT_A_NUMBER.filter((v) => typeof v !== 'string'))),
  (z, r) => void (z.now_playing = r.pick([7, 'Song', [], true])),
  (z, r) => void (z.seek_position = r.pick(NOT_A_NUMBER.filter((v) => v !== null))),
  (z, r) => {
    const np = z.now_playing as Record<string, unknown> | undefined;
    if (np) np.three_line = r.pick([7, 'Song', true, { line1: 5 }]);
    else z.state = 'buffering';
  },
];

function brokenZone(base: Record<string, unknown>, id: string, r: Rng): Record<string, unknown> {
  const zone = { ...structuredClone(base), zone_id: id, display_name: `Odd ${id}` };
  r.pick(ZONE_BREAKERS)(zone, r);
  return zone;
}

describe('fuzzing: one bad element among good ones', () => {
  it('zone messages: every good zone, seek and removal of a Changed gets through a bad one', async () => {
    const r = rng(1207);
    h = await makeHarness({
      core: {
        knownTokens: ['t'],
        pingIntervalMs: 0,
        zones: [
          { id: 'z1', name: 'Den', track: { title: 'A', artist: 'B', album: 'C', length: 100 } },
          { id: 'z2', name: 'Hall', track: { title: 'D', artist: 'E', album: 'F', length: 100 } },
        ],
      },
    });
    await h.secrets.set(tokenKey(h.core.coreId), 't');
    await h.service.start(new AbortController().signal, h.host);
    const startedAt = h.clock.now();
    const base = h.core.zoneSnapshot('z1');
    // Every message carries the good zones' seek updates and exactly one bad
    // element: a reader that dropped the whole message would count nothing.
    for (let second = 1; second <= 60; second++) {
      h.clock.advance(1000);
      const seeks: unknown[] = [
        { zone_id: 'z1', seek_position: second },
        { zone_id: 'z2', seek_position: second },
      ];
      const body: Record<string, unknown> = {};
      const bad = r.int(3);
      if (bad === 0) body.zones_changed = [brokenZone(base, `odd-${second}`, r)];
      else if (bad === 1) seeks.splice(r.int(3), 0, { zone_id: r.pick(['z1', 'z2']), seek_position: r.pick(NOT_A_NUMBER.filter((v) => v !== null)) });
      else body.zones_removed = [r.pick(NOT_A_NUMBER.filter((v) => typeof v !== 'string'))];
      body.zones_seek_changed = seeks;
      h.core.sendZonesChanged(body);
      await h.core.flush();
    }
    await h.core.flush();
    expect(h.host.failures).toEqual([]);
    // Both zones' plays, each once, dated from their start.
    expect(h.sink.plays.map((p) => p.zone).sort()).toEqual(['Den', 'Hall']);
    for (const play of h.sink.plays) expect(Math.abs(play.startedAt - startedAt)).toBeLessThanOrEqual(1_000);
    expect(h.service.nowPlaying().map((z) => [z.zoneId, z.seekSeconds])).toEqual([
      ['z1', 60],
      ['z2', 60],
    ]);
    // Every bad element was counted; the status says so.
    expect(h.host.lastDetail).toMatch(/^Connected to Fake Core, 2 zones; (skipping \d+ zones? Encore cannot read|\d+ unreadable updates skipped)/);
  });

  it('Subscribed: every good zone is tracked whatever one bad zone looks like', async () => {
    const r = rng(99);
    for (let round = 0; round < 8; round++) {
      h = await makeHarness({
        core: { knownTokens: ['t'], pingIntervalMs: 0, zones: [{ id: 'z1', name: 'Den', track: { title: 'A', artist: 'B', album: 'C', length: 100 } }] },
      });
      await h.secrets.set(tokenKey(h.core.coreId), 't');
      h.core.rawZones.push(brokenZone(h.core.zoneSnapshot('z1'), 'odd', r));
      await within(h.service.start(new AbortController().signal, h.host), 5_000, 'start');
      expect(h.host.lastCondition).toBe('running');
      expect(h.service.nowPlaying().map((z) => z.zoneId)).toEqual(['z1']);
      await h.core.tick(55);
      expect(h.sink.plays.map((p) => p.zone)).toEqual(['Den']);
      expect(h.host.failures).toEqual([]);
      await h.service.stop();
      h.service.dispose();
      await h.core.stop();
      h = null;
    }
  });

  it('MOO frames: a frame that cannot be parsed between good ones costs nothing but itself', async () => {
    const r = rng(4242);
    h = await makeHarness({
      core: { knownTokens: ['t'], pingIntervalMs: 0, zones: [{ id: 'z1', name: 'Den', track: { title: 'A', artist: 'B', album: 'C', length: 100 } }] },
    });
    await h.secrets.set(tokenKey(h.core.coreId), 't');
    await h.service.start(new AbortController().signal, h.host);
    const startedAt = h.clock.now();
    const samples = h.core.sampleFrames();
    let bad = 0;
    for (let second = 0; second < 55; second++) {
      // Only frames the codec really rejects: a mutation that still parses is a different message, not a bad one.
      let frame: Buffer;
      do frame = mutateBytes(r.pick(samples), r);
      while (parses(frame));
      h.core.sendRaw(frame);
      bad++;
      await h.core.tick(1);
    }
    expect(bad).toBe(55);
    expect(h.host.failures).toEqual([]);
    expect(h.sink.plays).toEqual([expect.objectContaining({ zone: 'Den', title: 'A' })]);
    expect(Math.abs(h.sink.plays[0]!.startedAt - startedAt)).toBeLessThanOrEqual(1_000);
  });

  it('SOOD replies: every good Core is found though one bad packet comes among them', async () => {
    const r = rng(77);
    const good = (i: number) => ({ service_id: ROON_CORE_SERVICE_ID, unique_id: `core-${i}`, name: `Core ${i}`, http_port: String(9100 + i), display_version: '2.0' });
    const responder = dgram.createSocket('udp4');
    let round = 0;
    responder.on('message', (msg, rinfo) => {
      const query = decodeSood(msg);
      const replies = [0, 1, 2].map((i) => encodeSood({ type: 'R', properties: { ...good(round * 3 + i), _tid: query.properties._tid ?? null } }));
      // One bad packet: bytes bent until the decoder or the reply check turns them down.
      let badPacket: Buffer;
      do badPacket = mutateBytes(r.pick(replies), r);
      while (usableReply(badPacket));
      replies.splice(r.int(replies.length + 1), 0, badPacket);
      for (const packet of replies) responder.send(packet, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => responder.bind(0, '127.0.0.1', () => resolve()));
    const discovery = new SoodDiscovery({ config: { multicastGroup: '127.0.0.1', port: responder.address().port, broadcastAddresses: ['127.0.0.1'] }, logger: new MemoryLogger() });
    try {
      for (round = 0; round < 20; round++) {
        const seen = new Set<string>();
        const all = new Promise<void>((resolve) => {
          const listener = discovery.onFound((core) => {
            seen.add(core.coreId);
            if (seen.size === 3) {
              listener.dispose();
              resolve();
            }
          });
        });
        await discovery.query();
        await within(all, 5_000, `the three good replies of round ${round}`);
        expect([...seen].sort()).toEqual([0, 1, 2].map((i) => `core-${round * 3 + i}`).sort());
      }
    } finally {
      discovery.dispose();
      responder.close();
    }
  });
});

function parses(frame: Buffer): boolean {
  try {
    parseMoo(frame);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(MooParseError);
    return false;
  }
}

function usableReply(packet: Buffer): boolean {
  try {
    return coreFromReply(decodeSood(packet), '127.0.0.1', new Set(['127.0.0.1'])) !== null;
  } catch (error) {
    expect(error).toBeInstanceOf(SoodParseError);
    return false;
  }
}

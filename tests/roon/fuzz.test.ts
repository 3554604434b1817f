// Thousands of mutated frames at a running RoonService: the process never
// crashes, the link either survives or is dropped and re-established, and no
// play that reaches the store is malformed.
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceError } from '../../src/main/core/service';
import { validateNewPlay } from '../../src/main/db/plays';
import { parseMoo, serializeMoo } from '../../src/main/services/roon/moo';
import { tokenKey } from '../../src/main/services/roon/service';
import { within } from './helpers';
import { makeHarness, type Harness } from './service-harness';

/** mulberry32: a seeded generator so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}
type Rng = ReturnType<typeof rng>;

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

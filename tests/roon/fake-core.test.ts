// The fake Core must be faithful, or the other tests prove little: what it
// sends must match the transport schemas and the spec's behaviour.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/core/clock';
import { MemoryLogger } from '../../src/main/core/logger';
import { RoonConnection } from '../../src/main/services/roon/connection';
import type { MooMessage } from '../../src/main/services/roon/moo';
import { RoonZonesChangedSchema, RoonZonesSubscribedSchema } from '../../src/main/services/roon/types';
import { FakeRoonCore, type FakeTrack } from '../../src/dev/fakes/roon-core';
import { nextEvent, within } from './helpers';

const A: FakeTrack = { title: 'A', artist: 'Art', album: 'Alb', length: 3 };
const B: FakeTrack = { title: 'B', artist: 'Art', album: 'Alb', length: 200 };
const RADIO: FakeTrack = { title: 'Live', artist: 'Station', album: '', length: null };
const REGISTER = {
  extension_id: 'x',
  display_name: 'X',
  display_version: '1',
  publisher: 'p',
  email: 'e@x.invalid',
  token: 'known',
  required_services: [],
  optional_services: [],
  provided_services: ['com.roonlabs.ping:1'],
};

let clock: ManualClock;
let core: FakeRoonCore;
let connections: RoonConnection[];

beforeEach(async () => {
  clock = new ManualClock();
  core = await new FakeRoonCore({
    clock,
    knownTokens: ['known'],
    pingIntervalMs: 5_000,
    zones: [
      { id: 'z1', name: 'Den', track: A, queue: [B] },
      { id: 'z2', name: 'Radio', track: RADIO },
    ],
  }).start();
  connections = [];
});

afterEach(async () => {
  for (const c of connections) c.dispose();
  await core.stop();
});

async function subscribed(updates: MooMessage[]) {
  const c = await RoonConnection.open(core.url, { clock, logger: new MemoryLogger(), keepaliveMs: 60_000 }, new AbortController().signal);
  connections.push(c);
  await c.request('com.roonlabs.registry:1/info');
  await c.request('com.roonlabs.registry:1/register', REGISTER);
  const { first } = await c.subscribe('com.roonlabs.transport:2', 'zones', (m) => updates.push(m));
  return { c, first };
}

describe('FakeRoonCore', () => {
  it('sends zones and changes that match the transport schemas', async () => {
    const updates: MooMessage[] = [];
    const { first } = await subscribed(updates);
    expect(RoonZonesSubscribedSchema.parse(first.body).zones).toHaveLength(2);
    core.group('z2', ['Radio', 'Patio']);
    core.pause('z2');
    core.addZone({ id: 'z3', name: 'Office' });
    core.removeZone('z3');
    core.seek('z1', 1);
    await core.tick(3);
    for (const u of updates) expect(RoonZonesChangedSchema.safeParse(u.body).success, JSON.stringify(u.body)).toBe(true);
    const grouped = updates.map((u) => RoonZonesChangedSchema.parse(u.body)).find((b) => b.zones_changed?.[0]?.outputs.length === 2);
    expect(grouped?.zones_changed?.[0]?.display_name).toBe('Radio + 1');
  });

  it('moves to the next track via loading when one ends, in one message with the other zones’ seeks', async () => {
    const updates: MooMessage[] = [];
    await subscribed(updates);
    await core.tick(3);
    const bodies = updates.map((u) => RoonZonesChangedSchema.parse(u.body));
    const loading = bodies.findIndex((b) => b.zones_changed?.[0]?.state === 'loading');
    expect(loading).toBeGreaterThanOrEqual(0);
    expect(bodies[loading]!.zones_changed![0]!.now_playing?.three_line?.line1).toBe('B');
    const after = bodies[loading + 1]!;
    expect(after.zones_changed?.[0]).toMatchObject({ state: 'playing', now_playing: { three_line: { line1: 'B' } } });
    expect(after.zones_seek_changed).toEqual([{ zone_id: 'z2', seek_position: 3, queue_time_remaining: 0 }]);
  });

  it('pings the extension on its clock with Logging: quiet and counts the answers', async () => {
    await subscribed([]);
    const ping = nextEvent<MooMessage>(core.events, 'ping-answered');
    clock.advance(5_000);
    await ping;
    expect(core.pingsAnswered).toBe(1);
  });

  it('answers slowly when told to, on its clock', async () => {
    core.answerDelayMs = 2_000;
    const c = await RoonConnection.open(core.url, { clock, logger: new MemoryLogger(), keepaliveMs: 60_000 }, new AbortController().signal);
    connections.push(c);
    let answered = false;
    const info = c.request('com.roonlabs.registry:1/info').then(() => (answered = true));
    await nextEvent(core.events, 'request');
    await core.flush();
    expect(answered).toBe(false);
    clock.advance(2_000);
    await within(info, 5_000, 'the slow answer');
  });

  it('starts request ids at 0 again on a new connection and sends the full state', async () => {
    const first: MooMessage[] = [];
    await subscribed(first);
    await core.tick(2);
    core.closeConnections();
    await nextEvent(core.events, 'disconnect');
    const { first: again } = await subscribed([]);
    expect(core.links.map((l) => l.requestIds[0])).toEqual([0, 0]);
    const zones = RoonZonesSubscribedSchema.parse(again.body).zones;
    expect(zones.find((z) => z.zone_id === 'z2')?.now_playing?.seek_position).toBe(2);
  });

  it('lists in Registered the services the extension asked for that it has, as a real Core does', async () => {
    const c = await RoonConnection.open(core.url, { clock, logger: new MemoryLogger(), keepaliveMs: 60_000 }, new AbortController().signal);
    connections.push(c);
    const ask = async (required: string[], optional: string[]) =>
      ((await c.request('com.roonlabs.registry:1/register', { ...REGISTER, required_services: required, optional_services: optional })).body as {
        provided_services: string[];
      }).provided_services;
    expect(await ask(['com.roonlabs.transport:2'], [])).toEqual(['com.roonlabs.transport:2']);
    expect(await ask(['com.roonlabs.transport:2'], ['com.roonlabs.image:1', 'com.example.nothing:1'])).toEqual([
      'com.roonlabs.transport:2',
      'com.roonlabs.image:1',
    ]);
    expect(await ask([], [])).toEqual([]);
  });

  it('plays in real time with only its regular pings, all quiet', async () => {
    const sent: Array<{ name: string; headers: Record<string, string> }> = [];
    core.events.on('request-to-extension', (r: { name: string; headers: Record<string, string> }) => sent.push(r));
    const updates: MooMessage[] = [];
    await subscribed(updates);
    sent.length = 0;
    const before = updates.length;
    core.playInRealTime();
    for (let i = 0; i < 10; i++) clock.advance(1_000);
    await within(core.flush(), 5_000, 'a round trip');
    const pings = sent.filter((r) => r.name === 'com.roonlabs.ping:1/ping');
    // 10 s at one ping every 5 s, plus the flush above: nothing per second.
    expect(pings).toHaveLength(3);
    expect(pings.every((p) => p.headers.Logging === 'quiet')).toBe(true);
    expect(updates.length - before).toBeGreaterThanOrEqual(10);
  });
});

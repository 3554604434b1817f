import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/main/core/clock';
import { liveDisposables } from '../../src/main/core/disposable';
import { MemoryLogger } from '../../src/main/core/logger';
import { ServiceError } from '../../src/main/core/service';
import { RoonConnection } from '../../src/main/services/roon/connection';
import { serializeMoo } from '../../src/main/services/roon/moo';
import { FakeRoonCore, type FakeTrack } from '../../src/dev/fakes/roon-core';
import { nextEvent, until, within } from './helpers';

const TRACK: FakeTrack = { title: 'So What', artist: 'Miles Davis', album: 'Kind of Blue', length: 545 };
const REGISTER = {
  extension_id: 'test.encore',
  display_name: 'Encore',
  display_version: '0.0.1',
  publisher: 'tests',
  email: 'dev@encore.invalid',
  required_services: ['com.roonlabs.transport:2'],
  optional_services: [],
  provided_services: ['com.roonlabs.ping:1', 'com.roonlabs.pairing:1', 'com.roonlabs.status:1'],
};

let clock: ManualClock;
let logger: MemoryLogger;
let core: FakeRoonCore;
let connection: RoonConnection | null;
let baseline: number;

beforeEach(async () => {
  baseline = liveDisposables();
  clock = new ManualClock();
  logger = new MemoryLogger();
  // The fake's MOO pings run on their own clock so the keepalive tests control ours alone.
  core = await new FakeRoonCore({ clock: new ManualClock(), knownTokens: ['known'], zones: [{ id: 'z1', name: 'Den', track: TRACK }] }).start();
  connection = null;
});

afterEach(async () => {
  connection?.dispose();
  await core.stop();
  expect(clock.pendingTimers).toBe(0);
  expect(liveDisposables()).toBe(baseline);
});

const open = async (keepaliveMs = 10_000) => {
  connection = await within(RoonConnection.open(core.url, { clock, logger, keepaliveMs }, new AbortController().signal), 5_000, 'open');
  return connection;
};

async function registered(token = 'known') {
  const c = await open();
  await c.request('com.roonlabs.registry:1/info');
  const reply = await within(c.request('com.roonlabs.registry:1/register', { ...REGISTER, token }), 5_000, 'Registered');
  return { c, reply };
}

describe('RoonConnection against the fake Core', () => {
  it('numbers requests from 0 and reads info', async () => {
    const c = await open();
    const info = await c.request('com.roonlabs.registry:1/info');
    expect(info).toMatchObject({ verb: 'COMPLETE', name: 'Success', body: { core_id: core.coreId, display_name: core.name } });
    await c.request('com.roonlabs.registry:1/info');
    expect(core.links[0]!.requestIds).toEqual([0, 1]);
  });

  it('registers at once with a known token and answers the Core’s status and pairing subscriptions', async () => {
    const status = nextEvent(core.events, 'status');
    const pairing = nextEvent(core.events, 'pairing');
    const { c, reply } = await registered();
    expect(reply).toMatchObject({ verb: 'CONTINUE', name: 'Registered', body: { core_id: core.coreId, token: 'known' } });
    c.setPairedCore(core.coreId);
    await status;
    await pairing;
    c.setStatus('Tracking 1 zone');
    await nextEvent(core.events, 'status', (s: { message: string }) => s.message === 'Tracking 1 zone');
    expect(core.lastStatus).toEqual({ message: 'Tracking 1 zone', is_error: false });
    expect(await core.requestFromExtension('com.roonlabs.status:1/get_status')).toMatchObject({ name: 'Success', body: { message: 'Tracking 1 zone' } });
    expect(await core.requestFromExtension('com.roonlabs.pairing:1/get_pairing')).toMatchObject({ name: 'Success', body: { paired_core_id: core.coreId } });
    expect(await core.requestFromExtension('com.roonlabs.status:1/unsubscribe_status', { subscription_key: 'nope' })).toMatchObject({ name: 'Unsubscribed' });
  });

  it('waits silently without a token until the user authorises', async () => {
    const c = await open();
    const waiting = nextEvent(core.events, 'waiting-authorisation');
    let settled = false;
    const reply = c.request('com.roonlabs.registry:1/register', REGISTER).finally(() => (settled = true));
    await waiting;
    await core.flush();
    expect(settled).toBe(false);
    core.authorise();
    const message = await within(reply, 5_000, 'Registered');
    expect(message.name).toBe('Registered');
    expect(typeof (message.body as { token: string }).token).toBe('string');
  });

  it('answers MOO pings and InvalidRequest for what it does not provide', async () => {
    await open();
    const pong = await core.requestFromExtension('com.roonlabs.ping:1/ping');
    expect(pong).toMatchObject({ verb: 'COMPLETE', name: 'Success' });
    expect(pong.body).toBeUndefined();
    expect(await core.requestFromExtension('com.roonlabs.browse:1/browse', {})).toMatchObject({ verb: 'COMPLETE', name: 'InvalidRequest' });
    expect(await core.requestFromExtension('com.roonlabs.status:1/subscribe_status', {})).toMatchObject({ name: 'InvalidRequest' });
  });

  it('subscribes to zones, routes updates and unsubscribes (both reply forms)', async () => {
    const { c } = await registered();
    for (const completeOriginal of [false, true]) {
      core.completeOriginalOnUnsubscribe = completeOriginal;
      const updates: unknown[] = [];
      const { first, subscription } = await c.subscribe('com.roonlabs.transport:2', 'zones', (m) => updates.push(m.body));
      expect(first).toMatchObject({ verb: 'CONTINUE', name: 'Subscribed', body: { zones: [{ zone_id: 'z1', display_name: 'Den' }] } });
      await core.tick(2);
      expect(updates).toHaveLength(2);
      const seeks = updates.map((u) => (u as { zones_seek_changed: Array<{ seek_position: number }> }).zones_seek_changed[0]!.seek_position);
      expect(seeks[1]).toBe(seeks[0]! + 1);
      await within(subscription.unsubscribe(), 5_000, 'unsubscribe');
      await core.tick(1);
      expect(updates).toHaveLength(2);
    }
  });

  it('ignores responses with unknown ids, malformed frames and text frames', async () => {
    const { c } = await registered();
    core.sendUnknownResponse();
    core.sendRaw(Buffer.from('MOO/1 COMPLETE Success\nRequest-Id: zz\n\n'));
    core.sendRaw(Buffer.from([0, 1, 2, 3]));
    core.sendRaw(Buffer.alloc(0));
    core.sendRaw('MOO/1 REQUEST com.roonlabs.ping:1/ping\nRequest-Id: 5\n\n', false);
    core.sendRaw(serializeMoo({ verb: 'CONTINUE', name: 'Changed', requestId: 4242, body: { zones_removed: ['x'] } }));
    await core.flush();
    expect(c.isOpen).toBe(true);
    const warnings = logger.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warnings.some((m) => m.includes('unknown request id 987654'))).toBe(true);
    expect(warnings.some((m) => m.includes('MOO frame rejected'))).toBe(true);
    expect(warnings.some((m) => m.includes('text frame'))).toBe(true);
  });

  it('keeps a healthy link alive across many ping periods', async () => {
    const c = await open();
    for (let i = 0; i < 5; i++) {
      clock.advance(10_000);
      // Two round trips: the pong was queued before the first answer came back.
      await core.flush();
      await core.flush();
    }
    expect(c.isOpen).toBe(true);
  });

  it('finds a silent death by the missed pong within two ping periods', async () => {
    const c = await open();
    let lost: ServiceError | null = null;
    const listener = c.onLost((e) => (lost = e));
    core.dieSilently();
    clock.advance(10_000);
    expect(lost).toBeNull();
    clock.advance(10_000);
    expect(lost).toBeInstanceOf(ServiceError);
    expect(lost!.options.network).toBe(true);
    expect(lost!.message).toMatch(/no pong/);
    expect(c.isOpen).toBe(false);
    await until(() => core.tcpConnectionCount === 0, 'the dead socket to be closed');
    listener.dispose();
  });

  it('reports a clean close and an abrupt destroy as a lost link, and rejects what was pending', async () => {
    for (const fault of ['close', 'destroy'] as const) {
      const c = await open();
      let listener = { dispose() {} };
      const lost = new Promise<ServiceError>((resolve) => (listener = c.onLost(resolve)));
      core.answerDelayMs = 60_000;
      const pending = c.request('com.roonlabs.registry:1/info');
      await nextEvent(core.events, 'request');
      if (fault === 'close') core.closeConnections();
      else core.destroyConnections();
      const error = await within(lost, 5_000, 'lost');
      expect(error.options.network).toBe(true);
      await expect(pending).rejects.toBeInstanceOf(ServiceError);
      core.answerDelayMs = 0;
      listener.dispose();
      c.dispose();
    }
  });

  it('refused connections fail as network errors', async () => {
    core.refuseConnections();
    const error = await RoonConnection.open(core.url, { clock, logger }, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).options.network).toBe(true);
    await core.acceptConnections();
    await open();
  });

  it('aborting an open against a handshake that never completes closes the socket promptly', async () => {
    core.hangHandshakes = true;
    const controller = new AbortController();
    const accepted = nextEvent(core.events, 'tcp-connection');
    const opening = RoonConnection.open(core.url, { clock, logger }, controller.signal);
    await accepted;
    const closed = nextEvent(core.events, 'tcp-close', () => true, 2_000);
    controller.abort(new Error('supervisor timeout'));
    await expect(within(opening, 1_000, 'rejection')).rejects.toThrow('supervisor timeout');
    await closed;
  });

  it('aborting a request closes the socket', async () => {
    const c = await open();
    core.answerDelayMs = 60_000;
    const controller = new AbortController();
    const pending = c.request('com.roonlabs.registry:1/info', undefined, controller.signal);
    await nextEvent(core.events, 'request');
    const closed = nextEvent(core.events, 'disconnect');
    controller.abort(new Error('gave up'));
    await expect(pending).rejects.toThrow('gave up');
    expect(c.isOpen).toBe(false);
    await closed;
  });
});

import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { liveDisposables } from '../../src/main/core/disposable';
import { MemoryLogger } from '../../src/main/core/logger';
import { ROON_CORE_SERVICE_ID, SoodDiscovery, decodeSood, encodeSood, type FoundCore } from '../../src/main/services/roon/sood';
import { FakeRoonCore } from '../../src/dev/fakes/roon-core';
import { within } from './helpers';

const baseline = liveDisposables();
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  expect(liveDisposables()).toBe(baseline);
});

/** Loopback only: never the real group or a real broadcast address. */
const loopback = (port: number) => ({ multicastGroup: '127.0.0.1', port, broadcastAddresses: ['127.0.0.1'] });

describe('SoodDiscovery on loopback', () => {
  it('queries the configured targets and reports the fake Core', async () => {
    const core = await new FakeRoonCore().start();
    cleanup.push(() => core.stop());
    const port = await core.startSood();
    const discovery = new SoodDiscovery({ config: loopback(port), logger: new MemoryLogger() });
    cleanup.push(() => discovery.dispose());
    const found = new Promise<FoundCore>((resolve) => {
      const listener = discovery.onFound(resolve);
      cleanup.push(() => listener.dispose());
    });
    await discovery.query();
    expect(await within(found, 5_000, 'a reply')).toEqual({ coreId: core.coreId, name: core.name, host: '127.0.0.1', port: core.port });
  });

  it('ignores malformed packets, queries and replies from other services', async () => {
    const responder = dgram.createSocket('udp4');
    cleanup.push(() => void responder.close());
    const good = { service_id: ROON_CORE_SERVICE_ID, unique_id: 'real', name: 'Real', http_port: '9330' };
    responder.on('message', (msg, rinfo) => {
      const query = decodeSood(msg);
      const send = (b: Buffer) => responder.send(b, rinfo.port, rinfo.address);
      send(Buffer.from('SOOD\x02R\x00', 'latin1'));
      send(Buffer.from('garbage'));
      send(encodeSood({ type: 'Q', properties: query.properties }));
      send(encodeSood({ type: 'R', properties: { ...good, service_id: 'not-roon' } }));
      send(encodeSood({ type: 'R', properties: { ...good, unique_id: '' } }));
      send(encodeSood({ type: 'R', properties: { ...good, http_port: '70000' } }));
      send(encodeSood({ type: 'R', properties: good }));
    });
    await new Promise<void>((resolve) => responder.bind(0, '127.0.0.1', () => resolve()));
    const logger = new MemoryLogger();
    const discovery = new SoodDiscovery({ config: loopback(responder.address().port), logger });
    cleanup.push(() => discovery.dispose());
    const seen: FoundCore[] = [];
    const found = new Promise<void>((resolve) => {
      const listener = discovery.onFound((core) => {
        seen.push(core);
        resolve();
      });
      cleanup.push(() => listener.dispose());
    });
    await discovery.query();
    await within(found, 5_000, 'the one good reply');
    expect(seen).toEqual([{ coreId: 'real', name: 'Real', host: '127.0.0.1', port: 9330 }]);
    expect(logger.lines.some((l) => l.message.includes('SOOD packet rejected'))).toBe(true);
  });

  it('builds per-interface targets from the interface list (directed broadcast), without sending in this test', async () => {
    const discovery = new SoodDiscovery({
      config: { multicastGroup: '239.255.90.90', port: 9003, broadcastAddresses: null },
      logger: new MemoryLogger(),
      interfaces: () => ({
        lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: null }],
        eth0: [{ address: '192.168.1.23', netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: null }],
      }),
    });
    const targets = (discovery as unknown as { allTargets(): unknown }).allTargets();
    expect(targets).toEqual([{ bindAddress: '192.168.1.23', destinations: ['239.255.90.90', '192.168.1.255'] }]);
    discovery.dispose();
  });
});

describe('loopback-only guard (ENCORE_DISCOVERY_LOOPBACK_ONLY, set for every test)', () => {
  it('sends nothing to the real group or a broadcast address, whatever the config says', async () => {
    expect(process.env.ENCORE_DISCOVERY_LOOPBACK_ONLY).toBe('1');
    const sent: string[] = [];
    const original = dgram.Socket.prototype.send;
    // Record destinations without sending anything anywhere.
    dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
      sent.push(String(args[2]));
      const cb = args.find((a) => typeof a === 'function') as ((e: Error | null) => void) | undefined;
      cb?.(null);
    } as typeof original;
    cleanup.push(() => void (dgram.Socket.prototype.send = original));
    const logger = new MemoryLogger();
    const lan = { address: '192.168.77.5', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.168.77.5/24' } as const;
    const discovery = new SoodDiscovery({
      config: { multicastGroup: '239.255.90.90', port: 9003, broadcastAddresses: null },
      logger,
      interfaces: () => ({ eth0: [lan] }),
    });
    cleanup.push(() => discovery.dispose());
    await discovery.query();
    expect(sent).toEqual([]);
    expect(logger.lines.some((l) => /not sending to 239\.255\.90\.90, 192\.168\.77\.255/.test(l.message))).toBe(true);

    const mixed = new SoodDiscovery({ config: { multicastGroup: '239.255.90.90', port: 9, broadcastAddresses: ['127.0.0.1', '10.0.0.255'] }, logger });
    cleanup.push(() => mixed.dispose());
    await mixed.query();
    expect(sent).toEqual(['127.0.0.1']);
  });
});

import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { NetworkMonitor } from './network-monitor';
import type { PowerEvent } from './ports';

const wifi = (address: string): NodeJS.Dict<os.NetworkInterfaceInfo[]> => ({
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
  wlan0: [{ address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/24` }],
});

describe('NetworkMonitor', () => {
  it('says online when an interface comes back or changes, offline when all are gone', () => {
    const clock = new ManualClock();
    let current: NodeJS.Dict<os.NetworkInterfaceInfo[]> = wifi('10.1.2.3');
    const events: PowerEvent['type'][] = [];
    const monitor = new NetworkMonitor(clock, () => current);
    monitor.start((e) => events.push(e.type));
    clock.advance(10_000);
    expect(events).toEqual([]);
    current = { lo: current.lo };
    clock.advance(2000);
    current = wifi('10.1.2.4');
    clock.advance(2000);
    expect(events).toEqual(['offline', 'online']);
    monitor.dispose();
    expect(clock.pendingTimers).toBe(0);
  });

  it('notices a change within 250 ms', () => {
    const clock = new ManualClock();
    let current: NodeJS.Dict<os.NetworkInterfaceInfo[]> = wifi('10.1.2.3');
    const events: PowerEvent['type'][] = [];
    const monitor = new NetworkMonitor(clock, () => current);
    monitor.start((e) => events.push(e.type));
    clock.advance(1000);
    current = { lo: current.lo };
    clock.advance(250);
    expect(events).toEqual(['offline']);
    monitor.dispose();
  });
});

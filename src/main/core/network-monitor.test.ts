import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { NetworkMonitor } from './network-monitor';
import type { PowerEvent } from './ports';

const wifi = (address: string): NodeJS.Dict<os.NetworkInterfaceInfo[]> => ({
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
  wlan0: [{ address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/24` }],
});

function setup(urgent = () => false) {
  const clock = new ManualClock();
  const net = { current: wifi('10.1.2.3'), reads: 0 };
  const events: PowerEvent['type'][] = [];
  const monitor = new NetworkMonitor(
    clock,
    () => {
      net.reads++;
      return net.current;
    },
    // Slow reads wait for the clock's beats: 4 s is two of them.
    { fastMs: 250, slowMs: 4000, urgent },
  );
  monitor.start((e) => events.push(e.type));
  return { clock, net, events, monitor };
}

describe('NetworkMonitor', () => {
  it('says online when an interface comes back or changes, offline when all are gone', () => {
    const { clock, net, events, monitor } = setup();
    clock.advance(10_000);
    expect(events).toEqual([]);
    net.current = { lo: net.current.lo };
    clock.advance(5000);
    net.current = wifi('10.1.2.4');
    clock.advance(5000);
    expect(events).toEqual(['offline', 'online']);
    monitor.dispose();
    expect(clock.pendingTimers).toBe(0);
  });

  it('reads the interfaces seldom while nothing waits for the network', () => {
    const { clock, net, monitor } = setup();
    const before = net.reads;
    clock.advance(60_000);
    expect(net.reads - before).toBe(15);
    monitor.dispose();
  });

  it('notices a change within 250 ms while a service waits for the network', () => {
    let waiting = true;
    const { clock, net, events, monitor } = setup(() => waiting);
    clock.advance(1000);
    net.current = { lo: net.current.lo };
    clock.advance(250);
    expect(events).toEqual(['offline']);
    // Back to running: the next reads are slow again.
    waiting = false;
    clock.advance(250);
    // At 1.5 s; the slow reads fall on the beats at 6 and 10 s.
    const before = net.reads;
    clock.advance(10_000);
    expect(net.reads - before).toBe(2);
    monitor.dispose();
  });

  it('hurry() turns a slow wait into a fast one at once', () => {
    let waiting = false;
    const { clock, net, events, monitor } = setup(() => waiting);
    clock.advance(1000); // 1 s into a 4 s wait
    waiting = true;
    monitor.hurry();
    net.current = wifi('10.9.9.9');
    clock.advance(250);
    expect(events).toEqual(['online']);
    monitor.dispose();
  });

  it('polls fast for the window after a wake, then slowly', () => {
    const { clock, net, events, monitor } = setup();
    monitor.hurry(30_000);
    clock.advance(20_000);
    net.current = wifi('10.1.2.9');
    clock.advance(250);
    expect(events).toEqual(['online']);
    clock.advance(10_000);
    const before = net.reads;
    clock.advance(10_000);
    expect(net.reads - before).toBe(2);
    monitor.dispose();
    expect(clock.pendingTimers).toBe(0);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { fakeEvent, FakeEmitter } from '../../../tests/electron/stand-ins';
import type { PowerEvent } from '../core/ports';
import { PowerMonitorTrigger } from './power';

function setup() {
  const powerMonitor = new FakeEmitter();
  const onShutdown = vi.fn();
  const trigger = new PowerMonitorTrigger(powerMonitor, onShutdown);
  const events: PowerEvent[] = [];
  trigger.start((e) => events.push(e));
  return { powerMonitor, onShutdown, trigger, events };
}

const EVENTS = ['suspend', 'resume', 'lock-screen', 'unlock-screen', 'shutdown'];

describe('PowerMonitorTrigger', () => {
  it('turns powerMonitor events into PowerEvents from the electron source', () => {
    const { powerMonitor, events, trigger } = setup();
    expect(trigger.name).toBe('electron');
    for (const e of ['suspend', 'resume', 'resume', 'lock-screen', 'unlock-screen']) powerMonitor.emit(e);
    expect(events).toEqual([
      { type: 'suspend', source: 'electron' },
      { type: 'resume', source: 'electron' },
      { type: 'resume', source: 'electron' }, // duplicates pass through: the core coalesces them
      { type: 'lock-screen', source: 'electron' },
      { type: 'unlock-screen', source: 'electron' },
    ]);
  });

  it('delays a system shutdown and asks the app to quit cleanly', () => {
    const { powerMonitor, events, onShutdown } = setup();
    const event = fakeEvent();
    powerMonitor.emit('shutdown', event);
    expect(event.defaultPrevented).toBe(true);
    expect(events).toEqual([{ type: 'shutdown', source: 'electron' }]);
    expect(onShutdown).toHaveBeenCalledOnce();
    powerMonitor.emit('shutdown'); // and copes with an event-less emit, as the typings describe it
    expect(onShutdown).toHaveBeenCalledTimes(2);
  });

  it('registers one listener per event and removes every one on dispose', () => {
    const { powerMonitor, trigger, events } = setup();
    for (const e of EVENTS) expect(powerMonitor.count(e), e).toBe(1);
    trigger.dispose();
    for (const e of EVENTS) expect(powerMonitor.count(e), e).toBe(0);
    powerMonitor.emit('resume');
    expect(events).toEqual([]);
    trigger.dispose();
  });
});

// Small stand-ins for the Electron objects the adapters touch. Each records
// what was done to it, so a test reads like "the tray got this menu".
import { EventEmitter } from 'node:events';

/** An Electron-style event: preventDefault flips a flag the test can read. */
export function fakeEvent<T extends object>(params: T = {} as T): T & { preventDefault(): void; defaultPrevented: boolean } {
  const event = {
    ...params,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

export class FakeEmitter extends EventEmitter {
  count(event: string): number {
    return this.listenerCount(event);
  }
}

export { service, snapshot } from '../support/status-fixtures';

// powerMonitor as one of the core's power triggers. Create it after `app` is
// ready: powerMonitor cannot be used before. The core coalesces this stream
// with the clock-jump detector, because `resume` fires twice, late or never
// depending on the platform (see docs: desktop-platform.md).
import { DisposableStore } from '../core/disposable';
import type { PowerEvent, PowerTrigger } from '../core/ports';

/** An Electron event we may delay; powerMonitor's `shutdown` passes one although its typing says otherwise. */
type Delayable = { preventDefault(): void } | undefined;

/** What the trigger uses of powerMonitor. */
export interface PowerMonitorLike {
  on(event: 'suspend' | 'resume' | 'lock-screen' | 'unlock-screen', listener: () => void): unknown;
  on(event: 'shutdown', listener: (event?: Delayable) => void): unknown;
  off(event: 'suspend' | 'resume' | 'lock-screen' | 'unlock-screen', listener: () => void): unknown;
  off(event: 'shutdown', listener: (event?: Delayable) => void): unknown;
}

export class PowerMonitorTrigger implements PowerTrigger {
  readonly name = 'electron' as const;
  private readonly store = new DisposableStore();

  /**
   * @param onShutdown asked to quit the app. The shutdown is delayed
   * (preventDefault) so that services stop and the database closes first;
   * Electron then expects the app to exit promptly.
   */
  constructor(
    private readonly powerMonitor: PowerMonitorLike,
    private readonly onShutdown: () => void,
  ) {}

  start(emit: (event: PowerEvent) => void): void {
    const simple = ['suspend', 'resume', 'lock-screen', 'unlock-screen'] as const;
    for (const type of simple) {
      const listener = () => emit({ type, source: 'electron' });
      this.powerMonitor.on(type, listener);
      this.store.add({ dispose: () => this.powerMonitor.off(type, listener) });
    }
    const shutdown = (event?: Delayable) => {
      event?.preventDefault();
      emit({ type: 'shutdown', source: 'electron' });
      this.onShutdown();
    };
    this.powerMonitor.on('shutdown', shutdown);
    this.store.add({ dispose: () => this.powerMonitor.off('shutdown', shutdown) });
  }

  dispose(): void {
    this.store.dispose();
  }
}

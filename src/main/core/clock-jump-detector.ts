// Sleep detection without the OS: once a second compare how far the wall clock
// moved with how far the monotonic clock moved. A gap of several seconds means
// the machine slept (powerMonitor's `resume` fires twice, late, or never).
// A forward NTP step looks the same and is taken as a wake (one restore); a
// step back is reported as such.
import type { Clock } from './clock';
import { DisposableStore } from './disposable';
import type { PowerEvent, PowerTrigger } from './ports';

/** Timer jitter never moves the two clocks apart by this much within one tick. */
const BACKWARD_STEP_MS = 1000;

export class ClockJumpDetector implements PowerTrigger {
  readonly name = 'clock-jump' as const;
  private readonly store = new DisposableStore();

  constructor(
    private readonly clock: Clock,
    private readonly thresholdMs = 5000,
    private readonly intervalMs = 1000,
  ) {}

  start(emit: (event: PowerEvent) => void): void {
    let wall = this.clock.now();
    let mono = this.clock.monotonic();
    this.store.add(
      this.clock.setInterval(() => {
        const nextWall = this.clock.now();
        const nextMono = this.clock.monotonic();
        const gap = nextWall - wall - (nextMono - mono);
        wall = nextWall;
        mono = nextMono;
        if (gap > this.thresholdMs) emit({ type: 'resume', source: 'clock-jump', sleptMs: Math.round(gap) });
        // Set back (NTP, by hand): said so the supervisor takes it as its new baseline, never as a wake.
        else if (gap < -BACKWARD_STEP_MS) emit({ type: 'clock-step', source: 'clock-jump', stepMs: Math.round(gap) });
      }, this.intervalMs),
    );
  }

  dispose(): void {
    this.store.dispose();
  }
}

/** Simulated power events: the headless API and the tray's troubleshooting item. */
export class SimulatedPowerTrigger implements PowerTrigger {
  readonly name = 'simulated' as const;
  private emit: ((event: PowerEvent) => void) | null = null;

  start(emit: (event: PowerEvent) => void): void {
    this.emit = emit;
  }

  suspend(): void {
    this.emit?.({ type: 'suspend', source: 'simulated' });
  }

  resume(): void {
    this.emit?.({ type: 'resume', source: 'simulated' });
  }

  dispose(): void {
    this.emit = null;
  }
}

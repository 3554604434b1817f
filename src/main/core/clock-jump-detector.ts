// Sleep detection without the OS: compare how far the wall clock moved with
// how far the monotonic clock moved since the last look. A gap of several
// seconds means the machine slept (powerMonitor's `resume` fires twice, late,
// or never). A forward NTP step looks the same and is taken as a wake (one
// restore); a step back is reported as such.
//
// Waking an idle process costs far more than the look itself (about 0.2 ms of
// CPU here, bench/quiet-status.ts), so the detector looks whenever the process
// is awake anyway: look() on every Roon seek update (once a second while music
// plays) and status change. Its own timer ticks once a second only while no
// look comes; while they do it ticks on the clock's shared beat, every
// `relaxedMs`, where the keepalives, heartbeats and fallbacks of the other
// services fire too, so those cost no wakeup of their own. A timer cannot
// simply be pushed back at each look: Node wakes at the old due time regardless.
// After a wake that no event follows, the timer notices within `relaxedMs`.
import type { Clock } from './clock';
import type { Disposable } from './disposable';
import type { PowerEvent, PowerTrigger } from './ports';

/** Timer jitter never moves the two clocks apart by this much within one tick. */
const BACKWARD_STEP_MS = 1000;

export interface ClockJumpOptions {
  /** Wall clock ahead of the monotonic clock by more than this: a sleep. */
  thresholdMs?: number;
  /** The tick while nothing else looks. */
  intervalMs?: number;
  /** The tick while looks come at least once an interval (plus a quarter for their jitter), on the shared beat. */
  relaxedMs?: number;
}

export class ClockJumpDetector implements PowerTrigger {
  readonly name = 'clock-jump' as const;
  private readonly thresholdMs: number;
  private readonly intervalMs: number;
  private readonly relaxedMs: number;
  private emit: ((event: PowerEvent) => void) | null = null;
  private timer: Disposable | null = null;
  /** How the timer ticks now: alone (every interval), with looks (on the beat), or null (no timer yet, or a report is due). */
  private pace: 'alone' | 'with-looks' | null = null;
  private wall = 0;
  private mono = 0;
  /** Monotonic time of the last look() that found nothing. */
  private lastLook = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    options: ClockJumpOptions = {},
  ) {
    this.thresholdMs = options.thresholdMs ?? 5000;
    this.intervalMs = options.intervalMs ?? 1000;
    this.relaxedMs = options.relaxedMs ?? 2000;
  }

  start(emit: (event: PowerEvent) => void): void {
    this.emit = emit;
    this.rebase();
    this.follow('alone');
  }

  /**
   * The process is awake for something else: look at the clocks now. A jump
   * found here is reported from the timer at once, outside the caller's stack
   * (a power event restarts services).
   */
  look(): void {
    if (!this.emit) return;
    if (this.jumped(this.gap())) return this.reportSoon();
    this.rebase();
    this.lastLook = this.mono;
  }

  private tick(): void {
    const gap = this.gap();
    this.rebase();
    const looksCome = this.mono - this.lastLook <= this.intervalMs * 1.25;
    this.follow(looksCome ? 'with-looks' : 'alone');
    if (gap > this.thresholdMs) this.emit?.({ type: 'resume', source: 'clock-jump', sleptMs: Math.round(gap) });
    // Set back (NTP, by hand): said so the supervisor takes it as its new baseline, never as a wake.
    else if (gap < -BACKWARD_STEP_MS) this.emit?.({ type: 'clock-step', source: 'clock-jump', stepMs: Math.round(gap) });
  }

  private jumped(gap: number): boolean {
    return gap > this.thresholdMs || gap < -BACKWARD_STEP_MS;
  }

  /** How far the wall clock moved beyond the monotonic clock since the last look. */
  private gap(): number {
    return this.clock.now() - this.wall - (this.clock.monotonic() - this.mono);
  }

  private rebase(): void {
    this.wall = this.clock.now();
    this.mono = this.clock.monotonic();
  }

  /** One timer at a time, kept while the pace stays; the last one, fired or not, is let go. */
  private follow(pace: 'alone' | 'with-looks'): void {
    if (!this.emit || this.pace === pace) return;
    this.timer?.dispose();
    this.pace = pace;
    this.timer = pace === 'alone' ? this.clock.setInterval(() => this.tick(), this.intervalMs) : this.clock.setCoarseInterval(() => this.tick(), this.relaxedMs);
  }

  /** A jump found by a look: reported from a timer at once, and the pace chosen again there. */
  private reportSoon(): void {
    this.timer?.dispose();
    this.pace = null;
    this.timer = this.clock.setTimeout(() => this.tick(), 0);
  }

  dispose(): void {
    this.emit = null;
    this.timer?.dispose();
    this.timer = null;
    this.pace = null;
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

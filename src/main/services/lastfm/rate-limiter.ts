// One gate for every request to Last.fm: the tracker's start and polls, the
// sync job and the import all queue here, so together they stay under one
// rate and all honour one rate-limit backoff.
//
// Slots are handed out in arrival order (no caller can starve another: a poll
// waits at most for the import requests queued before it), and a slot is only
// used when it is handed out: a wait that is aborted (a restart superseding a
// start, a stop) leaves the queue and takes nothing with it. A burst of
// aborted starts therefore costs no future slots.
import { backoffDelay, type BackoffOptions } from '../../core/backoff';
import type { Clock } from '../../core/clock';
import type { Disposable } from '../../core/disposable';

/** Error 29: Last.fm suspends keys that keep pushing, so every caller waits this long (doubling). */
export const RATE_LIMITED_BACKOFF: BackoffOptions = { initialMs: 60_000, maxMs: 15 * 60_000 };

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal;
  onAbort(): void;
}

export class RateLimiter {
  /** Monotonic time of the last slot handed out. */
  private lastGrant = Number.NEGATIVE_INFINITY;
  private readonly queue: Waiter[] = [];
  private timer: Disposable | null = null;
  /**
   * The rate-limit block, held on both clocks: it ends when either says it is
   * over, so a sleep (wall clock jumps, monotonic stands still) does not
   * stretch it, and a wall clock set back does not either.
   */
  private blockedUntilWall = 0;
  private blockedUntilMono = Number.NEGATIVE_INFINITY;
  private strikes = 0;

  constructor(
    private readonly clock: Clock,
    /** Read on every call so a changed setting applies at once; 0 = no limit. */
    private readonly perSecond: () => number,
    private readonly backoff: BackoffOptions = RATE_LIMITED_BACKOFF,
  ) {}

  /** Waits for a slot; rejects with the signal's reason (taking no slot) when it aborts first. */
  take(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.queue.length === 0 && this.readyIn() <= 0) {
      this.lastGrant = this.clock.monotonic();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          reject(signal.reason);
          this.reschedule();
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.reschedule();
    });
  }

  /** Last.fm answered 29: everyone waits, longer each time it happens again before a success. */
  rateLimited(): void {
    this.strikes++;
    const wait = backoffDelay(this.strikes, this.backoff);
    this.blockedUntilWall = this.clock.now() + wait;
    this.blockedUntilMono = this.clock.monotonic() + wait;
    this.reschedule();
  }

  /** A request went through: the next 29 starts the backoff from its beginning. */
  succeeded(): void {
    this.strikes = 0;
  }

  /** How long the rate-limit block still lasts (0: none). */
  blockedForMs(): number {
    const wall = this.blockedUntilWall - this.clock.now();
    const mono = this.blockedUntilMono - this.clock.monotonic();
    return Math.max(0, Math.min(wall, mono));
  }

  /** Callers waiting for a slot (for tests and the status). */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * The slot this grant fills. A timer that fires a little late (a busy
   * event loop) still fills the slot it was due for, so lateness does not add
   * up over a long run of slots; a grant later than a whole slot starts afresh.
   */
  private grantTime(): number {
    const now = this.clock.monotonic();
    const rate = this.perSecond();
    if (!(rate > 0)) return now;
    const due = this.lastGrant + 1000 / rate;
    return now - due < 1000 / rate && due <= now ? due : now;
  }

  private readyIn(): number {
    const rate = this.perSecond();
    const spacing = rate > 0 ? this.lastGrant + 1000 / rate - this.clock.monotonic() : 0;
    return Math.max(this.blockedForMs(), spacing, 0);
  }

  private reschedule(): void {
    this.timer?.dispose();
    this.timer = null;
    if (this.queue.length === 0) return;
    this.timer = this.clock.setTimeout(() => this.dispatch(), this.readyIn());
  }

  private dispatch(): void {
    this.timer = null;
    // One slot per turn with a rate; every waiter at once without one.
    while (this.queue.length && this.readyIn() <= 0) {
      const waiter = this.queue.shift()!;
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      this.lastGrant = this.grantTime();
      waiter.resolve();
    }
    this.reschedule();
  }
}

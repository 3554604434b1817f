// Spaces requests on the injected clock. Slots are reserved before waiting, so
// the polling loop and the import sharing one limiter stay under the rate together.
import { delay, type Clock } from '../../core/clock';

export class RateLimiter {
  private nextSlot = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    /** Read on every call so a changed setting applies at once; 0 = no limit. */
    private readonly perSecond: () => number,
  ) {}

  async take(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const rate = this.perSecond();
    if (!(rate > 0)) return;
    const now = this.clock.monotonic();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + 1000 / rate;
    if (at > now) await delay(this.clock, at - now, signal);
  }
}

// Seek progress arrives once a second per playing zone; nobody needs it that
// often (the window moves the position on by itself), and each push wakes a
// window or an SSE client. Per service: the first progress goes out at once,
// then at most one per interval, always the latest.
//
// The push that arrives once the interval is over carries the latest out
// itself. Only the last push of a stream that stops without a snapshot needs
// a timer, and that timer is never cancelled: Node wakes the process at a
// cancelled timer's time all the same, and a wakeup costs more than the work
// it does (bench/quiet-status.ts). So one timer runs every FALLBACK_MS while
// progress waits, on the clock's shared beat (with the other housekeeping), and
// sends what has waited its interval.
import type { NowPlayingProgress, ServiceId } from '../../shared/status';
import type { Clock } from './clock';
import type { Disposable } from './disposable';
import type { ProgressReading } from './supervisor';

/** The window corrects its own count this often; a track change is a snapshot, not progress. */
export const PROGRESS_INTERVAL_MS = 5_000;
/** The last progress of a stream that stops goes out this long after it at the latest (plus one interval and one beat). */
export const PROGRESS_FALLBACK_MS = 10_000;

export class ProgressThrottle implements Disposable {
  private readonly lastSentAt = new Map<ServiceId, number>();
  private readonly pending = new Map<ServiceId, ProgressReading>();
  private timer: Disposable | null = null;
  private disposed = false;

  constructor(
    private readonly clock: Clock,
    private readonly send: (progress: NowPlayingProgress) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
    private readonly fallbackMs = PROGRESS_FALLBACK_MS,
  ) {}

  push(progress: ProgressReading): void {
    if (this.disposed) return;
    if (this.due(progress.service)) {
      this.pending.delete(progress.service);
      return this.emit(progress);
    }
    this.pending.set(progress.service, progress);
    this.timer ??= this.clock.setCoarseTimeout(() => this.flush(), this.fallbackMs);
  }

  dispose(): void {
    this.disposed = true;
    this.pending.clear();
    this.timer?.dispose();
    this.timer = null;
  }

  /** Monotonic: a wall-clock jump (sleep, a clock change) must not hold progress back or let a burst through. */
  private due(service: ServiceId): boolean {
    return this.clock.monotonic() - (this.lastSentAt.get(service) ?? Number.NEGATIVE_INFINITY) >= this.intervalMs;
  }

  private flush(): void {
    this.timer = null;
    for (const [service, progress] of [...this.pending]) {
      if (!this.due(service)) continue;
      this.pending.delete(service);
      this.emit(progress);
    }
    if (this.pending.size > 0) this.timer = this.clock.setCoarseTimeout(() => this.flush(), this.fallbackMs);
  }

  private emit(reading: ProgressReading): void {
    this.lastSentAt.set(reading.service, this.clock.monotonic());
    this.send({ service: reading.service, at: new Date(reading.atMs).toISOString(), zones: reading.zones });
  }
}

// Seek progress arrives once a second per playing zone; nobody needs it that
// often (the window moves the position on by itself), and each push wakes a
// window or an SSE client. Per service: the first progress goes out at once,
// then at most one per interval, always the latest.
import type { NowPlayingProgress, ServiceId } from '../../shared/status';
import type { Clock } from './clock';
import { DisposableStore, type Disposable } from './disposable';

/** The window corrects its own count this often; a track change is a snapshot, not progress. */
export const PROGRESS_INTERVAL_MS = 5_000;

export class ProgressThrottle implements Disposable {
  private readonly store = new DisposableStore();
  private readonly lastSentAt = new Map<ServiceId, number>();
  private readonly pending = new Map<ServiceId, { progress: NowPlayingProgress; timer: Disposable }>();

  constructor(
    private readonly clock: Clock,
    private readonly send: (progress: NowPlayingProgress) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  push(progress: NowPlayingProgress): void {
    if (this.store.isDisposed) return;
    const waiting = this.pending.get(progress.service);
    if (waiting) {
      waiting.progress = progress;
      return;
    }
    // Monotonic: a wall-clock jump (sleep, a clock change) must not hold progress back or let a burst through.
    const since = this.clock.monotonic() - (this.lastSentAt.get(progress.service) ?? Number.NEGATIVE_INFINITY);
    if (since >= this.intervalMs) return this.emit(progress);
    const timer = this.store.add(
      this.clock.setTimeout(() => {
        const entry = this.pending.get(progress.service);
        this.pending.delete(progress.service);
        this.store.delete(timer);
        if (entry) this.emit(entry.progress);
      }, this.intervalMs - since),
    );
    this.pending.set(progress.service, { progress, timer });
  }

  dispose(): void {
    this.pending.clear();
    this.store.dispose();
  }

  private emit(progress: NowPlayingProgress): void {
    this.lastSentAt.set(progress.service, this.clock.monotonic());
    this.send(progress);
  }
}

// Network readiness: after wake, Wi-Fi and DHCP come back seconds later. When
// a usable interface appears or changes, services waiting for the network
// retry at once instead of at their next backoff.
import os from 'node:os';
import type { Clock } from './clock';
import type { Disposable } from './disposable';
import type { PowerEvent, PowerTrigger } from './ports';

export type InterfaceReader = () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;

/** A fingerprint of the non-internal addresses: changes when the network does. */
function networkFingerprint(read: InterfaceReader): string {
  const out: string[] = [];
  for (const [name, infos] of Object.entries(read())) {
    for (const info of infos ?? []) if (!info.internal) out.push(`${name}/${info.family}/${info.address}`);
  }
  return out.sort().join(',');
}

export interface NetworkMonitorOptions {
  /** While something waits for the network: four reads a second notice it within 250 ms. */
  fastMs?: number;
  /**
   * Otherwise. Reading the interfaces (getifaddrs, a netlink round trip) costs
   * a few hundred µs: at 250 ms around the clock that alone was more than half
   * of an idle host's CPU. While every service runs a change moves nothing (it
   * only retries services that wait), so this read only keeps the journal's
   * online/offline lines: a running service that loses its route fails by
   * itself (keep-alive, a failed poll) and turns the fast reads on.
   */
  slowMs?: number;
  /** Whether a service waits for the network now (reconnecting, starting): poll fast. */
  urgent?: () => boolean;
}

export class NetworkMonitor implements PowerTrigger {
  readonly name = 'network' as const;
  private readonly fastMs: number;
  private readonly slowMs: number;
  private readonly urgent: () => boolean;
  private timer: Disposable | null = null;
  private timerIsFast = false;
  /** Monotonic end of a fast window asked for by hurry() (after a wake). */
  private fastUntil = 0;
  private last = '';
  private emit: ((event: PowerEvent) => void) | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly read: InterfaceReader = os.networkInterfaces,
    options: NetworkMonitorOptions = {},
  ) {
    this.fastMs = options.fastMs ?? 250;
    this.slowMs = options.slowMs ?? 30_000;
    this.urgent = options.urgent ?? (() => false);
  }

  start(emit: (event: PowerEvent) => void): void {
    this.emit = emit;
    this.last = networkFingerprint(this.read);
    this.schedule();
  }

  /**
   * Poll fast now (a service began to wait for the network) and, given a
   * window, for that long whatever else happens (a wake: Wi-Fi and DHCP come
   * back seconds later, possibly before any service notices it lacks them).
   */
  hurry(windowMs = 0): void {
    if (!this.emit) return;
    if (windowMs > 0) this.fastUntil = Math.max(this.fastUntil, this.clock.monotonic() + windowMs);
    if (!this.timerIsFast) this.schedule();
  }

  private isFast(): boolean {
    return this.clock.monotonic() < this.fastUntil || this.urgent();
  }

  private schedule(): void {
    this.timer?.dispose();
    this.timerIsFast = this.isFast();
    // The slow read waits for the shared beat: it needs no wakeup of its own.
    this.timer = this.timerIsFast ? this.clock.setTimeout(() => this.tick(), this.fastMs) : this.clock.setCoarseTimeout(() => this.tick(), this.slowMs);
  }

  private tick(): void {
    this.timer = null;
    const next = networkFingerprint(this.read);
    if (next !== this.last) {
      this.last = next;
      this.emit?.(next === '' ? { type: 'offline', source: 'network' } : { type: 'online', source: 'network' });
    }
    if (this.emit) this.schedule();
  }

  dispose(): void {
    this.emit = null;
    this.timer?.dispose();
    this.timer = null;
  }
}

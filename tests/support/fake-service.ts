// Controllable services for supervisor tests: answer at once, hang forever,
// fail N times, slow, or need the network.
import type { Clock } from '../../src/main/core/clock';
import { DisposableStore, toDisposable } from '../../src/main/core/disposable';
import { ServiceError, type HealthProbe, type Service, type ServiceHost, type ServiceRole } from '../../src/main/core/service';
import type { ServiceId } from '../../src/shared/status';

export type Behaviour =
  | { kind: 'instant' }
  | { kind: 'hang' }
  | { kind: 'slow'; ms: number }
  | { kind: 'fail'; times: number; network?: boolean; fatal?: boolean };

/** The role each real service plays, so a fake stands in for it in the supervisor. */
const ROLE_OF: Record<ServiceId, ServiceRole> = { database: 'store', roon: 'tracker', lastfm: 'tracker', scheduler: 'worker' };

export class FakeService implements Service {
  readonly label: string;
  readonly role: ServiceRole;
  starts = 0;
  stops = 0;
  running = 0;
  maxConcurrentStarts = 0;
  private inFlight = 0;
  host: ServiceHost | null = null;
  healthy: HealthProbe = { ok: true };
  configured: string | null = null;
  private failuresLeft: number;
  private readonly store = new DisposableStore();

  constructor(
    readonly id: ServiceId,
    public behaviour: Behaviour,
    private readonly clock: Clock,
  ) {
    this.label = id;
    this.role = ROLE_OF[id];
    this.failuresLeft = behaviour.kind === 'fail' ? behaviour.times : 0;
  }

  notConfigured() {
    return this.configured;
  }

  async start(signal: AbortSignal, host: ServiceHost): Promise<void> {
    this.starts++;
    this.inFlight++;
    this.maxConcurrentStarts = Math.max(this.maxConcurrentStarts, this.inFlight);
    try {
      const b = this.behaviour;
      if (b.kind === 'hang') {
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      }
      if (b.kind === 'slow') {
        await new Promise<void>((resolve, reject) => {
          const t = this.clock.setTimeout(resolve, b.ms);
          signal.addEventListener('abort', () => (t.dispose(), reject(signal.reason)), { once: true });
        });
      }
      if (b.kind === 'fail' && this.failuresLeft > 0) {
        this.failuresLeft--;
        throw new ServiceError(b.network ? `${this.id}: getaddrinfo EAI_AGAIN example.invalid` : `${this.id} failed on purpose`, { network: b.network, retryable: !b.fatal });
      }
      this.host = host;
      this.running++;
      // A resource the service owns while running: counted by liveDisposables().
      this.store.add(toDisposable(() => (this.running = Math.max(0, this.running - 1))));
    } finally {
      this.inFlight--;
    }
  }

  async stop(): Promise<void> {
    this.stops++;
    this.store.clear();
    this.host = null;
  }

  probe(): HealthProbe {
    return this.healthy;
  }
}

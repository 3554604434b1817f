// The database as a service: the restore sequence reopens it first, with an
// asynchronous lock wait and a quick check; if that fails it shows an error and
// retries. While it runs, a lock held by another program or a full disk shows
// as "waiting", with what to do, and clears by itself once writes work again.
import type { HealthProbe, Service, ServiceHost } from '../core/service';
import { ServiceError } from '../core/service';
import { DatabaseError, type DatabaseTrouble, type EncoreDatabase } from './database';

export class DatabaseService implements Service {
  readonly id = 'database' as const;
  readonly role = 'store' as const;
  readonly label = 'Database';
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly database: EncoreDatabase) {}

  notConfigured(): string | null {
    return null;
  }

  async start(signal: AbortSignal, host?: ServiceHost): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    try {
      await this.database.reopen(signal);
    } catch (error) {
      // A damaged file stays damaged: retrying would only repeat the message. The
      // user restores a backup (or moves the file) and presses Restart. A lock
      // or a full disk, by contrast, ends sooner or later: those retry.
      if (error instanceof DatabaseError) throw new ServiceError(error.message, { cause: error, retryable: error.kind !== 'corrupt' });
      throw error;
    }
    const show = (trouble: DatabaseTrouble | null) => host?.report(trouble ? { condition: 'waiting', detail: `Waiting: ${trouble.message}` } : { condition: 'running', detail: 'Running' });
    this.unsubscribe = this.database.onDidChangeTrouble(show);
    if (this.database.trouble) show(this.database.trouble);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.database.close();
  }

  prepareForSleep(): void {
    this.database.checkpoint('TRUNCATE');
  }

  probe(): HealthProbe {
    return this.database.ping() ? { ok: true } : { ok: false, reason: 'the database does not answer' };
  }
}

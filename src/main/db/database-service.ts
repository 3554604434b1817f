// The database as a service: the restore sequence reopens it first, with
// busy_timeout and a quick check; if that fails it shows an error and retries.
import type { HealthProbe, Service } from '../core/service';
import { ServiceError } from '../core/service';
import { DatabaseError, type EncoreDatabase } from './database';

export class DatabaseService implements Service {
  readonly id = 'database' as const;
  readonly label = 'Database';

  constructor(private readonly database: EncoreDatabase) {}

  notConfigured(): string | null {
    return null;
  }

  async start(signal: AbortSignal): Promise<void> {
    try {
      await this.database.reopen(signal);
    } catch (error) {
      // A damaged file stays damaged: retrying would only repeat the message. The
      // user restores a backup (or moves the file) and presses Restart. A lock,
      // by contrast, is released sooner or later: that one retries.
      if (error instanceof DatabaseError) throw new ServiceError(error.message, { cause: error, retryable: error.kind !== 'corrupt' });
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.database.close();
  }

  prepareForSleep(): void {
    this.database.checkpoint('TRUNCATE');
  }

  probe(): HealthProbe {
    return this.database.ping() ? { ok: true } : { ok: false, reason: 'the database does not answer' };
  }
}

// The ServiceHost a service test hands to start(): it keeps every report,
// failure and fatal error, and says when the next one arrives so a test waits
// for the event rather than for time.
import { EventEmitter } from 'node:events';
import type { ServiceHost, ServiceReport } from '../../src/main/core/service';

export class RecordingHost implements ServiceHost {
  readonly events = new EventEmitter();
  readonly reports: ServiceReport[] = [];
  readonly failures: Array<{ error: Error; retryNow: boolean }> = [];
  readonly fatals: Error[] = [];

  report(report: ServiceReport): void {
    this.reports.push(report);
    this.events.emit('report', report);
  }
  fail(error: Error, options?: { retryNow?: boolean }): void {
    this.failures.push({ error, retryNow: options?.retryNow ?? false });
    this.events.emit('fail', error);
  }
  fatal(error: Error): void {
    this.fatals.push(error);
    this.events.emit('fatal', error);
  }

  private last<K extends keyof ServiceReport>(key: K): ServiceReport[K] | undefined {
    return this.reports.findLast((r) => r[key] !== undefined)?.[key];
  }
  get lastDetail(): string | undefined {
    return this.last('detail');
  }
  get lastCondition(): ServiceReport['condition'] {
    return this.last('condition');
  }
  get lastJobs(): ServiceReport['jobs'] {
    return this.last('jobs');
  }

  /** The next report (from now on) matching `predicate`. */
  next(predicate: (r: ServiceReport) => boolean): Promise<ServiceReport> {
    return new Promise((resolve) => {
      const on = (r: ServiceReport) => {
        if (!predicate(r)) return;
        this.events.off('report', on);
        resolve(r);
      };
      this.events.on('report', on);
    });
  }
  nextSuccess(): Promise<ServiceReport> {
    return this.next((r) => r.success === true);
  }
  nextRetry(): Promise<ServiceReport> {
    return this.next((r) => /retrying in/.test(r.detail ?? ''));
  }
  nextFatal(): Promise<Error> {
    return new Promise((resolve) => this.events.once('fatal', resolve));
  }
}

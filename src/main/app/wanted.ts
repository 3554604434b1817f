// What the user chose (a service turned off, tracking paused), kept in the
// database's service_state so restores and restarts respect it.
import type { ServiceId } from '../../shared/status';
import type { Logger } from '../core/logger';
import type { WantedStore } from '../core/supervisor';
import type { StateStore } from '../db/state';

export class PersistedWanted implements WantedStore {
  private wanted = new Map<string, boolean>();
  private paused = false;
  /** Choices made while the database was closed (asleep, failing): written, and kept over what it says, when it opens. */
  private readonly unsaved = new Map<string, { write: () => void; apply: () => void }>();

  constructor(
    private readonly state: StateStore,
    private readonly log: Logger,
  ) {}

  load(): void {
    for (const [key, choice] of this.unsaved) {
      try {
        choice.write();
        this.unsaved.delete(key);
      } catch (error) {
        this.log.warn('could not save what you chose', error);
      }
    }
    try {
      this.wanted = this.state.wantedServices();
      this.paused = this.state.getValue<boolean>('tracking.paused') ?? false;
    } catch (error) {
      this.log.warn('could not read service_state', error);
    }
    for (const choice of this.unsaved.values()) choice.apply();
  }

  isWanted(id: ServiceId): boolean {
    return this.wanted.get(id) ?? true;
  }

  setWanted(id: ServiceId, wanted: boolean): void {
    const apply = () => void this.wanted.set(id, wanted);
    apply();
    this.persist(`wanted.${id}`, () => this.state.setWanted(id, wanted), apply);
  }

  trackingPaused(): boolean {
    return this.paused;
  }

  setTrackingPaused(paused: boolean): void {
    const apply = () => void (this.paused = paused);
    apply();
    this.persist('tracking.paused', () => this.state.setValue('tracking.paused', paused), apply);
  }

  private persist(key: string, write: () => void, apply: () => void): void {
    try {
      write();
      this.unsaved.delete(key);
    } catch (error) {
      this.unsaved.set(key, { write, apply });
      this.log.warn('could not save what you chose now (the database is closed); it is saved when the database opens again', error);
    }
  }
}

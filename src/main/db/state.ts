// Small persisted state: which services the user wants on, the power/restore
// journal, and JSON values other parts keep across restarts.
import type { EncoreDatabase } from './database';
import type { PowerJournalTable } from './schema';

export interface JournalEntry {
  at: number;
  kind: PowerJournalTable['kind'];
  source?: string | null;
  durationMs?: number | null;
  outcome?: string | null;
  summary?: string | null;
  details?: unknown;
}

export interface JournalRow extends Omit<JournalEntry, 'details'> {
  id: number;
  details: unknown;
}

export class StateStore {
  constructor(
    private readonly database: EncoreDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  wantedServices(): Map<string, boolean> {
    const db = this.database;
    const rows = db.all(db.db.selectFrom('service_state').select(['service_id', 'wanted']));
    return new Map(rows.map((r) => [r.service_id, r.wanted === 1]));
  }

  setWanted(serviceId: string, wanted: boolean): void {
    const db = this.database;
    db.run(
      db.db
        .insertInto('service_state')
        .values({ service_id: serviceId, wanted: wanted ? 1 : 0, updated_at: this.now() })
        .onConflict((oc) => oc.column('service_id').doUpdateSet((eb) => ({ wanted: eb.ref('excluded.wanted'), updated_at: eb.ref('excluded.updated_at') }))),
    );
  }

  journal(entry: JournalEntry): number {
    const db = this.database;
    return db.run(
      db.db.insertInto('power_journal').values({
        at: entry.at,
        kind: entry.kind,
        source: entry.source ?? null,
        duration_ms: entry.durationMs ?? null,
        outcome: entry.outcome ?? null,
        summary: entry.summary ?? null,
        details: entry.details === undefined ? null : JSON.stringify(entry.details),
      }),
    ).lastInsertRowid;
  }

  recentJournal(limit = 50, kinds?: readonly string[]): JournalRow[] {
    const db = this.database;
    let query = db.db.selectFrom('power_journal').select(['id', 'at', 'kind', 'source', 'duration_ms', 'outcome', 'summary', 'details']);
    if (kinds?.length) query = query.where('kind', 'in', kinds as ReadonlyArray<JournalEntry['kind']>);
    const rows = db.all(query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit));
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      kind: r.kind,
      source: r.source,
      durationMs: r.duration_ms,
      outcome: r.outcome,
      summary: r.summary,
      details: r.details ? (JSON.parse(r.details) as unknown) : null,
    }));
  }

  /** Keeps the entries of the last `days` days or the last `maxRows` entries, whichever is fewer. Returns how many went. */
  pruneJournal(now: number, retention: { days: number; maxRows: number }): number {
    const db = this.database;
    return db.raw.transaction(() => {
      const old = db.run(db.db.deleteFrom('power_journal').where('at', '<', now - retention.days * 86_400_000)).changes;
      const newest = db.db.selectFrom('power_journal').select('id').orderBy('at', 'desc').orderBy('id', 'desc').limit(retention.maxRows);
      const excess = db.run(db.db.deleteFrom('power_journal').where('id', 'not in', newest)).changes;
      return old + excess;
    })();
  }

  getValue<T>(key: string): T | null {
    const db = this.database;
    const row = db.first(db.db.selectFrom('app_state').select('value').where('key', '=', key));
    return row === undefined ? null : (JSON.parse(row.value) as T);
  }

  setValue(key: string, value: unknown): void {
    const db = this.database;
    db.run(
      db.db
        .insertInto('app_state')
        .values({ key, value: JSON.stringify(value), updated_at: this.now() })
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), updated_at: eb.ref('excluded.updated_at') }))),
    );
  }
}

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
    const rows = this.database.raw.prepare('SELECT service_id, wanted FROM service_state').all() as Array<{ service_id: string; wanted: number }>;
    return new Map(rows.map((r) => [r.service_id, r.wanted === 1]));
  }

  setWanted(serviceId: string, wanted: boolean): void {
    this.database.raw
      .prepare('INSERT INTO service_state (service_id, wanted, updated_at) VALUES (?, ?, ?) ON CONFLICT (service_id) DO UPDATE SET wanted = excluded.wanted, updated_at = excluded.updated_at')
      .run(serviceId, wanted ? 1 : 0, this.now());
  }

  journal(entry: JournalEntry): number {
    const info = this.database.raw
      .prepare('INSERT INTO power_journal (at, kind, source, duration_ms, outcome, summary, details) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(entry.at, entry.kind, entry.source ?? null, entry.durationMs ?? null, entry.outcome ?? null, entry.summary ?? null, entry.details === undefined ? null : JSON.stringify(entry.details));
    return Number(info.lastInsertRowid);
  }

  recentJournal(limit = 50, kinds?: readonly string[]): JournalRow[] {
    const where = kinds?.length ? `WHERE kind IN (${kinds.map(() => '?').join(',')})` : '';
    const rows = this.database.raw
      .prepare(`SELECT id, at, kind, source, duration_ms, outcome, summary, details FROM power_journal ${where} ORDER BY at DESC, id DESC LIMIT ?`)
      .all(...(kinds ?? []), limit) as Array<{ id: number; at: number; kind: JournalEntry['kind']; source: string | null; duration_ms: number | null; outcome: string | null; summary: string | null; details: string | null }>;
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
    const raw = this.database.raw;
    return raw.transaction(() => {
      const old = raw.prepare('DELETE FROM power_journal WHERE at < ?').run(now - retention.days * 86_400_000).changes;
      const excess = raw.prepare('DELETE FROM power_journal WHERE id NOT IN (SELECT id FROM power_journal ORDER BY at DESC, id DESC LIMIT ?)').run(retention.maxRows).changes;
      return old + excess;
    })();
  }

  getValue<T>(key: string): T | null {
    const value = this.database.raw.prepare('SELECT value FROM app_state WHERE key = ?').pluck().get(key) as string | undefined;
    return value === undefined ? null : (JSON.parse(value) as T);
  }

  setValue(key: string, value: unknown): void {
    this.database.raw
      .prepare('INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(key, JSON.stringify(value), this.now());
  }
}

// The power journal as the app writes and reads it: every entry goes through
// the database's write queue, and a restore read back from it is the summary
// the window shows.
import type { RestoreSummary } from '../../shared/status';
import type { JournalSink } from '../core/supervisor';
import type { EncoreDatabase } from '../db/database';
import type { JournalEntry, StateStore } from '../db/state';

/**
 * Through the write queue, the journal waits, in order, while the database
 * is closed (asleep, failing), locked or full; an entry is never what stops a
 * restore, so a failure to write one is dropped here.
 */
export function journalThroughWriteQueue(database: EncoreDatabase, state: StateStore): JournalSink {
  return (entry: JournalEntry) => void database.enqueue(`journal ${entry.kind}`, () => state.journal(entry)).catch(() => undefined);
}

/** A 'restore' journal row as the restore summary it was written from. */
export function restoreFromJournal(row: ReturnType<StateStore['recentJournal']>[number]): RestoreSummary {
  const details = (row.details ?? {}) as { id?: number; steps?: RestoreSummary['steps'] };
  const duration = row.durationMs ?? 0;
  return {
    id: details.id ?? row.id,
    reason: row.source ?? 'restore',
    startedAt: new Date(row.at - duration).toISOString(),
    finishedAt: new Date(row.at).toISOString(),
    durationMs: row.durationMs ?? null,
    outcome: (['ok', 'partial', 'superseded', 'failed'].includes(row.outcome ?? '') ? row.outcome : 'failed') as RestoreSummary['outcome'],
    summary: row.summary ?? '',
    steps: details.steps ?? [],
  };
}

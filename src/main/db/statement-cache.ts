// Prepared statements by SQL text, per database handle: the explore queries
// are built from the filters in use (a few dozen shapes), and preparing costs
// more than running most of them. Measured on 100,000 plays: a page query
// prepared 0.06 ms, the same through kysely 0.10 ms; a history page is four
// such queries and takes 0.4 ms in all (bench/explore.ts, 1,000,000 plays).
import type BetterSqlite3 from 'better-sqlite3';
import type { EncoreDatabase, SqliteHandle } from './database';

export type Statement = BetterSqlite3.Statement<unknown[], unknown>;

const MAX_STATEMENTS = 200;

export class StatementCache {
  private handle: SqliteHandle | null = null;
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly database: EncoreDatabase) {}

  get(sql: string): Statement {
    const raw = this.database.raw;
    if (raw !== this.handle) {
      // Reopened (restore, maintenance): statements of the old handle are dead.
      this.statements.clear();
      this.handle = raw;
    }
    let st = this.statements.get(sql);
    if (!st) {
      if (this.statements.size >= MAX_STATEMENTS) this.statements.clear();
      st = raw.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }
}

// Migrations as an explicit ordered list: survives bundling, unlike a folder scan.
// Append new ones; never edit or reorder a migration that has shipped.
import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './001-initial';
import { lastfmRejected } from './002-lastfm-rejected';
import { explore } from './003-explore';

export const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['001-initial', initial],
  ['002-lastfm-rejected', lastfmRejected],
  ['003-explore', explore],
];

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return Object.fromEntries(MIGRATIONS);
  },
};

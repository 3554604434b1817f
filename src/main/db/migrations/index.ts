// Migrations as an explicit ordered list: survives bundling, unlike a folder scan.
// Append new ones; never edit or reorder a migration that has shipped.
import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './001-initial';
import { explore } from './002-explore';

export const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['001-initial', initial],
  ['002-explore', explore],
];

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return Object.fromEntries(MIGRATIONS);
  },
};

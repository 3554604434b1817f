// Waits for the database's trouble (a lock, a full disk, or none) the test
// expects: checked now, then on each change the database announces.
import type { DatabaseTrouble, EncoreDatabase } from '../../src/main/db/database';

export function nextTrouble(db: EncoreDatabase, want: (t: DatabaseTrouble | null) => boolean): Promise<DatabaseTrouble | null> {
  return new Promise((resolve) => {
    if (want(db.trouble)) return resolve(db.trouble);
    const off = db.onDidChangeTrouble((t) => {
      if (!want(t)) return;
      off();
      resolve(t);
    });
  });
}

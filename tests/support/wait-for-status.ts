// Waits for the status the test expects: checked now, then on each new
// snapshot the app publishes, never by polling. The timeout only turns a hang
// into a failure that says what the status was.
import type { Encore } from '../../src/main/app';
import type { StatusSnapshot } from '../../src/shared/status';

export function waitForStatus(encore: Pick<Encore, 'status' | 'onStatus'>, predicate: (s: StatusSnapshot) => boolean, timeoutMs = 10_000): Promise<StatusSnapshot> {
  const now = encore.status();
  if (predicate(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      const s = encore.status();
      reject(new Error(`status never matched: ${JSON.stringify(s.services.map((x) => [x.id, x.state, x.detail]))}`));
    }, timeoutMs);
    const subscription = encore.onStatus((snapshot) => {
      if (!predicate(snapshot)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(snapshot);
    });
  });
}

import type { StatusSnapshot } from '../../shared/status';
import { useAction, useApp } from '../context';
import { selectBanners } from '../lib/banner';

const ICONS = { ok: '✓', busy: '…', warn: '!', error: '✕', muted: 'ℹ' } as const;

export function Banners({ snapshot }: { snapshot: StatusSnapshot | null }) {
  const { api } = useApp();
  const [busy, run] = useAction();
  const banners = selectBanners(snapshot);
  // Always rendered, so that a screen reader announces banners as they appear.
  return (
    <div class="banners" role="status" aria-live="polite">
      {banners.map((b) => (
        <div key={b.id} class="banner" data-tone={b.tone} data-testid={`banner-${b.id}`}>
          <span class="banner-icon" aria-hidden="true">
            {ICONS[b.tone]}
          </span>
          <div class="banner-text">
            <strong>{b.text}</strong>
            {b.detail && <span class="banner-detail">{b.detail}</span>}
          </div>
          {b.action === 'resume-tracking' && (
            <button type="button" disabled={busy !== null} onClick={() => run('resume', 'Resuming tracking', () => api.resumeTracking({}))}>
              Resume tracking
            </button>
          )}
        </div>
      ))}
    </div>
  );
}

import { useEffect, useRef } from 'preact/hooks';
import type { StatusSnapshot } from '../../shared/status';
import { useAction, useApp } from '../context';
import { OVERALL_PRESENTATION } from '../lib/states';
import { StateBadge } from './state-badge';

export function AppHeader({ snapshot }: { snapshot: StatusSnapshot | null }) {
  const { api } = useApp();
  const [busy, run] = useAction();
  const disabled = !snapshot || busy !== null;
  const menu = useRef<HTMLDetailsElement>(null);

  // A disclosure that behaves like a menu: Escape or a click elsewhere closes it.
  useEffect(() => {
    const onPointer = (e: PointerEvent) => {
      if (menu.current?.open && !menu.current.contains(e.target as Node)) menu.current.open = false;
    };
    // On the document: the button that had focus may have just disabled itself.
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || !menu.current?.open) return;
      menu.current.open = false;
      menu.current.querySelector('summary')?.focus();
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, []);
  return (
    <header class="app-header">
      <div class="brand">
        <h1>Encore</h1>
        {snapshot && <StateBadge presentation={OVERALL_PRESENTATION[snapshot.overall]} testId="overall-state" />}
        {snapshot && <span class="summary small">{snapshot.summary}</span>}
      </div>
      <div class="global-actions" role="group" aria-label="Actions">
        <button type="button" disabled={disabled} onClick={() => run('restore', 'Restore all', () => api.restoreAll({}))}>
          {busy === 'restore' ? 'Restoring…' : 'Restore all now'}
        </button>
        {snapshot?.trackingPaused ? (
          <button type="button" class="secondary" disabled={disabled} onClick={() => run('tracking', 'Resuming tracking', () => api.resumeTracking({}))}>
            Resume tracking
          </button>
        ) : (
          <button type="button" class="secondary" disabled={disabled} onClick={() => run('tracking', 'Pausing tracking', () => api.pauseTracking({}))}>
            Pause tracking
          </button>
        )}
        <details class="menu" ref={menu}>
          <summary>Troubleshooting</summary>
          <div class="menu-body" role="group" aria-label="Troubleshooting">
            <p class="small">Try what happens when the computer sleeps, without sleeping it.</p>
            <button
              type="button"
              class="secondary"
              disabled={disabled || snapshot?.sleeping}
              onClick={() => run('sleep', 'Simulating sleep', () => api.simulateSuspend({}))}
            >
              Simulate sleep
            </button>
            <button type="button" class="secondary" disabled={disabled || !snapshot?.sleeping} onClick={() => run('wake', 'Simulating wake', () => api.simulateResume({}))}>
              Simulate wake
            </button>
          </div>
        </details>
      </div>
    </header>
  );
}

import type { Toast } from '../lib/banner';

const ICONS = { ok: '✓', busy: '…', warn: '!', error: '✕', muted: 'ℹ' } as const;

/** Short-lived messages in a polite live region; each can be closed by hand. */
export function Toasts({ toasts, onDismiss }: { toasts: Toast[]; onDismiss: (key: string) => void }) {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.key} class="toast" data-tone={t.tone} data-testid="toast">
          <span aria-hidden="true">{ICONS[t.tone]}</span>
          <span class="toast-text">{t.text}</span>
          <button type="button" class="icon-button" aria-label="Dismiss" onClick={() => onDismiss(t.key)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

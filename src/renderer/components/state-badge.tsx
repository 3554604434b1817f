import type { StatePresentation } from '../lib/states';

/** A state as icon + word + colour; the word is what screen readers hear. */
export function StateBadge({ presentation, testId }: { presentation: StatePresentation; testId?: string }) {
  return (
    <span class="badge" data-tone={presentation.tone} data-testid={testId}>
      <span class="badge-icon" aria-hidden="true">
        {presentation.icon}
      </span>
      {presentation.label}
    </span>
  );
}

import type { PlaySource } from '../../shared/plays';

const LABELS: Record<PlaySource, string> = { roon: 'Roon', lastfm: 'Last.fm' };

export function SourceBadges({ sources }: { sources: PlaySource[] }) {
  return (
    <span class="sources">
      {sources.map((s) => (
        <span key={s} class={`source source-${s}`}>
          {LABELS[s]}
        </span>
      ))}
    </span>
  );
}

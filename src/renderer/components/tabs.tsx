import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';

export interface TabDef<T extends string> {
  id: T;
  label: string;
}

/**
 * WAI-ARIA tabs: Tab reaches the selected tab only, arrow keys (and Home/End)
 * move between tabs, and each panel is labelled by its tab.
 */
export function Tabs<T extends string>({ tabs, selected, onSelect, label }: { tabs: TabDef<T>[]; selected: T; onSelect: (id: T) => void; label: string }) {
  const list = useRef<HTMLDivElement>(null);
  const onKeyDown = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === selected);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length]!;
    onSelect(tab.id);
    list.current?.querySelector<HTMLElement>(`#tab-${tab.id}`)?.focus();
  };
  return (
    <div class="tabs" role="tablist" aria-label={label} ref={list} onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          aria-selected={t.id === selected}
          aria-controls={`panel-${t.id}`}
          tabIndex={t.id === selected ? 0 : -1}
          onClick={() => onSelect(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** Stays mounted while hidden, so a half-filled form survives a look at another tab. */
export function TabPanel({ id, selected, children }: { id: string; selected: boolean; children: ComponentChildren }) {
  return (
    <div role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} hidden={!selected} tabIndex={0} class="tab-panel">
      {children}
    </div>
  );
}

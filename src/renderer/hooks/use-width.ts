import { useEffect, useRef, useState } from 'preact/hooks';

/** An element's width in CSS pixels, kept current as it resizes (so SVG text is never stretched). */
export function useWidth<T extends Element>(fallback: number): [ref: { current: T | null }, width: number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver((entries) => {
      const w = Math.round(entries[0]?.contentRect.width ?? 0);
      if (w > 0) setWidth(w);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

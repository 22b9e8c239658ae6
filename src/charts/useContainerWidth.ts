/*
 * A React hook following an element's width, for charts that size
 * themselves in pixels.
 */
import * as React from 'react';

/**
 * A ref to put on a block element and the element's current content width
 * in whole pixels, followed with a ResizeObserver; `fallback` until the
 * element has a width (not yet laid out, hidden, or in a test DOM).
 */
export function useContainerWidth<T extends HTMLElement>(
  fallback: number
): [React.RefObject<T>, number] {
  const ref = React.useRef<T>(null);
  const [width, setWidth] = React.useState(0);
  React.useLayoutEffect(() => {
    const element = ref.current;
    if (element === null) {
      return;
    }
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(entries => {
      const last = entries[entries.length - 1];
      setWidth(Math.floor(last.contentRect.width));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width > 0 ? width : fallback];
}

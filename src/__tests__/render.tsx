/*
 * Test helpers: render React elements with react-dom, each update inside
 * `act` so that effects have run when it returns.
 */
import { act } from 'react';
import { createRoot, IRoot } from 'react-dom/client';

// Tell React that updates are wrapped in act() (it warns otherwise).
(
  globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

/**
 * A mounted element: its container in the document, and ways to re-render
 * and unmount it.
 */
export interface IRendered {
  container: HTMLElement;
  rerender(element: JSX.Element): void;
  unmount(): void;
}

/**
 * Mount `element` in a new container attached to the document body.
 */
export function render(element: JSX.Element): IRendered {
  const container = document.createElement('div');
  document.body.appendChild(container);
  const root: IRoot = createRoot(container);
  act(() => root.render(element));
  return {
    container,
    rerender: next => act(() => root.render(next)),
    unmount: () => {
      act(() => root.unmount());
      container.remove();
    }
  };
}

/**
 * Set an `<input>` or `<select>` value the way a user does, so React's
 * change tracking sees it, and fire the events React listens to.
 */
export function changeValue(
  element: HTMLInputElement | HTMLSelectElement,
  value: string
): void {
  const prototype = Object.getPrototypeOf(element);
  const setter = Object.getOwnPropertyDescriptor(prototype, 'value')?.set;
  act(() => {
    setter?.call(element, value);
    element.dispatchEvent(new Event('input', { bubbles: true }));
    element.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

/**
 * Let requests and renders settle (inside `act`) until `condition` holds.
 */
export async function until(
  condition: () => boolean,
  timeout = 3000
): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeout) {
      throw new Error('Timed out waiting for a condition');
    }
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 10));
    });
  }
}

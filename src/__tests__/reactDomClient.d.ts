/*
 * The part of `react-dom/client` the component tests use: the project has no
 * @types/react-dom (react-dom comes in through @jupyterlab/ui-components).
 */
declare module 'react-dom/client' {
  import { ReactNode } from 'react';

  export interface IRoot {
    render(children: ReactNode): void;
    unmount(): void;
  }

  export function createRoot(container: Element): IRoot;
}

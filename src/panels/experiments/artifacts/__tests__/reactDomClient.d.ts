// react-dom ships no types here (no @types/react-dom): the part the tests use.
declare module 'react-dom/client' {
  import { ReactNode } from 'react';
  export interface IRoot {
    render(children: ReactNode): void;
    unmount(): void;
  }
  export function createRoot(container: Element): IRoot;
}

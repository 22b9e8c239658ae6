import { nullTranslator } from '@jupyterlab/translation';
import { act } from 'react';
import * as React from 'react';

import { render } from '../../__tests__/render';
import { AutologToggleButton } from '../AutologToggle';
import { deriveAutologState, IAutologInputs } from '../state';

const trans = nullTranslator.load('jupyterlab_mlplatform');

function state(overrides: Partial<IAutologInputs> = {}) {
  return deriveAutologState({
    notebookEnabled: true,
    settingEnabled: true,
    status: null,
    kernelLanguage: 'python',
    ...overrides
  });
}

function button(container: HTMLElement): HTMLButtonElement {
  return container.querySelector('button')!;
}

describe('AutologToggleButton', () => {
  it('renders on as a pressed "Tracking on" button with a tooltip', () => {
    const onToggle = jest.fn();
    const view = render(
      <AutologToggleButton state={state()} trans={trans} onToggle={onToggle} />
    );
    const node = button(view.container);

    expect(node.textContent).toBe('Tracking on');
    expect(node.getAttribute('aria-pressed')).toBe('true');
    expect(node.hasAttribute('aria-disabled')).toBe(false);
    expect(node.title).toContain('switch it off for this notebook');
    expect(node.querySelector('svg')).not.toBeNull();

    act(() => node.click());
    expect(onToggle).toHaveBeenCalledTimes(1);
    view.unmount();
  });

  it('renders the notebook switch off as an unpressed "Tracking off"', () => {
    const onToggle = jest.fn();
    const view = render(
      <AutologToggleButton
        state={state({ notebookEnabled: false })}
        trans={trans}
        onToggle={onToggle}
      />
    );
    const node = button(view.container);

    expect(node.textContent).toBe('Tracking off');
    expect(node.getAttribute('aria-pressed')).toBe('false');
    act(() => node.click());
    expect(onToggle).toHaveBeenCalledTimes(1);
    view.unmount();
  });

  it('opens the setting instead of toggling while the setting is off', () => {
    const onToggle = jest.fn();
    const onOpenSettings = jest.fn();
    const view = render(
      <AutologToggleButton
        state={state({ settingEnabled: false })}
        trans={trans}
        onToggle={onToggle}
        onOpenSettings={onOpenSettings}
      />
    );
    const node = button(view.container);

    expect(node.textContent).toBe('Tracking off');
    expect(node.title).toContain('Click to open the setting');
    act(() => node.click());
    expect(onOpenSettings).toHaveBeenCalledTimes(1);
    expect(onToggle).not.toHaveBeenCalled();
    view.unmount();
  });

  it('is disabled, still focusable, and says why when the server switched it off', () => {
    const onToggle = jest.fn();
    const view = render(
      <AutologToggleButton
        state={state({
          status: {
            enabled: false,
            reason: 'server',
            notebook_path: null,
            experiment_name: null,
            server_enabled: false,
            reproduced_from: null
          }
        })}
        trans={trans}
        onToggle={onToggle}
      />
    );
    const node = button(view.container);

    expect(node.getAttribute('aria-disabled')).toBe('true');
    expect(node.disabled).toBe(false);
    expect(node.title).toContain('for everyone on this server');
    act(() => node.click());
    expect(onToggle).not.toHaveBeenCalled();
    view.unmount();
  });

  it('marks a switch that is not saved yet', () => {
    const view = render(
      <AutologToggleButton
        state={state({ notebookEnabled: false, unsaved: true })}
        trans={trans}
        onToggle={() => {}}
      />
    );
    expect(
      view.container.querySelector('.jp-mlp-AutologToggle-unsaved')
    ).not.toBeNull();
    // The mark is not part of the accessible name.
    expect(button(view.container).textContent).toBe('Tracking off');
    view.unmount();
  });
});

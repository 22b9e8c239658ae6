import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { autologOffIcon, autologOnIcon } from './icons';
import { NotebookAutologModel } from './model';
import { describeAutologState, IAutologState } from './state';

const TOGGLE_CLASS = 'jp-mlp-AutologToggle';
const BUTTON_CLASS = 'jp-mlp-AutologToggle-button';
const LABEL_CLASS = 'jp-mlp-AutologToggle-label';
const UNSAVED_CLASS = 'jp-mlp-AutologToggle-unsaved';

/**
 * The button of the toggle: `Tracking on` / `Tracking off`, `aria-pressed`
 * while tracking, `aria-disabled` (still focusable, so that its tooltip says
 * why) when nothing can be changed from here.
 */
export function AutologToggleButton(props: {
  state: IAutologState;
  trans: TranslationBundle;
  /** Open the user setting; without it the setting cannot be offered. */
  onOpenSettings?: (() => void) | null;
  /** Flip the notebook's switch. */
  onToggle: () => void;
}): JSX.Element {
  const { state, trans, onOpenSettings, onToggle } = props;
  const view = describeAutologState(state, trans, !!onOpenSettings);
  const Icon = view.pressed ? autologOnIcon : autologOffIcon;
  const onClick = (): void => {
    if (view.disabled) {
      return;
    }
    if (state.action === 'open-settings') {
      onOpenSettings?.();
    } else if (state.action === 'toggle') {
      onToggle();
    }
  };
  return (
    <button
      type="button"
      className={BUTTON_CLASS}
      aria-pressed={view.pressed}
      aria-disabled={view.disabled || undefined}
      title={view.tooltip}
      data-reason={state.reason ?? 'none'}
      onClick={onClick}
    >
      <Icon.react tag="span" className="jp-mlp-AutologToggle-icon" />
      <span className={LABEL_CLASS}>{view.label}</span>
      {state.unsaved && <span className={UNSAVED_CLASS} aria-hidden="true" />}
    </button>
  );
}

/**
 * The notebook toolbar item showing and switching automatic tracking for its
 * notebook. The model belongs to the notebook, not to this widget.
 */
export class AutologToggle extends ReactWidget {
  constructor(options: AutologToggle.IOptions) {
    super();
    this.model = options.model;
    this._trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this._openSettings = options.openSettings ?? null;
    this.addClass(TOGGLE_CLASS);
  }

  /** The notebook's automatic-tracking state. */
  readonly model: NotebookAutologModel;

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.stateChanged}>
        {() => (
          <AutologToggleButton
            state={this.model.state}
            trans={this._trans}
            onOpenSettings={this._openSettings}
            onToggle={() => void this.model.toggle()}
          />
        )}
      </UseSignal>
    );
  }

  private _trans: TranslationBundle;
  private _openSettings: (() => void) | null;
}

export namespace AutologToggle {
  export interface IOptions {
    model: NotebookAutologModel;
    trans?: TranslationBundle;
    /** Open the user setting (offered while it switches tracking off). */
    openSettings?: (() => void) | null;
  }
}

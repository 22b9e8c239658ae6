/*
 * Whether a notebook's training cells are tracked, from its own switch, the
 * user setting, the server's answer and the kernel; and how the toggle shows
 * it. Pure functions: the model gathers the inputs, the widget renders.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { AUTOLOG_REASONS, IAutologStatus } from '../api/autolog';

/**
 * Why tracking is off, the switch highest up first:
 * - `server`: off for everyone on the server;
 * - `setting`: off in the user setting;
 * - `kernel`: the kernel is not Python (the tracking runs in IPython);
 * - `notebook`: off in this notebook's metadata;
 * - `other`: the server says off for a reason this frontend does not know.
 */
export type AutologOffReason =
  'server' | 'setting' | 'kernel' | 'notebook' | 'other';

/**
 * What activating the toggle does.
 */
export type AutologAction = 'toggle' | 'open-settings' | 'none';

/**
 * What the state is derived from.
 */
export interface IAutologInputs {
  /** The notebook's own switch (`metadata.mlplatform.autolog !== false`). */
  notebookEnabled: boolean;
  /** The user setting `enabled`. */
  settingEnabled: boolean;
  /** The server's answer for this notebook; `null` when unknown. */
  status: IAutologStatus | null;
  /** The kernel's language; `null` when not known (no kernel yet). */
  kernelLanguage: string | null;
  /** The kernel's name as shown to the user. */
  kernelDisplayName?: string;
  /**
   * The notebook's switch differs from the saved file, which is what the
   * server reads without real-time collaboration.
   */
  unsaved?: boolean;
}

/**
 * The automatic-tracking state of one notebook.
 */
export interface IAutologState {
  /** Whether training cells run in this notebook are tracked. */
  readonly tracking: boolean;
  /** The notebook's own switch. */
  readonly notebookEnabled: boolean;
  /** Why `tracking` is false; `null` when it is true. */
  readonly reason: AutologOffReason | null;
  /** The server's own word when `reason` is `other`. */
  readonly serverReason: string | null;
  /** Whether the notebook's own switch may be changed. */
  readonly canToggle: boolean;
  /** What activating the toggle does. */
  readonly action: AutologAction;
  /** The experiment the runs go to, when the server said. */
  readonly experimentName: string | null;
  /** The notebook's switch is not saved yet (see `IAutologInputs.unsaved`). */
  readonly unsaved: boolean;
  /** The kernel's name as shown to the user. */
  readonly kernelDisplayName: string;
}

/**
 * Whether a kernel language is one automatic tracking supports. Unknown
 * (`null`: no kernel yet) counts as supported: the switch still applies once
 * a Python kernel starts.
 */
export function isTrackedLanguage(language: string | null): boolean {
  return language === null || language.trim().toLowerCase() === 'python';
}

/**
 * Derive the state of one notebook.
 *
 * The user setting and the notebook's switch are taken from the frontend
 * (they change live); the server's answer adds what only it knows: whether
 * it switched tracking off for everyone, and the experiment name.
 */
export function deriveAutologState(inputs: IAutologInputs): IAutologState {
  const { notebookEnabled, settingEnabled, status, kernelLanguage } = inputs;
  const serverOff = status !== null && status.server_enabled === false;
  const unknownServerReason =
    status !== null &&
    !status.enabled &&
    status.reason !== null &&
    !AUTOLOG_REASONS.includes(status.reason)
      ? String(status.reason)
      : null;

  let reason: AutologOffReason | null = null;
  if (serverOff || status?.reason === 'server') {
    reason = 'server';
  } else if (!settingEnabled) {
    reason = 'setting';
  } else if (!isTrackedLanguage(kernelLanguage)) {
    reason = 'kernel';
  } else if (!notebookEnabled) {
    reason = 'notebook';
  } else if (unknownServerReason !== null) {
    reason = 'other';
  }

  const canToggle = reason !== 'server' && reason !== 'kernel';
  let action: AutologAction = 'toggle';
  if (!canToggle) {
    action = 'none';
  } else if (reason === 'setting') {
    action = 'open-settings';
  }

  return {
    tracking: reason === null,
    notebookEnabled,
    reason,
    serverReason: reason === 'other' ? unknownServerReason : null,
    canToggle,
    action,
    experimentName: status?.experiment_name ?? null,
    unsaved: inputs.unsaved ?? false,
    kernelDisplayName: inputs.kernelDisplayName ?? ''
  };
}

/**
 * How the toggle shows a state.
 */
export interface IAutologView {
  /** `Tracking on` or `Tracking off`: the button's accessible name. */
  readonly label: string;
  /** What the state means and how to change it. */
  readonly tooltip: string;
  /** `aria-pressed`: tracking is on. */
  readonly pressed: boolean;
  /** The button does nothing (`aria-disabled`). */
  readonly disabled: boolean;
}

/**
 * The label, tooltip and ARIA state of the toggle for a state.
 *
 * @param canOpenSettings - Whether the settings editor is there to open.
 */
export function describeAutologState(
  state: IAutologState,
  trans: TranslationBundle,
  canOpenSettings = true
): IAutologView {
  const label = state.tracking
    ? trans.__('Tracking on')
    : trans.__('Tracking off');
  const parts: string[] = [];
  let disabled = state.action === 'none';

  switch (state.reason) {
    case null:
      parts.push(
        state.experimentName
          ? trans.__(
              'Automatic tracking is on: training cells run in this notebook are recorded as runs of the experiment “%1”.',
              state.experimentName
            )
          : trans.__(
              'Automatic tracking is on: training cells run in this notebook are recorded as runs.'
            ),
        trans.__('Click to switch it off for this notebook.')
      );
      break;
    case 'notebook':
      parts.push(
        trans.__(
          'Automatic tracking is off for this notebook (saved in its metadata).'
        ),
        trans.__('Click to switch it on.')
      );
      break;
    case 'setting':
      parts.push(
        trans.__(
          'Automatic tracking is off in your settings (ML Platform: Automatic tracking).'
        )
      );
      if (!state.notebookEnabled) {
        parts.push(trans.__('This notebook’s own switch is off too.'));
      }
      if (canOpenSettings) {
        parts.push(trans.__('Click to open the setting.'));
      } else {
        disabled = true;
      }
      break;
    case 'server':
      parts.push(
        trans.__(
          'Automatic tracking is switched off for everyone on this server (MLPlatformApp.autolog = False); ask its administrator to switch it on.'
        )
      );
      break;
    case 'kernel':
      parts.push(
        state.kernelDisplayName
          ? trans.__(
              'Automatic tracking works in Python kernels only; this notebook runs %1.',
              state.kernelDisplayName
            )
          : trans.__(
              'Automatic tracking works in Python kernels only; this notebook runs another language.'
            )
      );
      break;
    case 'other':
      parts.push(
        trans.__(
          'The server reports automatic tracking as off for this notebook (%1).',
          state.serverReason ?? ''
        ),
        state.notebookEnabled
          ? trans.__('Click to switch it off for this notebook.')
          : trans.__('Click to switch this notebook’s own switch on.')
      );
      break;
  }
  if (state.unsaved) {
    parts.push(
      trans.__(
        'Not saved yet: the kernel reads the saved notebook, so save it to apply this change.'
      )
    );
  }
  return {
    label,
    tooltip: parts.join(' '),
    pressed: state.tracking,
    disabled
  };
}

import { nullTranslator } from '@jupyterlab/translation';

import { IAutologStatus } from '../../api/autolog';
import {
  deriveAutologState,
  describeAutologState,
  IAutologInputs,
  isTrackedLanguage
} from '../state';

const trans = nullTranslator.load('jupyterlab_mlplatform');

function status(overrides: Partial<IAutologStatus> = {}): IAutologStatus {
  return {
    enabled: true,
    reason: null,
    notebook_path: 'train.ipynb',
    experiment_name: 'churn',
    server_enabled: true,
    reproduced_from: null,
    ...overrides
  };
}

function inputs(overrides: Partial<IAutologInputs> = {}): IAutologInputs {
  return {
    notebookEnabled: true,
    settingEnabled: true,
    status: null,
    kernelLanguage: 'python',
    kernelDisplayName: 'Python 3 (ipykernel)',
    ...overrides
  };
}

describe('deriveAutologState', () => {
  it('tracks when every switch is on', () => {
    const state = deriveAutologState(inputs({ status: status() }));

    expect(state).toMatchObject({
      tracking: true,
      notebookEnabled: true,
      reason: null,
      canToggle: true,
      action: 'toggle',
      experimentName: 'churn',
      unsaved: false
    });
  });

  it('works from the metadata and the setting alone without a server answer', () => {
    expect(deriveAutologState(inputs()).tracking).toBe(true);
    const off = deriveAutologState(inputs({ notebookEnabled: false }));
    expect(off).toMatchObject({
      tracking: false,
      reason: 'notebook',
      action: 'toggle',
      experimentName: null
    });
  });

  it('is off for the notebook when its metadata says so', () => {
    const state = deriveAutologState(
      inputs({ notebookEnabled: false, status: status() })
    );
    expect(state).toMatchObject({
      tracking: false,
      notebookEnabled: false,
      reason: 'notebook',
      canToggle: true,
      action: 'toggle'
    });
  });

  it('is off by the user setting, whose toggle opens the setting', () => {
    const state = deriveAutologState(inputs({ settingEnabled: false }));
    expect(state).toMatchObject({
      tracking: false,
      notebookEnabled: true,
      reason: 'setting',
      canToggle: true,
      action: 'open-settings'
    });
  });

  it('takes the live setting over a stale server reason', () => {
    const state = deriveAutologState(
      inputs({ status: status({ enabled: false, reason: 'setting' }) })
    );
    expect(state.tracking).toBe(true);
  });

  it('is off for everyone when the server says so, above every other switch', () => {
    for (const answer of [
      status({ enabled: false, reason: 'server', server_enabled: false }),
      status({ enabled: false, reason: 'server' }),
      status({ server_enabled: false })
    ]) {
      const state = deriveAutologState(
        inputs({
          status: answer,
          settingEnabled: false,
          notebookEnabled: false
        })
      );
      expect(state).toMatchObject({
        tracking: false,
        reason: 'server',
        canToggle: false,
        action: 'none'
      });
    }
  });

  it('is off in kernels that are not Python', () => {
    const state = deriveAutologState(
      inputs({ kernelLanguage: 'R', kernelDisplayName: 'R' })
    );
    expect(state).toMatchObject({
      tracking: false,
      reason: 'kernel',
      canToggle: false,
      action: 'none',
      kernelDisplayName: 'R'
    });
  });

  it('counts an unknown kernel (none yet) as Python', () => {
    expect(isTrackedLanguage(null)).toBe(true);
    expect(isTrackedLanguage('Python')).toBe(true);
    expect(isTrackedLanguage('julia')).toBe(false);
    expect(deriveAutologState(inputs({ kernelLanguage: null })).tracking).toBe(
      true
    );
  });

  it('reports a server reason it does not know as off', () => {
    const state = deriveAutologState(
      inputs({
        status: status({
          enabled: false,
          reason: 'quota' as unknown as IAutologStatus['reason']
        })
      })
    );
    expect(state).toMatchObject({
      tracking: false,
      reason: 'other',
      serverReason: 'quota',
      action: 'toggle'
    });
  });

  it('passes the unsaved flag through', () => {
    expect(deriveAutologState(inputs({ unsaved: true })).unsaved).toBe(true);
  });
});

describe('describeAutologState', () => {
  it('shows on as a pressed "Tracking on" that says how to switch it off', () => {
    const view = describeAutologState(
      deriveAutologState(inputs({ status: status() })),
      trans
    );
    expect(view.label).toBe('Tracking on');
    expect(view).toMatchObject({
      pressed: true,
      disabled: false
    });
    expect(view.tooltip).toContain('“churn”');
    expect(view.tooltip).toContain('switch it off for this notebook');
  });

  it('shows the notebook switch off as an unpressed "Tracking off"', () => {
    const view = describeAutologState(
      deriveAutologState(inputs({ notebookEnabled: false })),
      trans
    );
    expect(view.label).toBe('Tracking off');
    expect(view).toMatchObject({
      pressed: false,
      disabled: false
    });
    expect(view.tooltip).toContain('off for this notebook');
    expect(view.tooltip).toContain('Click to switch it on');
  });

  it('says the user setting is off and offers to open it', () => {
    const state = deriveAutologState(
      inputs({ settingEnabled: false, notebookEnabled: false })
    );
    const view = describeAutologState(state, trans);
    expect(view.label).toBe('Tracking off');
    expect(view.disabled).toBe(false);
    expect(view.tooltip).toContain('off in your settings');
    expect(view.tooltip).toContain('own switch is off too');
    expect(view.tooltip).toContain('Click to open the setting');

    const noEditor = describeAutologState(state, trans, false);
    expect(noEditor.disabled).toBe(true);
    expect(noEditor.tooltip).not.toContain('Click');
  });

  it('is disabled and says why when the server switched it off', () => {
    const view = describeAutologState(
      deriveAutologState(inputs({ status: status({ server_enabled: false }) })),
      trans
    );
    expect(view.label).toBe('Tracking off');
    expect(view).toMatchObject({
      pressed: false,
      disabled: true
    });
    expect(view.tooltip).toContain('for everyone on this server');
    expect(view.tooltip).toContain('MLPlatformApp.autolog');
  });

  it('is disabled and names the kernel when it is not Python', () => {
    const view = describeAutologState(
      deriveAutologState(
        inputs({ kernelLanguage: 'R', kernelDisplayName: 'R 4.3' })
      ),
      trans
    );
    expect(view.disabled).toBe(true);
    expect(view.tooltip).toContain('Python kernels only');
    expect(view.tooltip).toContain('R 4.3');
  });

  it('says when the switch is not saved yet', () => {
    const view = describeAutologState(
      deriveAutologState(inputs({ notebookEnabled: false, unsaved: true })),
      trans
    );
    expect(view.tooltip).toContain('Not saved yet');
  });
});

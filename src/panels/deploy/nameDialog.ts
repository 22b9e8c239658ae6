/*
 * The one question of a one-click deploy: the deployment's name. When the
 * name exists, the user can deploy the model as a new version of it.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { IDeployment } from '../../api/deployments';
import type { IDeployTarget, INameRequest } from './deployFlow';
import { isValidName } from './naming';

const BODY_CLASS = 'jp-mlp-DeployNameDialog';
const HINT_CLASS = 'jp-mlp-DeployNameDialog-hint';

/**
 * What to tell the user about a name as they type it.
 */
export function nameHint(
  name: string,
  existing: readonly IDeployment[],
  trans: TranslationBundle
): { text: string; invalid: boolean } {
  if (!isValidName(name)) {
    return {
      text: trans.__(
        'Use 1 to 63 lower-case letters, digits and "-", starting with a letter or digit.'
      ),
      invalid: true
    };
  }
  const same = existing.find(d => d.name === name);
  if (same) {
    return {
      text: trans.__(
        '"%1" exists (version %2): you can deploy this model as its next version.',
        name,
        same.version
      ),
      invalid: false
    };
  }
  return {
    text: trans.__('The model will be served at …/deployments/%1.', name),
    invalid: false
  };
}

/**
 * The dialog body: a name field and a hint under it.
 */
export class NameBody extends Widget implements Dialog.IBodyWidget<string> {
  constructor(options: {
    name: string;
    existing: readonly IDeployment[];
    trans: TranslationBundle;
    error?: string;
  }) {
    super();
    this.addClass(BODY_CLASS);
    this._existing = options.existing;
    this._trans = options.trans;
    const label = document.createElement('label');
    label.textContent = options.trans.__('Deployment name');
    this._input = document.createElement('input');
    this._input.className = 'jp-mod-styled';
    this._input.value = options.name;
    this._input.spellcheck = false;
    this._input.setAttribute('aria-describedby', 'jp-mlp-deploy-name-hint');
    label.appendChild(this._input);
    this._hint = document.createElement('p');
    this._hint.id = 'jp-mlp-deploy-name-hint';
    this._hint.className = HINT_CLASS;
    this._hint.setAttribute('aria-live', 'polite');
    this.node.append(label, this._hint);
    this._input.addEventListener('input', () => this._update());
    this._update(options.error);
  }

  /** The field, for focusing. */
  get input(): HTMLInputElement {
    return this._input;
  }

  getValue(): string {
    return this._input.value.trim();
  }

  private _update(error?: string): void {
    const hint = nameHint(this.getValue(), this._existing, this._trans);
    this._hint.textContent = error ?? hint.text;
    this._input.setAttribute(
      'aria-invalid',
      String(error !== undefined || hint.invalid)
    );
  }

  private _existing: readonly IDeployment[];
  private _hint: HTMLParagraphElement;
  private _input: HTMLInputElement;
  private _trans: TranslationBundle;
}

/**
 * Ask for the deployment's name; when it exists, offer to deploy as a new
 * version of it (or to choose another name). `null` when cancelled.
 */
export async function askDeployName(
  request: INameRequest
): Promise<IDeployTarget | null> {
  const { existing, run, trans } = request;
  let name = request.suggested;
  let error: string | undefined;
  for (;;) {
    const body = new NameBody({ name, existing, trans, error });
    const result = await showDialog({
      title: trans.__('Deploy %1', run.name || run.run_id),
      body,
      focusNodeSelector: 'input',
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: trans.__('Deploy') })
      ]
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    name = result.value;
    if (!isValidName(name)) {
      error = nameHint(name, existing, trans).text;
      continue;
    }
    error = undefined;
    const same = existing.find(d => d.name === name);
    if (!same) {
      return { name, mode: 'create' };
    }
    const next =
      Math.max(same.version, ...(same.versions ?? []).map(v => v.version)) + 1;
    const rename = trans.__('Choose Another Name');
    const answer = await showDialog({
      title: trans.__('"%1" exists', name),
      body: trans.__(
        '"%1" serves version %2 (run %3). Deploy this model as version %4? ' +
          'The switch has no downtime, and you can roll back.',
        name,
        same.version,
        same.run_id.slice(0, 8),
        next
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.createButton({ label: rename, accept: false }),
        Dialog.okButton({ label: trans.__('Deploy as New Version') })
      ]
    });
    if (answer.button.accept) {
      return { name, mode: 'version' };
    }
    if (answer.button.label !== rename) {
      return null;
    }
  }
}

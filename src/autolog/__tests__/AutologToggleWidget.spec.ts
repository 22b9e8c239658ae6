/*
 * The toolbar widget with a live model. No act() environment here: the
 * widget renders through Lumino messages, as in JupyterLab.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { waitFor } from '../../__tests__/fakeServer';
import { AutologToggle } from '../AutologToggle';
import { NotebookAutologModel } from '../model';
import { AutologSetting } from '../setting';
import { FakeContext } from './fakeNotebook';

const trans = nullTranslator.load('jupyterlab_mlplatform');

describe('AutologToggle', () => {
  it('re-renders when the notebook metadata or the setting change', async () => {
    const context = new FakeContext();
    const setting = new AutologSetting();
    const model = new NotebookAutologModel({ context, setting });
    const widget = new AutologToggle({ model, trans, openSettings: () => {} });
    Widget.attach(widget, document.body);
    const label = () => widget.node.querySelector('button')?.textContent;

    await waitFor(() => label() === 'Tracking on');
    expect(widget.hasClass('jp-mlp-AutologToggle')).toBe(true);

    context.model.sharedModel.setMetadata('mlplatform', { autolog: false });
    await waitFor(() => label() === 'Tracking off');

    context.model.deleteMetadata('mlplatform');
    await waitFor(() => label() === 'Tracking on');

    setting.set(false);
    await waitFor(() => label() === 'Tracking off');
    expect(widget.node.querySelector('button')!.title).toContain(
      'off in your settings'
    );

    widget.dispose();
    model.dispose();
    setting.dispose();
    context.dispose();
  });

  it('toggles and saves the notebook when clicked', async () => {
    const context = new FakeContext();
    const setting = new AutologSetting();
    const model = new NotebookAutologModel({ context, setting });
    const widget = new AutologToggle({ model, trans });
    Widget.attach(widget, document.body);
    await waitFor(() => widget.node.querySelector('button') !== null);

    widget.node.querySelector('button')!.click();

    await waitFor(() => context.saves.length === 1);
    expect(context.model.getMetadata('mlplatform')).toEqual({ autolog: false });
    await waitFor(
      () =>
        widget.node.querySelector('button')!.getAttribute('aria-pressed') ===
        'false'
    );

    widget.dispose();
    model.dispose();
    setting.dispose();
    context.dispose();
  });
});

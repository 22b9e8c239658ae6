import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';

import { changeValue, IRendered, render } from '../../../__tests__/render';
import { ColumnChooser } from '../components/ColumnChooser';

const trans = nullTranslator.load('jupyterlab_mlplatform');

describe('ColumnChooser', () => {
  let rendered: IRendered;
  const onToggle = jest.fn();
  const onTogglePinned = jest.fn();

  beforeEach(() => {
    onToggle.mockClear();
    onTogglePinned.mockClear();
    rendered = render(
      <ColumnChooser
        keys={{ params: ['lr'], metrics: ['acc', 'val loss'], tags: ['stage'] }}
        visible={['attributes.run_name', 'metrics.acc']}
        isPinned={id => id === 'metrics.acc'}
        onToggle={onToggle}
        onTogglePinned={onTogglePinned}
        onReset={jest.fn()}
        trans={trans}
      />
    );
    act(() =>
      rendered.container.querySelector<HTMLButtonElement>('button')!.click()
    );
  });

  afterEach(() => rendered.unmount());

  const item = (label: string) =>
    [...rendered.container.querySelectorAll('.jp-mlp-ColumnChooser-item')].find(
      el => el.querySelector('label')!.textContent === label
    )!;

  it('lists attributes and every key, ticking the visible ones', () => {
    const legends = [...rendered.container.querySelectorAll('legend')].map(
      l => l.textContent
    );
    expect(legends).toEqual(['Attributes', 'Metrics', 'Params', 'Tags']);
    expect(item('acc').querySelector('input')!.checked).toBe(true);
    expect(item('val loss').querySelector('input')!.checked).toBe(false);
  });

  it('shows, hides and pins columns', () => {
    act(() => item('val loss').querySelector('input')!.click());
    expect(onToggle).toHaveBeenCalledWith('metrics.val loss');
    const pin = item('acc').querySelector('button')!;
    expect(pin.getAttribute('aria-pressed')).toBe('true');
    act(() => pin.click());
    expect(onTogglePinned).toHaveBeenCalledWith('metrics.acc');
    // A hidden column cannot be pinned.
    expect(item('lr').querySelector('button')!.disabled).toBe(true);
  });

  it('finds columns by name', () => {
    changeValue(
      rendered.container.querySelector<HTMLInputElement>('input[type=search]')!,
      'sta'
    );
    const labels = [
      ...rendered.container.querySelectorAll('.jp-mlp-ColumnChooser-item label')
    ].map(l => l.textContent);
    expect(labels).toEqual(['Status', 'Started', 'stage']);
  });
});

import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';

import { ChartControls, IChartSettings } from '../ChartControls';
import { changeValue, IRendered, render } from '../../__tests__/render';

const trans = nullTranslator.load('jupyterlab_mlplatform');
const settings: IChartSettings = {
  xAxis: 'step',
  logScale: false,
  smoothing: 0
};

describe('ChartControls', () => {
  let onChange: jest.Mock<void, [IChartSettings]>;
  let rendered: IRendered;

  beforeEach(() => {
    onChange = jest.fn();
    rendered = render(
      <ChartControls settings={settings} onChange={onChange} trans={trans} />
    );
  });

  afterEach(() => rendered.unmount());

  function query<T extends Element>(selector: string): T {
    const element = rendered.container.querySelector<T>(selector);
    expect(element).not.toBeNull();
    return element!;
  }

  it('shows the current settings, each control with a label', () => {
    const select = query<HTMLSelectElement>('select');
    expect(select.value).toBe('step');
    expect(Array.from(select.options).map(o => o.textContent)).toEqual([
      'Step',
      'Time',
      'Relative time'
    ]);
    expect(select.closest('label')?.textContent).toContain('X axis');
    const checkbox = query<HTMLInputElement>('input[type="checkbox"]');
    expect(checkbox.checked).toBe(false);
    expect(checkbox.closest('label')?.textContent).toContain('Log scale');
    const slider = query<HTMLInputElement>('input[type="range"]');
    const label = query<HTMLLabelElement>(`label[for="${slider.id}"]`);
    expect(label.textContent).toBe('Smoothing');
    expect(query('output').textContent).toBe('0.00');
  });

  it('reports a new x axis', () => {
    changeValue(query<HTMLSelectElement>('select'), 'relative');
    expect(onChange).toHaveBeenLastCalledWith({
      ...settings,
      xAxis: 'relative'
    });
  });

  it('reports the log scale toggled', () => {
    act(() => query<HTMLInputElement>('input[type="checkbox"]').click());
    expect(onChange).toHaveBeenLastCalledWith({ ...settings, logScale: true });
  });

  it('reports a new smoothing weight, at most 0.99', () => {
    const slider = query<HTMLInputElement>('input[type="range"]');
    changeValue(slider, '0.6');
    expect(onChange).toHaveBeenLastCalledWith({ ...settings, smoothing: 0.6 });
    expect(slider.max).toBe('0.99');
  });

  it('shows the smoothing value it is given', () => {
    rendered.rerender(
      <ChartControls
        settings={{ ...settings, smoothing: 0.85 }}
        onChange={onChange}
        trans={trans}
      />
    );
    expect(query('output').textContent).toBe('0.85');
    expect(query<HTMLInputElement>('input[type="range"]').value).toBe('0.85');
  });
});

import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';

import { changeValue, IRendered, render } from '../../../__tests__/render';
import { FilterBox } from '../components/FilterBox';

const trans = nullTranslator.load('jupyterlab_mlplatform');
const keys = { params: ['model'], metrics: ['acc', 'loss'], tags: [] };

describe('FilterBox', () => {
  let rendered: IRendered;
  let onApply: jest.Mock<void, [string]>;

  afterEach(() => rendered.unmount());

  const input = () =>
    rendered.container.querySelector<HTMLInputElement>('input')!;
  const options = () =>
    [...rendered.container.querySelectorAll('[role=option]')].map(
      o => o.textContent
    );
  const press = (key: string) =>
    act(() => {
      input().dispatchEvent(
        new KeyboardEvent('keydown', { key, bubbles: true })
      );
    });

  beforeEach(() => {
    onApply = jest.fn();
    rendered = render(
      <FilterBox
        value=""
        keys={keys}
        error={null}
        onApply={onApply}
        trans={trans}
      />
    );
  });

  it('lists matching keys, and Tab takes the highlighted one', () => {
    input().focus();
    changeValue(input(), 'metrics.');
    expect(options()).toEqual(['metrics.acc', 'metrics.loss']);
    press('ArrowDown');
    press('Tab');
    expect(input().value).toBe('metrics.loss ');
    expect(options()).toEqual([]);
  });

  it('applies on Enter, even with the list open', () => {
    changeValue(input(), 'metrics.a');
    expect(options()).toEqual(['metrics.acc']);
    press('Enter');
    expect(onApply).toHaveBeenCalledWith('metrics.a');
  });

  it('takes a completion with arrows then Enter', () => {
    changeValue(input(), 'metrics.');
    press('ArrowDown');
    press('ArrowUp');
    press('Enter');
    expect(input().value).toBe('metrics.acc ');
    expect(onApply).not.toHaveBeenCalled();
  });

  it('clears with Escape', () => {
    changeValue(input(), 'params.model = 1');
    press('Escape');
    expect(input().value).toBe('');
    expect(onApply).toHaveBeenCalledWith('');
  });

  it('marks where a bad filter is wrong', () => {
    rendered.unmount();
    rendered = render(
      <FilterBox
        value="metrics.acc >"
        keys={keys}
        error={{ message: "expected a value after '>'", position: 12 }}
        onApply={onApply}
        trans={trans}
      />
    );
    const alert = rendered.container.querySelector('[role=alert]')!;
    expect(alert.textContent).toContain("expected a value after '>'");
    expect(alert.querySelector('mark')!.textContent).toBe('>');
    expect(input().getAttribute('aria-invalid')).toBe('true');
  });
});

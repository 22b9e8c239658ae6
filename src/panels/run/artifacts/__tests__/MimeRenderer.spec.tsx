import {
  RenderMimeRegistry,
  standardRendererFactories
} from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import * as React from 'react';
import { act } from 'react';
import { createRoot, IRoot } from 'react-dom/client';

import { MimeRenderer } from '../MimeRenderer';

(
  globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

const trans = nullTranslator.load('jupyterlab_mlplatform');

describe('MimeRenderer', () => {
  let host: HTMLDivElement;
  let root: IRoot;

  beforeEach(() => {
    host = document.createElement('div');
    document.body.appendChild(host);
    root = createRoot(host);
  });

  afterEach(() => {
    act(() => root.unmount());
    host.remove();
  });

  it('disposes the renderer when the data changes and on unmount', async () => {
    const renderers: Widget[] = [];
    class Recorder extends Widget implements IRenderMime.IRenderer {
      constructor() {
        super();
        renderers.push(this);
      }
      async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
        this.node.textContent = String(model.data['text/x-test']);
      }
    }
    const rendermime = new RenderMimeRegistry();
    rendermime.addFactory({
      safe: true,
      mimeTypes: ['text/x-test'],
      createRenderer: () => new Recorder()
    });
    const show = (data: string) =>
      act(async () => {
        root.render(
          <MimeRenderer
            rendermime={rendermime}
            mimeType="text/x-test"
            data={data}
          />
        );
      });

    await show('first');
    expect(host.textContent).toBe('first');
    await show('second');
    expect(host.textContent).toBe('second');
    expect(renderers.map(r => r.isDisposed)).toEqual([true, false]);

    act(() => root.unmount());
    expect(renderers[1].isDisposed).toBe(true);
    root = createRoot(host);
  });

  it('shows data of a MIME type without a renderer as text', async () => {
    const rendermime = new RenderMimeRegistry({
      initialFactories: standardRendererFactories
    });
    await act(async () => {
      root.render(
        <MimeRenderer
          rendermime={rendermime}
          mimeType="application/vnd.plotly.v1+json"
          data={{ data: [] }}
        />
      );
    });

    expect(host.querySelector('pre')!.textContent).toBe(
      JSON.stringify({ data: [] }, null, 2)
    );
  });

  it('joins multiline (nbformat) text before rendering it', async () => {
    const rendermime = new RenderMimeRegistry({
      initialFactories: standardRendererFactories
    });
    await act(async () => {
      root.render(
        <MimeRenderer
          rendermime={rendermime}
          mimeType="text/plain"
          data={['line 1\n', 'line 2']}
        />
      );
    });

    expect(host.querySelector('.jp-RenderedText')!.textContent).toBe(
      'line 1\nline 2'
    );
  });

  it('shows a rendering failure in place', async () => {
    class Failing extends Widget implements IRenderMime.IRenderer {
      async renderModel(): Promise<void> {
        throw new Error('renderer exploded');
      }
    }
    const rendermime = new RenderMimeRegistry();
    rendermime.addFactory({
      safe: true,
      mimeTypes: ['text/x-broken'],
      createRenderer: () => new Failing()
    });
    await act(async () => {
      root.render(
        <MimeRenderer
          rendermime={rendermime}
          mimeType="text/x-broken"
          data="x"
          trans={trans}
        />
      );
    });

    expect(host.querySelector('[role="alert"]')!.textContent).toContain(
      'renderer exploded'
    );
  });
});

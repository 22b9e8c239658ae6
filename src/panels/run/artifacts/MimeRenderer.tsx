import {
  imageRendererFactory,
  IRenderMimeRegistry,
  MimeModel
} from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import {
  ReadonlyPartialJSONObject,
  ReadonlyPartialJSONValue
} from '@lumino/coreutils';
import * as React from 'react';

import { toBase64 } from './fetchArtifact';

const MIME_RENDERER_CLASS = 'jp-mlp-MimeRenderer';
const FALLBACK_CLASS = 'jp-mlp-MimeRenderer-fallback';
const ERROR_CLASS = 'jp-mlp-MimeRenderer-error';

const SVG_MIME_TYPE = 'image/svg+xml';

export interface IMimeRendererProps {
  rendermime: IRenderMimeRegistry;
  mimeType: string;
  /**
   * The data of `mimeType` as in a notebook output's mime bundle: text for
   * text types and SVG, base64 for raster images, a JSON value for JSON types.
   */
  data: ReadonlyPartialJSONValue;
  /** The metadata of `mimeType` (e.g. an image's `width`). */
  metadata?: ReadonlyPartialJSONObject;
  trans?: TranslationBundle;
  className?: string;
}

/**
 * Render one MIME type's data with JupyterLab's renderers, always untrusted:
 * HTML and Markdown are sanitized, scripts never run.
 *
 * SVG is drawn by the `image/*` renderer from a data URL (the SVG renderer
 * refuses untrusted data, and an `<img>` cannot run the SVG's scripts). A MIME
 * type without a renderer in the registry is shown as text.
 *
 * Memoize `data` and `metadata`: the renderer is recreated when they change.
 */
export function MimeRenderer(props: IMimeRendererProps): JSX.Element {
  const { rendermime, mimeType, data, metadata } = props;
  const trans = props.trans ?? nullTranslator.load('jupyterlab_mlplatform');
  const host = React.useRef<HTMLDivElement>(null);
  const [error, setError] = React.useState<string | null>(null);
  const supported =
    mimeType === SVG_MIME_TYPE || rendermime.getFactory(mimeType) !== undefined;

  React.useEffect(() => {
    const container = host.current;
    if (!supported || !container) {
      return;
    }
    setError(null);
    let renderer: IRenderMime.IRenderer;
    let model: MimeModel;
    try {
      renderer = Private.createRenderer(rendermime, mimeType);
      model = new MimeModel({
        data: { [mimeType]: Private.normalize(mimeType, data) },
        metadata: metadata ? { [mimeType]: metadata } : {},
        trusted: false
      });
    } catch (reason) {
      setError(Private.describe(reason));
      return;
    }
    let disposed = false;
    // Plain DOM insertion: React, not Lumino, owns the container, and may
    // remove it before this effect is cleaned up.
    container.appendChild(renderer.node);
    renderer.renderModel(model).catch((reason: unknown) => {
      if (!disposed) {
        setError(Private.describe(reason));
      }
    });
    return () => {
      disposed = true;
      renderer.node.remove();
      renderer.dispose();
    };
  }, [rendermime, mimeType, data, metadata, supported]);

  const className = props.className
    ? `${MIME_RENDERER_CLASS} ${props.className}`
    : MIME_RENDERER_CLASS;
  if (!supported) {
    return (
      <div className={className}>
        <pre className={FALLBACK_CLASS}>{Private.asText(data)}</pre>
      </div>
    );
  }
  return (
    <div className={className}>
      {error !== null && (
        <p className={ERROR_CLASS} role="alert">
          {trans.__('Could not render %1: %2', mimeType, error)}
        </p>
      )}
      <div ref={host} />
    </div>
  );
}

namespace Private {
  export function createRenderer(
    rendermime: IRenderMimeRegistry,
    mimeType: string
  ): IRenderMime.IRenderer {
    if (mimeType === SVG_MIME_TYPE) {
      return imageRendererFactory.createRenderer({
        mimeType,
        sanitizer: rendermime.sanitizer,
        resolver: rendermime.resolver,
        linkHandler: rendermime.linkHandler,
        latexTypesetter: rendermime.latexTypesetter,
        markdownParser: rendermime.markdownParser
      });
    }
    return rendermime.createRenderer(mimeType);
  }

  /**
   * The data as the renderer of `mimeType` takes it: lines (nbformat's
   * multiline strings) joined, except for JSON types; SVG as UTF-8 base64.
   */
  export function normalize(
    mimeType: string,
    data: ReadonlyPartialJSONValue
  ): ReadonlyPartialJSONValue {
    if (mimeType === SVG_MIME_TYPE) {
      return toBase64(new TextEncoder().encode(asText(data)));
    }
    if (isJSONType(mimeType) || !Array.isArray(data)) {
      return data;
    }
    return asText(data);
  }

  function isJSONType(mimeType: string): boolean {
    return mimeType === 'application/json' || mimeType.endsWith('+json');
  }

  export function asText(data: ReadonlyPartialJSONValue): string {
    if (typeof data === 'string') {
      return data;
    }
    if (Array.isArray(data) && data.every(line => typeof line === 'string')) {
      return data.join('');
    }
    return JSON.stringify(data, null, 2);
  }

  export function describe(reason: unknown): string {
    return reason instanceof Error ? reason.message : String(reason);
  }
}

/*
 * Download one artifact file for a preview, never more than a byte limit.
 *
 * The request goes through `requestRaw` (`TrackingClient.getArtifactResponse`)
 * like every other: `requestAPI` would read the whole body as text, while a
 * preview needs the raw bytes and must stop reading once the limit is passed.
 */
import { APIError } from '../../../api/request';
import { TrackingClient } from '../../../api/tracking';

export type FetchedArtifact =
  | {
      status: 'ok';
      bytes: Uint8Array;
      /** The `Content-Type` the server sent (`''` when absent). */
      contentType: string;
    }
  | {
      status: 'too-large';
      /** The size announced by `Content-Length`, or `null` when the body ran over. */
      size: number | null;
    }
  | {
      status: 'error';
      /** The server's `message` (as `APIError` reads it for every other
       * request), or a description of the failure. */
      message: string;
      /** The HTTP status, absent for network failures. */
      httpStatus?: number;
    };

export interface IFetchArtifactOptions {
  /** Stop and report `too-large` past this many bytes. */
  maxBytes: number;
  /** Aborts the download (the promise then resolves with an `error`). */
  signal?: AbortSignal;
}

/**
 * Fetch `GET runs/{runId}/artifacts/{path}`, reading at most
 * `options.maxBytes` bytes of the body.
 *
 * Never rejects: HTTP and network failures resolve with `status: 'error'`.
 */
export async function fetchArtifact(
  client: TrackingClient,
  runId: string,
  path: string,
  options: IFetchArtifactOptions
): Promise<FetchedArtifact> {
  const { maxBytes, signal } = options;
  let response: Response;
  try {
    response = await client.getArtifactResponse(runId, path, { signal });
  } catch (error) {
    return { status: 'error', message: Private.describe(error) };
  }

  try {
    if (!response.ok) {
      return {
        status: 'error',
        message: (await APIError.fromResponse(response)).message,
        httpStatus: response.status
      };
    }
    const announced = Number(response.headers.get('Content-Length'));
    if (announced > maxBytes) {
      await response.body?.cancel();
      return { status: 'too-large', size: announced };
    }
    const bytes = await Private.readAtMost(response, maxBytes);
    if (bytes === null) {
      return { status: 'too-large', size: null };
    }
    return {
      status: 'ok',
      bytes,
      contentType: response.headers.get('Content-Type') ?? ''
    };
  } catch (error) {
    return { status: 'error', message: Private.describe(error) };
  }
}

/**
 * The bytes decoded as UTF-8 (invalid sequences become U+FFFD).
 */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * The bytes encoded as base64, as the `image/*` renderers expect.
 */
export function toBase64(bytes: Uint8Array): string {
  // `String.fromCharCode` takes its arguments on the stack: go in chunks.
  const chunk = 0x8000;
  let binary = '';
  for (let start = 0; start < bytes.length; start += chunk) {
    binary += String.fromCharCode(...bytes.subarray(start, start + chunk));
  }
  return btoa(binary);
}

namespace Private {
  /**
   * The whole body, or `null` as soon as it exceeds `maxBytes` (the rest is
   * not downloaded).
   */
  export async function readAtMost(
    response: Response,
    maxBytes: number
  ): Promise<Uint8Array | null> {
    if (!response.body) {
      const buffer = new Uint8Array(await response.arrayBuffer());
      return buffer.length > maxBytes ? null : buffer;
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        return null;
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return bytes;
  }

  export function describe(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }
}

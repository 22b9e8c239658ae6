/*
 * The one place the frontend talks HTTP to the server extension.
 *
 * Every typed client in `src/api/` goes through `requestAPI` (or `requestRaw`
 * when it needs the response itself); nothing else calls
 * `ServerConnection.makeRequest`.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * Path segments of the REST API below the server's base URL.
 */
export const API_PATH = ['mlplatform', 'api'] as const;

/**
 * The absolute URL of an API endpoint.
 *
 * @param endPoint - Path below `{baseUrl}mlplatform/api/`, already URL-encoded,
 *   optionally followed by a query string.
 * @param serverSettings - The server connection settings.
 */
export function apiUrl(
  endPoint: string,
  serverSettings: ServerConnection.ISettings
): string {
  return URLExt.join(serverSettings.baseUrl, ...API_PATH, endPoint);
}

/**
 * Call the REST API of the server extension.
 *
 * @param endPoint - Path below `{baseUrl}mlplatform/api/`, already URL-encoded,
 *   optionally followed by a query string.
 * @param init - The request options (method, body, headers...).
 * @param serverSettings - The server connection settings.
 * @returns The parsed JSON body, or `undefined` for an empty body (204).
 *
 * @throws {APIError} When the server answers with an error status; its
 *   `message` is the server's JSON `message` when there is one, and `details`
 *   says where a search expression is wrong.
 * @throws {ServerConnection.NetworkError} When the server cannot be reached.
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit,
  serverSettings: ServerConnection.ISettings
): Promise<T> {
  const response = await requestRaw(endPoint, init, serverSettings);
  if (!response.ok) {
    throw await APIError.fromResponse(response);
  }
  const text = await response.text();
  if (text.length === 0) {
    return undefined as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ServerConnection.ResponseError(
      response,
      `Invalid JSON in the response to ${endPoint}`
    );
  }
}

/**
 * Call the REST API with an optional JSON body (`undefined`: none) and parse
 * the JSON answer: the one request shape of the typed clients.
 *
 * @throws {APIError} As `requestAPI`.
 */
export function requestJSON<T>(
  endPoint: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  body: unknown,
  serverSettings: ServerConnection.ISettings
): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  return requestAPI<T>(endPoint, init, serverSettings);
}

/**
 * Call the REST API of the server extension and return the response as it
 * is, whatever its status: for callers that need more than a JSON body (the
 * status of an error answer, a file and its headers).
 *
 * @param endPoint - Path below `{baseUrl}mlplatform/api/`, already URL-encoded,
 *   optionally followed by a query string.
 * @param init - The request options; a string body is sent as JSON unless
 *   a `Content-Type` is given.
 * @param serverSettings - The server connection settings.
 *
 * @throws {ServerConnection.NetworkError} When the server cannot be reached.
 */
export function requestRaw(
  endPoint: string,
  init: RequestInit,
  serverSettings: ServerConnection.ISettings
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (typeof init.body === 'string' && !headers.has('Content-Type')) {
    headers.set('Content-Type', 'application/json');
  }
  return ServerConnection.makeRequest(
    apiUrl(endPoint, serverSettings),
    { ...init, headers },
    serverSettings
  );
}

/**
 * Where a search expression (`filter` or one `order_by` item) is wrong.
 */
export interface IErrorDetails {
  /** `filter` or `order_by[i]`. */
  field?: string;
  /** 0-based character position in that string. */
  position?: number;
  /** The reason without the position and excerpt. */
  reason?: string;
  /** For `order_by` items: which one. */
  index?: number;
}

/**
 * An error answer of the server extension: `{"message", "reason", "details"}`.
 */
export class APIError extends ServerConnection.ResponseError {
  constructor(response: Response, data: unknown) {
    super(response, Private.errorMessage(data), Private.errorTraceback(data));
    this.details = Private.errorDetails(data);
  }

  /**
   * The error of an error answer, read from its body (JSON, else text).
   */
  static async fromResponse(response: Response): Promise<APIError> {
    const text = await response.text();
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    return new APIError(response, data);
  }

  /** Machine-readable facts about the error, when the server sent them. */
  readonly details: IErrorDetails | null;
}

namespace Private {
  function field(data: unknown, name: string): string | undefined {
    if (data !== null && typeof data === 'object' && name in data) {
      const value = (data as Record<string, unknown>)[name];
      if (typeof value === 'string' && value.length > 0) {
        return value;
      }
    }
    return undefined;
  }

  /**
   * The server's message: `{"message": ...}` from `APIHandler.write_error`,
   * or `undefined` to let `ResponseError` use its status-line default.
   */
  export function errorMessage(data: unknown): string | undefined {
    return field(data, 'message') ?? field(data, 'reason');
  }

  export function errorTraceback(data: unknown): string | undefined {
    return field(data, 'traceback');
  }

  export function errorDetails(data: unknown): IErrorDetails | null {
    if (data !== null && typeof data === 'object' && 'details' in data) {
      const details = (data as { details: unknown }).details;
      if (details !== null && typeof details === 'object') {
        return details as IErrorDetails;
      }
    }
    return null;
  }
}

/**
 * Reads the node's JSON API (same origin only). An answer that is not 2xx
 * becomes an {@link ApiError} carrying the server's `{ error }` text, so views
 * show it rather than swallow it.
 */

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  if (!path.startsWith('/')) throw new Error(`the inspector reads its own origin only, not ${path}`);
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin', ...(signal ? { signal } : {}) });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, `the node did not answer ${path}: ${(error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    throw new ApiError(response.status, `${path} answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok) {
    const message = body !== null && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : response.statusText;
    throw new ApiError(response.status, `${response.status} ${message}`);
  }
  return body as T;
}

/** The path of one actor's detail: the id is encoded once more as a whole (see api.ts). */
export const actorPath = (id: string): string => `/api/actors/${encodeURIComponent(id)}`;
export const machinePath = (machineId: string): string => `/api/machines/${encodeURIComponent(machineId)}`;
export const historyPath = (stage: string, partition: number, seq?: number): string =>
  `/api/partitions/${encodeURIComponent(stage)}/${partition}/history${seq === undefined ? '' : `/${seq}`}`;

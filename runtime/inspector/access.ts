/**
 * Who may read a node's inspector. On loopback, anyone on the machine (as
 * with a database's local socket); on any other address, only requests that
 * carry the token, compared in constant time. A token can also be required
 * on loopback. Requests must name the server's own host (no DNS rebinding)
 * and WebSockets must come from its own page (no cross-site hijacking).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConfigError } from '../../protocols/errors.ts';

/** The cookie the server sets once the page was opened with `?token=`. */
export const TOKEN_COOKIE = 'eventide_token';

/** Whether `host` (as given to `--inspect`) is a loopback address. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** `HOST:PORT`, `[::1]:PORT` or `PORT` (loopback) taken apart; throws ConfigError for anything else. */
export function parseInspectAddress(address: string): { host: string; port: number } {
  const match = /^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/.exec(address.trim());
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port > 65_535) {
    throw new ConfigError(`--inspect '${address}' is not HOST:PORT (for example 127.0.0.1:7070, or 127.0.0.1:0 for a free port)`);
  }
  const host = (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  return { host, port };
}

export class InspectorAccess {
  readonly #digest: Buffer | null;
  readonly #loopback: boolean;

  /** Throws ConfigError when `host` is not loopback and there is no token. */
  constructor(host: string, token: string | undefined) {
    this.#loopback = isLoopbackHost(host);
    if (token !== undefined && token.length < 16) throw new ConfigError('the inspector token must be at least 16 characters');
    if (!this.#loopback && token === undefined) {
      throw new ConfigError(
        `refusing to serve the inspector on ${host} without a token: anyone who reaches that address could read every actor's state. ` +
          'Pass --inspect-token <token> or set EVENTIDE_INSPECT_TOKEN, or bind to 127.0.0.1',
      );
    }
    this.#digest = token === undefined ? null : digest(token);
  }

  /** Whether requests must carry the token. */
  get requiresToken(): boolean {
    return this.#digest !== null;
  }

  /** Whether this token is the right one (constant time). */
  accepts(token: string | null | undefined): boolean {
    if (this.#digest === null) return true;
    if (token === null || token === undefined || token === '') return false;
    return timingSafeEqual(digest(token), this.#digest);
  }

  /** Whether a request may be answered: the token (header or cookie) and, on loopback, a loopback Host. */
  allows(request: IncomingMessage, queryToken?: string | null): boolean {
    if (this.#loopback && !isLoopbackHost(hostOf(request.headers.host))) return false;
    if (this.#digest === null) return true;
    return this.accepts(bearer(request) ?? cookie(request, TOKEN_COOKIE) ?? queryToken);
  }

  /** Whether a WebSocket upgrade may proceed: as `allows`, and from this server's own page. */
  allowsUpgrade(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${request.headers.host ?? ''}`) return false;
    return this.allows(request);
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function hostOf(header: string | undefined): string {
  if (header === undefined) return '';
  return header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0]!;
}

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') === true ? header.slice('Bearer '.length).trim() : undefined;
}

function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

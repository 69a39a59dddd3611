/**
 * Who may read a node's inspector. On loopback, anyone on the machine (as
 * with a database's local socket); on any other address, only requests that
 * carry the token, compared in constant time. A token can also be required
 * on loopback. Requests must name the server's own host (no DNS rebinding)
 * and WebSockets must come from its own page (no cross-site hijacking).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConfigError } from '../../protocols/errors.ts';

/** The cookie the server sets once the page was opened with `?token=`. */
export const TOKEN_COOKIE = 'eventide_token';

/**
 * The header a node signs its requests to a peer's inspector with: the time
 * and an HMAC of the time and path under the shared token, so the token
 * itself is never sent to an address some group member advertised.
 */
export const PEER_SIGNATURE_HEADER = 'x-eventide-peer';

/** How far a peer's signed time may be from this node's clock. */
const PEER_SIGNATURE_WINDOW_MS = 30_000;

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
  readonly #token: string | undefined;
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
    this.#token = token;
  }

  /** The signature header for a request to a peer's `path`, or none without a token. */
  signPeerRequest(path: string, now: number): Record<string, string> {
    if (this.#token === undefined) return {};
    return { [PEER_SIGNATURE_HEADER]: `${now}.${peerHmac(this.#token, now, path)}` };
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

  /**
   * Whether a request may be answered: on loopback, only with a loopback
   * Host; with a token, when any of the bearer header, the cookie, `?token=`
   * or a peer's signature of `path` is right (a stale cookie does not hide a
   * good token in the link).
   */
  allows(request: IncomingMessage, queryToken?: string | null, path?: string, now: number = Date.now()): boolean {
    if (this.#loopback && !isLoopbackHost(hostOf(request.headers.host))) return false;
    if (this.#digest === null) return true;
    if ([bearer(request), cookie(request, TOKEN_COOKIE), queryToken].some((token) => this.accepts(token))) return true;
    const signature = request.headers[PEER_SIGNATURE_HEADER];
    return path !== undefined && typeof signature === 'string' && this.#acceptsSignature(signature, path, now);
  }

  #acceptsSignature(signature: string, path: string, now: number): boolean {
    const [timeText, mac] = signature.split('.');
    const time = Number(timeText);
    if (!Number.isSafeInteger(time) || mac === undefined || Math.abs(now - time) > PEER_SIGNATURE_WINDOW_MS) return false;
    const expected = Buffer.from(peerHmac(this.#token!, time, path), 'hex');
    const given = Buffer.from(mac, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Whether a WebSocket upgrade may proceed: as `allows`, and from this server's own page. */
  allowsUpgrade(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${request.headers.host ?? ''}`) return false;
    return this.allows(request);
  }
}

function peerHmac(token: string, time: number, path: string): string {
  return createHmac('sha256', token).update(`${time}\n${path}`, 'utf8').digest('hex');
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

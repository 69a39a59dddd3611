import { EventideError, ProducerFencedError, RecordTooLargeError, TransportUnavailableError } from '../../protocols/errors.ts';

/** Protocol errors meaning a newer producer took the transactional id over. */
const FENCING_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING']);

/**
 * The broker refused this client's SASL credentials (kafkajs's
 * KafkaJSSASLAuthenticationError). Recover: fix the username, password or
 * mechanism; trying again with the same ones cannot succeed. The message
 * never holds the password: kafkajs's own text does not carry it.
 */
export class SaslAuthenticationError extends EventideError {
  /** What the client library or the broker said, e.g. `SASL SCRAM SHA512 authentication failed: ...invalid credentials...`. */
  readonly reason: string;

  constructor(message: string, reason: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * The TLS handshake with a broker failed: its certificate is not signed by a
 * CA this client trusts, is not for the address connected to, has expired, or
 * the port does not speak TLS. Recover: trust the CA that signed the broker's
 * certificate (Node TLS option `ca`) or connect to the TLS listener; trying
 * again cannot succeed.
 */
export class TlsHandshakeError extends EventideError {
  /** Node's code for the failure, e.g. `SELF_SIGNED_CERT_IN_CHAIN`, `ERR_TLS_CERT_ALTNAME_INVALID`. */
  readonly code: string;
  /** Node's words for it, e.g. `self-signed certificate in certificate chain`. */
  readonly reason: string;
  /** The broker whose handshake failed, `host:port`, when kafkajs named it. */
  readonly broker: string | undefined;

  constructor(message: string, failure: { code: string; reason: string; broker: string | undefined }, options: { cause?: unknown } = {}) {
    super(message, options);
    this.code = failure.code;
    this.reason = failure.reason;
    this.broker = failure.broker;
  }
}

/** Node's codes for certificates it does not accept (OpenSSL's X509 verify errors) and for TLS spoken to something else. */
const TLS_FAILURE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const isTlsFailureCode = (code: string): boolean => TLS_FAILURE_CODES.has(code) || code.startsWith('ERR_SSL_');

interface KafkaJsErrorShape {
  readonly name?: string;
  readonly type?: string;
  readonly code?: unknown;
  readonly broker?: unknown;
  readonly message?: string;
  readonly retriable?: boolean;
  readonly cause?: unknown;
  readonly originalError?: unknown;
  readonly errors?: readonly unknown[];
}

/** The error and every error it wraps (kafkajs nests them in `cause`, `originalError` and `errors`). */
function* chain(error: unknown, depth = 0): Generator<KafkaJsErrorShape> {
  if (error === null || typeof error !== 'object' || depth > 6) return;
  const shape = error as KafkaJsErrorShape;
  yield shape;
  yield* chain(shape.cause, depth + 1);
  yield* chain(shape.originalError, depth + 1);
  for (const inner of shape.errors ?? []) yield* chain(inner, depth + 1);
}

/** Whether kafkajs reports that this producer was fenced by a newer one. */
export function isKafkaFencing(error: unknown): boolean {
  for (const link of chain(error)) if (link.type !== undefined && FENCING_TYPES.has(link.type)) return true;
  return false;
}

/**
 * Whether the group coordinator no longer knows this member: its session
 * expired (the member stalled past `sessionTimeout`), it was removed from the
 * group, or it missed a rebalance. The member's partitions may be owned by
 * another member already; kafkajs rejoins under a new member id.
 */
export function isMembershipLost(error: unknown): boolean {
  return hasKafkaErrorType(error, 'UNKNOWN_MEMBER_ID') || hasKafkaErrorType(error, 'FENCED_INSTANCE_ID');
}

/** Whether any error in the chain has this protocol error type (e.g. `TOPIC_ALREADY_EXISTS`). */
export function hasKafkaErrorType(error: unknown, type: string): boolean {
  for (const link of chain(error)) if (link.type === type) return true;
  return false;
}

/** Whether kafkajs reports that the broker refused the SASL credentials. */
export function isSaslAuthenticationFailure(error: unknown): boolean {
  for (const link of chain(error)) if (link.name === 'KafkaJSSASLAuthenticationError') return true;
  return false;
}

/** The TLS failure in the chain (Node's code, the broker, its message), if the connection failed in the handshake. */
function tlsFailure(error: unknown): { code: string; broker: string | undefined; reason: string } | undefined {
  for (const link of chain(error)) {
    if (typeof link.code === 'string' && isTlsFailureCode(link.code)) {
      return { code: link.code, broker: typeof link.broker === 'string' ? link.broker : undefined, reason: (link.message ?? '').replace(/^Connection error: /, '') };
    }
  }
  return undefined;
}

/**
 * Translates a kafkajs error into eventide's hierarchy so callers branch on
 * classes: fencing becomes `ProducerFencedError`, refused SASL credentials
 * `SaslAuthenticationError`, a failed TLS handshake `TlsHandshakeError`
 * (neither is retriable, though kafkajs calls the latter a connection
 * error), connection trouble and retriable protocol errors
 * `TransportUnavailableError`; anything else an `EventideError` carrying the
 * original as `cause`.
 */
export function toEventideError(error: unknown, doing: string): EventideError {
  if (error instanceof EventideError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isKafkaFencing(error)) {
    return new ProducerFencedError(`${doing}: fenced by a newer producer with the same transactional id (${message})`, { cause: error });
  }
  if (hasKafkaErrorType(error, 'MESSAGE_TOO_LARGE') || hasKafkaErrorType(error, 'RECORD_LIST_TOO_LARGE')) {
    return new RecordTooLargeError(`${doing}: ${message}`, { cause: error });
  }
  if (isSaslAuthenticationFailure(error)) {
    const refusal = [...chain(error)].find((link) => link.name === 'KafkaJSSASLAuthenticationError')?.message ?? message;
    return new SaslAuthenticationError(`${doing}: SASL authentication failed (${refusal})`, refusal, { cause: error });
  }
  const tls = tlsFailure(error);
  if (tls !== undefined) {
    return new TlsHandshakeError(`${doing}: TLS handshake with ${tls.broker ?? 'the broker'} failed: ${tls.reason} (${tls.code})`, tls, { cause: error });
  }
  const retriable = [...chain(error)].some(
    (link) => link.retriable === true || /Connection|ECONNREFUSED|ETIMEDOUT|BrokerNotFound|NumberOfRetriesExceeded/.test(link.name ?? ''),
  );
  if (retriable) return new TransportUnavailableError(`${doing}: ${message}`, { cause: error });
  return new EventideError(`${doing}: ${message}`, { cause: error });
}

/** Runs a kafkajs call and rethrows its failure as an eventide error. */
export async function translated<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toEventideError(error, doing);
  }
}

/**
 * Like `translated`, for calls that only read and may be repeated: a
 * retriable failure (a broker that is not yet the leader of a new topic's
 * partition, a connection that dropped) is tried again with back-off before it
 * reaches the caller. Seen: NOT_LEADER_FOR_PARTITION from startOffsets right
 * after a topic was created.
 */
export async function translatedRead<T>(doing: string, call: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await translated(doing, call);
    } catch (error) {
      if (!(error instanceof TransportUnavailableError) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
    }
  }
}

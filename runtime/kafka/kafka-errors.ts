import { EventideError, ProducerFencedError, RecordTooLargeError, TransportUnavailableError } from '../../protocols/errors.ts';

/** Protocol errors meaning a newer producer took the transactional id over. */
const FENCING_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING']);

interface KafkaJsErrorShape {
  readonly name?: string;
  readonly type?: string;
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

/**
 * Translates a kafkajs error into eventide's hierarchy so callers branch on
 * classes: fencing becomes `ProducerFencedError`, connection trouble and
 * retriable protocol errors `TransportUnavailableError`; anything else an
 * `EventideError` carrying the original as `cause`.
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

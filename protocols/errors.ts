/**
 * eventide's one error hierarchy. Code branches on the class (or the
 * predicates below), never on message text. Each subclass says how to recover.
 *
 * A bad record is not an exception that kills a partition: it becomes a dead
 * letter (see `protocols/dead-letter/`). These errors are for callers.
 */

export class EventideError extends Error {
  /** Whether the same call may succeed if tried again. */
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** Bytes that do not decode into the contract they claim. Recover: dead-letter the record. */
export class DecodeError extends EventideError {
  /** A short machine-readable reason, e.g. `malformed-json`, `missing-field`. */
  readonly reason: string;

  constructor(reason: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.reason = reason;
  }
}

/** A query text that does not parse. Recover: fix the query; the message names position and expectation. */
export class QuerySyntaxError extends EventideError {
  /** Zero-based character offset into the query text. */
  readonly position: number;
  /** What the parser expected there, in words. */
  readonly expected: string;

  constructor(message: string, position: number, expected: string) {
    super(message);
    this.position = position;
    this.expected = expected;
  }
}

/** A query that parses but cannot run (unknown function, bad TTL...). Recover: fix the query. */
export class QueryValidationError extends EventideError {}

/**
 * Another producer with the same transactional id took over. Recover: this
 * owner is a zombie; give up the partition (stop its actors) and never retry.
 */
export class ProducerFencedError extends EventideError {}

/**
 * A transaction's commit failed without saying whether it took effect. Never
 * retried on the same producer: recover by restoring the partition, whose new
 * producer fences this one and so settles the outcome before the snapshots
 * are read.
 */
export class CommitOutcomeUnknownError extends EventideError {}

/** A transactional call made in the wrong state (no open transaction, two open). A programming error. */
export class TransactionStateError extends EventideError {}

/** A call to a partition this member does not own (anymore). Recover: drop the partition's work. */
export class NotAssignedError extends EventideError {}

/** A partition's host was abandoned (crash, fencing, failure): what it had not written yet is dropped. Recover: nothing to do; the next owner restores. */
export class PartitionAbandonedError extends EventideError {}

/** A topic is missing or has the wrong partitions or configs. Recover: `eventide topics create|check`. */
export class TopicConfigError extends EventideError {}

/**
 * A record larger than its topic takes (`max.message.bytes`): the log refuses
 * it however often it is sent. Recover: split it, or dead-letter its cause
 * with reason `too-large`.
 */
export class RecordTooLargeError extends EventideError {}

/** A lifecycle message that is not allowed in the current state. A programming error; reported, never ignored. */
export class IllegalTransitionError extends EventideError {}

/**
 * A publish marker on a snapshots partition does not decode, so the restore
 * cannot know which publication it made durable: going on could publish that
 * window twice (if the marker covered it) or drop events (if it did not).
 * The partition stays down until an operator has checked what the marker
 * covered and recorded a skip (`eventide snapshots skip`); every later
 * restore then passes over that one record. Not retriable: the record is
 * still there on the next try.
 */
export class UndecodableMarkerError extends EventideError {
  /** The stage whose partition cannot restore. */
  readonly stage: string;
  /** The snapshots topic holding the marker. */
  readonly topic: string;
  /** The snapshots partition (the stage's input partition). */
  readonly partition: number;
  /** The marker's offset on that partition. */
  readonly offset: number;

  constructor(where: { stage: string; topic: string; partition: number; offset: number; detail: string }, options: { cause?: unknown } = {}) {
    const { stage, topic, partition, offset, detail } = where;
    super(
      `${stage}[${partition}] cannot restore: the publish marker at offset ${offset} of ${topic}[${partition}] does not decode (${detail}), ` +
        'so which window it published is unknown and going on could publish it twice or never. ' +
        `Run \`eventide snapshots list --topic ${topic} --partition ${partition} --from ${Math.max(0, offset - 20)}\` to see the records around it, then ` +
        `\`eventide snapshots skip --topic ${topic} --partition ${partition} --offset ${offset}\` once you have checked what it covered; the partition restores on its next try.`,
      options,
    );
    this.stage = stage;
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }
}

/**
 * A static read (a restore, a table's changelog) stopped before the end of
 * its range: the log could not deliver the batch at `offset`, e.g. one
 * compressed with a codec this client cannot decompress, or corrupt. Trying
 * again reads the same batch. Recover: register the codec (the cause names
 * it), or move the partition's start past the batch (delete records up to it).
 */
export class StaticReadError extends EventideError {
  readonly topic: string;
  readonly partition: number;
  /** The first offset the read could not deliver. */
  readonly offset: number;

  constructor(topic: string, partition: number, offset: number, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }
}

/** Invalid configuration or arguments. Recover: fix the flag, variable or file named in the message. */
export class ConfigError extends EventideError {}

/** The log is unreachable or busy. Recover: retry with back-off. */
export class TransportUnavailableError extends EventideError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: true, ...options });
  }
}

/** Whether the error is one of eventide's (branch on the class, never on the message). */
export const isEventideError = (error: unknown): error is EventideError => error instanceof EventideError;
/** Whether trying the same call again later may succeed (the log was unreachable or busy). */
export const isRetriable = (error: unknown): boolean => isEventideError(error) && error.retriable;
/** Whether a newer owner of the same transactional id fenced this producer: the partition has moved; stop writing. */
export const isFenced = (error: unknown): error is ProducerFencedError => error instanceof ProducerFencedError;
/** Whether a record could not be decoded; its `reason` goes into the dead letter. */
export const isDecodeError = (error: unknown): error is DecodeError => error instanceof DecodeError;
/** Whether a restore stopped at a publish marker that does not decode (see `UndecodableMarkerError`). */
export const isUndecodableMarker = (error: unknown): error is UndecodableMarkerError => error instanceof UndecodableMarkerError;

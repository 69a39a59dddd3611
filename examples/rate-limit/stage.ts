/**
 * The rate-limit stage: requests in (keyed by API key), alerts out, limits
 * from a table, the current windows snapshotted.
 */
import { DecodeError, defineStage, defineTable, type ConsumedRecord, type StageDefinition, type TableDefinition, type TopicSpec } from 'eventide';
import { rateLimitMachine, type RateAlert, type Request } from './rate-limit-machine.ts';

export const RATE_TOPICS = {
  requests: 'requests',
  limits: 'rate-limits',
  alerts: 'rate-alerts',
  snapshots: 'rate-limit.snapshots',
  deadletter: 'deadletter',
} as const;

export function rateLimitTopics(partitions = 3): TopicSpec[] {
  return [
    { name: RATE_TOPICS.requests, partitions },
    { name: RATE_TOPICS.limits, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
    { name: RATE_TOPICS.alerts, partitions },
    { name: RATE_TOPICS.snapshots, partitions, configs: { 'retention.ms': String(3600_000), 'segment.ms': String(600_000) } },
    { name: RATE_TOPICS.deadletter, partitions: 1 },
  ];
}

/** Limits by API key: the record key is the API key, the value its limit per window as a decimal number. */
export const limitsTable: TableDefinition<number> = defineTable({
  name: 'rate-limits',
  topic: RATE_TOPICS.limits,
  deadLetterTopic: RATE_TOPICS.deadletter,
  decode: (value): number => {
    const limit = Number(value.toString());
    if (!Number.isInteger(limit) || limit < 0) throw new DecodeError('invalid-limit', `'${value.toString()}' is not a limit`);
    return limit;
  },
});

export function decodeRequest(record: ConsumedRecord): Request {
  let value: Partial<Request> | null;
  try {
    value = JSON.parse(String(record.value)) as Partial<Request> | null;
  } catch {
    throw new DecodeError('malformed-request', `offset ${record.offset}: not JSON`);
  }
  if (typeof value?.apiKey !== 'string' || typeof value.at !== 'number') throw new DecodeError('malformed-request', `offset ${record.offset}: a request needs apiKey and at`);
  return { apiKey: value.apiKey, at: value.at };
}

export const decodeAlert = (value: Buffer): RateAlert => JSON.parse(value.toString()) as RateAlert;

export interface RateLimitOptions {
  /** @default 60000 */
  readonly windowMs?: number;
  /** Requests per window allowed to a key the table does not name. @default 100 */
  readonly defaultLimit?: number;
}

export function rateLimitStage(options: RateLimitOptions = {}): StageDefinition<Request> {
  return defineStage({
    name: 'rate-limit',
    input: { topic: RATE_TOPICS.requests, decode: decodeRequest },
    machine: rateLimitMachine,
    machineInput: { windowMs: options.windowMs ?? 60_000, defaultLimit: options.defaultLimit ?? 100, alertsTopic: RATE_TOPICS.alerts },
    outputs: [RATE_TOPICS.alerts],
    tables: [limitsTable],
    snapshots: { topic: RATE_TOPICS.snapshots },
    deadLetterTopic: RATE_TOPICS.deadletter,
  });
}

/**
 * The sessionize stage: clicks in (keyed by user), sessions out, the open
 * sessions snapshotted so a partition that moves to another node carries on
 * where it was.
 */
import { DecodeError, defineStage, type ConsumedRecord, type StageDefinition, type TopicSpec } from 'eventide';
import { sessionMachine, type Click, type Session } from './session-machine.ts';

export const SESSION_TOPICS = {
  clicks: 'clicks',
  sessions: 'sessions',
  snapshots: 'sessionize.snapshots',
  deadletter: 'deadletter',
} as const;

/** The topics the stage needs; the snapshot topic has the partitions of `clicks`. */
export function sessionTopics(partitions = 3): TopicSpec[] {
  return [
    { name: SESSION_TOPICS.clicks, partitions },
    { name: SESSION_TOPICS.sessions, partitions },
    { name: SESSION_TOPICS.snapshots, partitions, configs: { 'retention.ms': String(3600_000), 'segment.ms': String(600_000) } },
    { name: SESSION_TOPICS.deadletter, partitions: 1 },
  ];
}

/** A click record's value; anything else is dead-lettered with reason `malformed-click`. */
export function decodeClick(record: ConsumedRecord): Click {
  let value: unknown;
  try {
    value = JSON.parse(String(record.value));
  } catch {
    throw new DecodeError('malformed-click', `offset ${record.offset}: not JSON`);
  }
  const click = value as Partial<Click> | null;
  if (typeof click?.user !== 'string' || typeof click.at !== 'number' || typeof click.page !== 'string') {
    throw new DecodeError('malformed-click', `offset ${record.offset}: a click needs user, at and page`);
  }
  return { user: click.user, at: click.at, page: click.page };
}

export const encodeClick = (click: Click): string => JSON.stringify(click);
export const decodeSession = (value: Buffer): Session => JSON.parse(value.toString()) as Session;

export interface SessionizeOptions {
  /** A session ends after this long without a click of its user. @default 30 minutes */
  readonly gapMs?: number;
  /** How often quiet partitions check for ended sessions. @default 1000 */
  readonly tickMs?: number;
  /** Snapshot the open sessions at least this often. @default 5000 */
  readonly snapshotEveryMs?: number;
}

export function sessionizeStage(options: SessionizeOptions = {}): StageDefinition<Click> {
  return defineStage({
    name: 'sessionize',
    input: { topic: SESSION_TOPICS.clicks, decode: decodeClick },
    machine: sessionMachine,
    machineInput: { gapMs: options.gapMs ?? 30 * 60_000, sessionsTopic: SESSION_TOPICS.sessions },
    outputs: [SESSION_TOPICS.sessions],
    tick: { everyMs: options.tickMs ?? 1000 },
    snapshots: { topic: SESSION_TOPICS.snapshots, everyMs: options.snapshotEveryMs ?? 5000 },
    deadLetterTopic: SESSION_TOPICS.deadletter,
  });
}

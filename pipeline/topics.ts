/**
 * The query pipeline's topics: the one place their names come from, and how
 * each must be configured. Every stage, every CLI command and the demo take
 * the names from `pipelineTopicNames`, so a prefix (`tenant-a.`) renames the
 * whole pipeline and two pipelines can share a cluster.
 */
import type { TopicSpec } from '../protocols/transport.ts';
import { ConfigError } from '../protocols/errors.ts';
import { DEFAULT_MAX_BATCH_BYTES } from '../protocols/event-batch/index.ts';

/** The name of every topic of the query pipeline. */
export interface PipelineTopicNames {
  /** Raw event batches (JSON, maybe gzip): the pipeline's input. */
  readonly raw: string;
  /** Single events, written by a parse stage that runs apart from match. */
  readonly parsed: string;
  /** Matched events, batched and keyed by query id: the aggregate stage's input. */
  readonly matched: string;
  /** The queries changelog (compacted; a tombstone cancels a query). */
  readonly queries: string;
  /** One record per query × window × facet. */
  readonly results: string;
  /** The aggregate partitions' snapshots and publish markers, partition p for `matched` partition p. */
  readonly snapshots: string;
  /** Records any stage could not handle, with the stage and the reason. */
  readonly deadletter: string;
}

/** How the pipeline's topics are named. */
export interface TopicNaming {
  /**
   * Put before every topic name (`tenant-a.` makes `tenant-a.events.raw`).
   * Letters, digits, `.`, `_` and `-`, as Kafka allows in topic names.
   * @default ''
   */
  readonly prefix?: string;
}

const BASE_NAMES: PipelineTopicNames = {
  raw: 'events.raw',
  parsed: 'events.parsed',
  matched: 'events.matched',
  queries: 'queries',
  results: 'results',
  snapshots: 'snapshots',
  deadletter: 'deadletter',
};

/** Kafka's limit on a topic name's length. */
const MAX_TOPIC_NAME = 249;

/**
 * The name of every pipeline topic for a prefix.
 *
 * @example
 * ```ts
 * pipelineTopicNames({ prefix: 'tenant-a.' }).results; // 'tenant-a.results'
 * ```
 */
export function pipelineTopicNames(naming: TopicNaming = {}): PipelineTopicNames {
  const prefix = naming.prefix ?? '';
  if (prefix !== '' && !/^[A-Za-z0-9._-]+$/.test(prefix)) throw new ConfigError(`topic prefix '${prefix}' may only contain letters, digits, '.', '_' and '-'`);
  const longest = Math.max(...Object.values(BASE_NAMES).map((name) => name.length));
  if (prefix.length + longest > MAX_TOPIC_NAME) throw new ConfigError(`topic prefix '${prefix}' is too long: topic names have at most ${MAX_TOPIC_NAME} characters`);
  const names = {} as Record<keyof PipelineTopicNames, string>;
  for (const [role, name] of Object.entries(BASE_NAMES) as [keyof PipelineTopicNames, string][]) names[role] = `${prefix}${name}`;
  return names;
}

/** The default (unprefixed) topic names. */
export const TOPICS: PipelineTopicNames = pipelineTopicNames();

/**
 * The cluster name a pipeline with this naming uses for `group`: the prefix
 * goes before it too, so two pipelines that differ by prefix never share a
 * consumer group (`<group>.<stage>`) or a transactional id
 * (`<group>.<stage>.<partition>`), even when given the same `group`, and one
 * prefixed ACL covers a pipeline's topics, groups and transactional ids.
 *
 * @example
 * ```ts
 * pipelineGroup('eventide', { prefix: 'tenant-a.' }); // 'tenant-a.eventide'
 * ```
 */
export function pipelineGroup(group: string, naming: TopicNaming = {}): string {
  return `${naming.prefix ?? ''}${group}`;
}

/**
 * The largest record every pipeline topic takes (its `max.message.bytes`):
 * the one place the pipeline's size limits come from. A raw batch may be as
 * large as parse accepts (8 MiB), and what it causes downstream (one of its
 * events, a matched record carrying it, a result whose facet is one of its
 * attributes, a snapshot holding it) must fit as well, so every topic takes
 * the same, with room for Kafka's framing. Nodes read each topic's actual
 * limit at start: they split what they write to fit it, and dead-letter with
 * reason `too-large` what cannot be split.
 */
export const PIPELINE_MAX_RECORD_BYTES = DEFAULT_MAX_BATCH_BYTES + 64 * 1024;

/** Segments of the pipeline's topics (`snapshots` has smaller ones): larger than any record, as Kafka requires. */
const PIPELINE_SEGMENT_BYTES = 64 * 1024 * 1024;

/**
 * The codec each pipeline topic is written with: lz4 for the topics only
 * eventide reads (`events.parsed`, `events.matched`, `snapshots`), where it
 * costs 6-10x less time than gzip for batches about twice as big
 * (bench/codecs.ts); gzip for the topics other programs read (`results`,
 * `deadletter`, `queries`, and `events.raw` when eventide writes it), which
 * every Kafka client reads without a plugin. Give it to `kafkaTransport`'s
 * `compression`; eventide reads every codec whatever this says.
 */
export function pipelineCompression(names: PipelineTopicNames = TOPICS): (topic: string) => 'gzip' | 'lz4' {
  const internal = new Set([names.parsed, names.matched, names.snapshots]);
  return (topic) => (internal.has(topic) ? 'lz4' : 'gzip');
}

/** How many partitions `pipelineTopics` gives each topic, and with what replication. */
export interface TopicLayout extends TopicNaming {
  /** Partitions of `events.raw`, `events.parsed` and `results`. @default 6 */
  readonly partitions?: number;
  /** Partitions of `events.matched`, and so of `snapshots`, which always has as many. @default partitions */
  readonly matchedPartitions?: number;
  /** Replication factor for every topic. @default the broker's default.replication.factor */
  readonly replicationFactor?: number;
}

/**
 * Every topic the pipeline needs, with its partitions and the configs
 * `eventide topics check` verifies: `events.raw`, `events.parsed` and
 * `results` get `partitions`; `events.matched` and `snapshots` get
 * `matchedPartitions`; `queries` and `deadletter` get one partition. Every
 * topic takes records of up to `PIPELINE_MAX_RECORD_BYTES`.
 */
export function pipelineTopics(layout: TopicLayout = {}): TopicSpec[] {
  const names = pipelineTopicNames(layout);
  const partitions = layout.partitions ?? 6;
  const matched = layout.matchedPartitions ?? partitions;
  const replication = layout.replicationFactor === undefined ? {} : { replicationFactor: layout.replicationFactor };
  const topics: TopicSpec[] = [
    { name: names.raw, partitions, configs: { 'retention.ms': String(24 * 3600_000) } },
    { name: names.parsed, partitions, configs: { 'retention.ms': String(24 * 3600_000) } },
    { name: names.matched, partitions: matched, configs: { 'retention.ms': String(24 * 3600_000) } },
    // Compacted: the latest record per query id is its state; a tombstone cancels it.
    { name: names.queries, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
    { name: names.results, partitions, configs: { 'retention.ms': String(7 * 24 * 3600_000) } },
    // Much more is written than read: short retention, small segments (segment.ms <= retention.ms or segments are never deleted).
    { name: names.snapshots, partitions: matched, configs: { 'retention.ms': String(3600_000), 'segment.ms': String(600_000), 'segment.bytes': String(16 * 1024 * 1024) } },
    { name: names.deadletter, partitions: 1, configs: { 'retention.ms': String(7 * 24 * 3600_000) } },
  ];
  // A batch must also fit in one log segment: a broker whose segments are smaller refuses it (RECORD_LIST_TOO_LARGE).
  const limits = { 'max.message.bytes': String(PIPELINE_MAX_RECORD_BYTES), 'segment.bytes': String(PIPELINE_SEGMENT_BYTES) };
  return topics.map((topic) => ({ ...topic, configs: { ...limits, ...topic.configs, 'max.message.bytes': limits['max.message.bytes'] }, ...replication }));
}

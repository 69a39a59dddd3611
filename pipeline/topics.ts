/**
 * The query pipeline's topics and how each must be configured.
 */
import type { TopicSpec } from '../protocols/transport.ts';

export const TOPICS = {
  raw: 'events.raw',
  parsed: 'events.parsed',
  matched: 'events.matched',
  queries: 'queries',
  results: 'results',
  snapshots: 'snapshots',
  deadletter: 'deadletter',
} as const;

export interface TopicLayout {
  /** Partitions of the event topics; `snapshots` always gets the partitions of `events.matched`. @default 6 */
  readonly partitions?: number;
  /** Partitions of `events.matched` (and so of `snapshots`). @default partitions */
  readonly matchedPartitions?: number;
  /** Replication factor for every topic. @default the broker's default.replication.factor */
  readonly replicationFactor?: number;
}

/** Every topic the pipeline needs, with the configs `eventide topics check` verifies. */
export function pipelineTopics(layout: TopicLayout = {}): TopicSpec[] {
  const partitions = layout.partitions ?? 6;
  const matched = layout.matchedPartitions ?? partitions;
  const replication = layout.replicationFactor === undefined ? {} : { replicationFactor: layout.replicationFactor };
  const topics: TopicSpec[] = [
    { name: TOPICS.raw, partitions, configs: { 'retention.ms': String(24 * 3600_000) } },
    { name: TOPICS.parsed, partitions, configs: { 'retention.ms': String(24 * 3600_000) } },
    { name: TOPICS.matched, partitions: matched, configs: { 'retention.ms': String(24 * 3600_000) } },
    // Compacted: the latest record per query id is its state; a tombstone cancels it.
    { name: TOPICS.queries, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
    { name: TOPICS.results, partitions, configs: { 'retention.ms': String(7 * 24 * 3600_000) } },
    // Much more is written than read: short retention, small segments (segment.ms <= retention.ms or segments are never deleted).
    { name: TOPICS.snapshots, partitions: matched, configs: { 'retention.ms': String(3600_000), 'segment.ms': String(600_000), 'segment.bytes': String(16 * 1024 * 1024) } },
    { name: TOPICS.deadletter, partitions: 1, configs: { 'retention.ms': String(7 * 24 * 3600_000) } },
  ];
  return topics.map((topic) => ({ ...topic, ...replication }));
}

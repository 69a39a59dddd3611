/**
 * `eventide topics create|check|delete`: every topic of the pipeline with the
 * right partitions and configs, a check that reports every mismatch, and
 * their removal. Names come from pipeline/topics.ts, so `--topic-prefix`
 * applies to each.
 */
import type { TopicDescription, TopicSpec, TransportAdmin } from '../protocols/transport.ts';
import { pipelineTopicNames, pipelineTopics, type PipelineTopicNames, type TopicLayout, type TopicNaming } from '../pipeline/topics.ts';
import { maxMessageBytes } from '../protocols/record-size.ts';

/** The partition counts a check compares: the ones its flags name, nothing else. */
export interface PartitionCounts {
  /** `events.raw`, `events.parsed` and `results` (and `events.matched` unless `matchedPartitions` is given). */
  readonly partitions?: number;
  /** `events.matched` and `snapshots`. */
  readonly matchedPartitions?: number;
}

/**
 * Topic → the partitions it must have, for the counts given. `queries` and
 * `deadletter` are created with one partition but work with any (writers
 * pick a partition by key from the count they read), so they are never
 * compared; `snapshots` always must equal `events.matched`, checked apart.
 */
export function expectedPartitions(names: PipelineTopicNames, counts: PartitionCounts): Map<string, number> {
  const expected = new Map<string, number>();
  if (counts.partitions !== undefined) for (const name of [names.raw, names.parsed, names.results]) expected.set(name, counts.partitions);
  const matched = counts.matchedPartitions ?? counts.partitions;
  if (matched !== undefined) for (const name of [names.matched, names.snapshots]) expected.set(name, matched);
  return expected;
}

/** Every way the cluster's topics differ from what the pipeline needs, in words. */
export function topicMismatches(names: PipelineTopicNames, expected: readonly TopicSpec[], actual: readonly TopicDescription[], counts: PartitionCounts = {}): string[] {
  const problems: string[] = [];
  const byName = new Map(actual.map((topic) => [topic.name, topic]));
  const partitions = expectedPartitions(names, counts);
  for (const spec of expected) {
    const topic = byName.get(spec.name);
    if (topic === undefined) {
      problems.push(`topic '${spec.name}' is missing: run eventide topics create`);
      continue;
    }
    const wanted = partitions.get(spec.name);
    if (wanted !== undefined && topic.partitions !== wanted) problems.push(`topic '${spec.name}' has ${topic.partitions} partitions, expected ${wanted}`);
    const problem = recordLimitProblem(spec, topic);
    if (problem !== null) problems.push(problem);
  }
  const matched = byName.get(names.matched);
  const snapshots = byName.get(names.snapshots);
  if (matched !== undefined && snapshots !== undefined && matched.partitions !== snapshots.partitions) {
    problems.push(`topic '${names.snapshots}' has ${snapshots.partitions} partitions but '${names.matched}' has ${matched.partitions}: they must be equal, partition p of one holds the state of partition p of the other`);
  }
  const queries = byName.get(names.queries);
  if (queries !== undefined) {
    const policy = queries.configs['cleanup.policy'] ?? 'delete';
    if (!policy.includes('compact')) {
      const retention = Number(queries.configs['retention.ms'] ?? '604800000');
      const segment = Number(queries.configs['segment.ms'] ?? '604800000');
      if (retention >= 0 && segment > retention) problems.push(`topic '${names.queries}' is time-retained with segment.ms ${segment} > retention.ms ${retention}: old segments are never deleted`);
    }
  }
  if (snapshots !== undefined) {
    const retention = Number(snapshots.configs['retention.ms'] ?? '604800000');
    const segment = Number(snapshots.configs['segment.ms'] ?? '604800000');
    if (retention < 0) problems.push(`topic '${names.snapshots}' keeps records forever (retention.ms -1): restores slow down as it grows`);
    else if (segment > retention) problems.push(`topic '${names.snapshots}' has segment.ms ${segment} > retention.ms ${retention}: old segments are never deleted and restores slow down`);
  }
  return problems;
}

/**
 * A topic that takes smaller records than the pipeline may write to it
 * (`max.message.bytes`): nodes would dead-letter as `too-large` what the
 * pipeline's other topics accept. kafkajs cannot change one config of a
 * topic without resetting the others, so the fix is Kafka's own tool.
 */
function recordLimitProblem(spec: TopicSpec, topic: TopicDescription): string | null {
  const wanted = spec.configs?.['max.message.bytes'];
  if (wanted === undefined) return null;
  const segment = Number(topic.configs['segment.bytes']);
  if (Number.isSafeInteger(segment) && segment < Number(wanted)) {
    return `topic '${spec.name}' has segments of ${segment} bytes (segment.bytes), smaller than the ${wanted}-byte records the pipeline writes, which Kafka refuses: ` +
      `kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${spec.name} --add-config segment.bytes=${Math.max(Number(wanted), 64 * 1024 * 1024)}`;
  }
  const actual = maxMessageBytes(topic.configs);
  if (actual >= Number(wanted)) return null;
  return `topic '${spec.name}' takes records of at most ${actual} bytes (max.message.bytes), the pipeline writes up to ${wanted}: ` +
    `kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${spec.name} --add-config max.message.bytes=${wanted}`;
}

/**
 * Creates every pipeline topic that is missing, then checks them all against
 * the layout (the default 6 partitions when none are given), so topics that
 * existed with other counts are reported.
 */
export async function createTopics(admin: TransportAdmin, layout: TopicLayout): Promise<{ created: string[]; problems: string[] }> {
  const names = pipelineTopicNames(layout);
  const expected = pipelineTopics(layout);
  const created = await admin.createTopics(expected);
  const counts = { partitions: layout.partitions ?? 6, ...(layout.matchedPartitions === undefined ? {} : { matchedPartitions: layout.matchedPartitions }) };
  // Brokers learn of new topics one by one: a topic just created may be missing from one broker's answer for a moment.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const problems = topicMismatches(names, expected, await admin.describeTopics(expected.map((spec) => spec.name)), counts);
    if (problems.length === 0 || Date.now() > deadline) return { created, problems };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Every problem with the pipeline's topics: missing topics, `snapshots`
 * partitions unlike `events.matched`'s, retention that never deletes, and the
 * partition counts the check is given (`--partitions`, `--matched-partitions`);
 * without counts, any partition count passes.
 */
export async function checkTopics(admin: TransportAdmin, check: TopicNaming & PartitionCounts): Promise<string[]> {
  const names = pipelineTopicNames(check);
  const expected = pipelineTopics(check);
  return topicMismatches(names, expected, await admin.describeTopics(expected.map((spec) => spec.name)), check);
}

/** Deletes the pipeline's topics that exist (all of them: events, queries, results, snapshots, dead letters); returns their names. */
export async function deleteTopics(admin: TransportAdmin, naming: TopicNaming): Promise<string[]> {
  const names = Object.values(pipelineTopicNames(naming));
  const existing = new Set(await admin.listTopics());
  const doomed = names.filter((name) => existing.has(name));
  if (doomed.length > 0) await admin.deleteTopics(doomed);
  return doomed;
}

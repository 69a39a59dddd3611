/**
 * `eventide topics create|check`: every topic of the pipeline with the right
 * partitions and configs, and a check that reports every mismatch.
 */
import type { TopicDescription, TopicSpec, TransportAdmin } from '../protocols/transport.ts';
import { pipelineTopics, TOPICS, type TopicLayout } from '../pipeline/topics.ts';

/** Every way the cluster's topics differ from what the pipeline needs, in words. */
export function topicMismatches(expected: readonly TopicSpec[], actual: readonly TopicDescription[], comparePartitions = true): string[] {
  const problems: string[] = [];
  const byName = new Map(actual.map((topic) => [topic.name, topic]));
  for (const spec of expected) {
    const topic = byName.get(spec.name);
    if (topic === undefined) {
      problems.push(`topic '${spec.name}' is missing: run eventide topics create`);
      continue;
    }
    if (comparePartitions && spec.name !== TOPICS.snapshots && topic.partitions !== spec.partitions) {
      problems.push(`topic '${spec.name}' has ${topic.partitions} partitions, expected ${spec.partitions}`);
    }
  }
  const matched = byName.get(TOPICS.matched);
  const snapshots = byName.get(TOPICS.snapshots);
  if (matched !== undefined && snapshots !== undefined && matched.partitions !== snapshots.partitions) {
    problems.push(`topic '${TOPICS.snapshots}' has ${snapshots.partitions} partitions but '${TOPICS.matched}' has ${matched.partitions}: they must be equal, partition p of one holds the state of partition p of the other`);
  }
  const queries = byName.get(TOPICS.queries);
  if (queries !== undefined) {
    const policy = queries.configs['cleanup.policy'] ?? 'delete';
    if (!policy.includes('compact')) {
      const retention = Number(queries.configs['retention.ms'] ?? '604800000');
      const segment = Number(queries.configs['segment.ms'] ?? '604800000');
      if (retention >= 0 && segment > retention) problems.push(`topic '${TOPICS.queries}' is time-retained with segment.ms ${segment} > retention.ms ${retention}: old segments are never deleted`);
    }
  }
  if (snapshots !== undefined) {
    const retention = Number(snapshots.configs['retention.ms'] ?? '604800000');
    const segment = Number(snapshots.configs['segment.ms'] ?? '604800000');
    if (retention < 0) problems.push(`topic '${TOPICS.snapshots}' keeps records forever (retention.ms -1): restores slow down as it grows`);
    else if (segment > retention) problems.push(`topic '${TOPICS.snapshots}' has segment.ms ${segment} > retention.ms ${retention}: old segments are never deleted and restores slow down`);
  }
  return problems;
}

export async function createTopics(admin: TransportAdmin, layout: TopicLayout): Promise<{ created: string[]; problems: string[] }> {
  const expected = pipelineTopics(layout);
  const created = await admin.createTopics(expected);
  // Brokers learn of new topics one by one: a topic just created may be missing from one broker's answer for a moment.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const problems = topicMismatches(expected, await admin.describeTopics(expected.map((spec) => spec.name)));
    if (problems.length === 0 || Date.now() > deadline) return { created, problems };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function checkTopics(admin: TransportAdmin, layout: TopicLayout): Promise<string[]> {
  const expected = pipelineTopics(layout);
  return topicMismatches(expected, await admin.describeTopics(expected.map((spec) => spec.name)), layout.partitions !== undefined);
}

import kafkajs from './kafkajs.ts';
import type { Admin } from 'kafkajs';
import { TopicConfigError } from '../../protocols/errors.ts';
import type { GroupDescription, OffsetCommit, TopicDescription, TopicSpec, TransportAdmin } from '../../protocols/transport.ts';
import { decodeMember, generationOf } from './group-protocol.ts';
import { hasKafkaErrorType, translated, translatedRead } from './kafka-errors.ts';
import type { LazyClient } from './lazy-client.ts';

const { ConfigResourceTypes } = kafkajs as unknown as { ConfigResourceTypes: { TOPIC: number } };

/**
 * Waits until every partition of a new topic has a leader. kafkajs's own
 * `waitForLeaders` gives up when a broker's metadata does not know the topic
 * yet (UNKNOWN_TOPIC_OR_PARTITION), which KRaft brokers answer for a moment.
 */
async function waitForLeaders(admin: Admin, spec: TopicSpec): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [spec.name] });
      const partitions = topics[0]?.partitions ?? [];
      if (partitions.length === spec.partitions && partitions.every((p) => p.leader >= 0)) return;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new TopicConfigError(`createTopics: ${spec.name} has no leader for every partition after 30 s`, { cause: last });
}

/**
 * Waits until the topic list shows every created topic. With several brokers,
 * the one answering the next metadata request may not know a new topic yet,
 * so a describe right after a create could miss it (seen on three brokers).
 */
async function waitUntilListed(admin: Admin, names: readonly string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (names.length > 0) {
    const listed = new Set(await admin.listTopics());
    const missing = names.filter((name) => !listed.has(name));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new TopicConfigError(`createTopics: ${missing.join(', ')} not in the cluster's topic list 30 s after creation`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Topic and group administration through one kafkajs admin client. */
export class KafkaAdmin implements TransportAdmin {
  readonly #admin: LazyClient<Admin>;

  constructor(admin: LazyClient<Admin>) {
    this.#admin = admin;
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<string[]> {
    return translated('createTopics', async () => {
      const admin = await this.#admin.get();
      const existing = new Set(await admin.listTopics());
      const created: string[] = [];
      for (const spec of topics.filter((t) => !existing.has(t.name))) {
        try {
          await admin.createTopics({
            waitForLeaders: false,
            topics: [
              {
                topic: spec.name,
                numPartitions: spec.partitions,
                ...(spec.replicationFactor === undefined ? {} : { replicationFactor: spec.replicationFactor }),
                configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
              },
            ],
          });
          created.push(spec.name);
          await waitForLeaders(admin, spec);
        } catch (error) {
          // Another node created it meanwhile: not ours to report.
          if (!hasKafkaErrorType(error, 'TOPIC_ALREADY_EXISTS')) throw error;
        }
      }
      await waitUntilListed(admin, created);
      return created;
    });
  }

  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    return translatedRead('describeTopics', async () => {
      const admin = await this.#admin.get();
      const existing = new Set(await admin.listTopics());
      const present = names.filter((name) => existing.has(name));
      if (present.length === 0) return [];
      const metadata = await admin.fetchTopicMetadata({ topics: present });
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      });
      return present.map((name) => {
        const resource = configs.resources.find((r) => r.resourceName === name);
        const entries = (resource?.configEntries ?? []).filter((entry) => entry.configValue !== null);
        return {
          name,
          partitions: metadata.topics.find((t) => t.name === name)?.partitions.length ?? 0,
          configs: Object.fromEntries(entries.map((entry) => [entry.configName, entry.configValue])),
        };
      });
    });
  }

  async listTopics(): Promise<string[]> {
    return translatedRead('listTopics', async () => (await this.#admin.get()).listTopics());
  }

  async fetchCommittedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    return translatedRead('fetchCommittedOffsets', async () => {
      const admin = await this.#admin.get();
      const [answer] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = (answer?.partitions ?? []).filter((p) => Number(p.offset) >= 0);
      return new Map(committed.map((p) => [p.partition, Number(p.offset)]));
    });
  }

  async fetchOffsetCommits(groupId: string, topic: string): Promise<Map<number, OffsetCommit>> {
    return translatedRead('fetchOffsetCommits', async () => {
      const admin = await this.#admin.get();
      const [answer] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = (answer?.partitions ?? []).filter((p) => Number(p.offset) >= 0);
      return new Map(committed.map((p) => [p.partition, { offset: Number(p.offset), metadata: p.metadata ?? null }]));
    });
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    return translatedRead('describeGroup', async () => {
      const admin = await this.#admin.get();
      const { groups } = await admin.describeGroups([groupId]);
      const group = groups.find((g) => g.groupId === groupId);
      const members = (group?.members ?? []).map((m) => decodeMember(m.memberId, m.memberMetadata, m.memberAssignment));
      const state = group === undefined || group.state === 'Empty' || group.state === 'Dead' ? 'empty' : group.state === 'Stable' ? 'stable' : 'rebalancing';
      return { groupId, generation: generationOf(members), state, members: members.map(({ estimatedGeneration: _, ...member }) => member) };
    });
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    await translated('deleteTopics', async () => {
      const admin = await this.#admin.get();
      const existing = new Set(await admin.listTopics());
      const present = names.filter((name) => existing.has(name));
      if (present.length === 0) return;
      await admin.deleteTopics({ topics: present });
      // Deletion is committed to the metadata log before every broker's cache
      // forgets the topic; wait so a following listTopics agrees.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const left = new Set(await admin.listTopics());
        if (!present.some((name) => left.has(name))) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new TopicConfigError(`deleteTopics: ${present.join(', ')} still listed after 30 s`);
    });
  }
}

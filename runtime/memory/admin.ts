import type { GroupDescription, OffsetCommit, TopicDescription, TopicSpec, TransportAdmin } from '../../protocols/transport.ts';
import type { MemoryLog } from './memory-log.ts';
import type { MemoryNode } from './node.ts';

/**
 * Topic and group administration on the memory log. Configs are stored and
 * described as given; retention is not enforced (start offsets stay 0).
 */
export class MemoryAdmin implements TransportAdmin {
  readonly #log: MemoryLog;
  readonly #node: MemoryNode;

  constructor(log: MemoryLog, node: MemoryNode) {
    this.#log = log;
    this.#node = node;
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<string[]> {
    this.#node.assertAlive();
    return this.#log.createTopics(topics);
  }

  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    this.#node.assertAlive();
    return this.#log.describeTopics(names);
  }

  async listTopics(): Promise<string[]> {
    this.#node.assertAlive();
    return this.#log.listTopics();
  }

  async fetchCommittedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    this.#node.assertAlive();
    return this.#log.group(groupId).committed(topic);
  }

  async fetchOffsetCommits(groupId: string, topic: string): Promise<Map<number, OffsetCommit>> {
    this.#node.assertAlive();
    return this.#log.group(groupId).offsetCommits(topic);
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    this.#node.assertAlive();
    return this.#log.group(groupId).describe();
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    this.#node.assertAlive();
    this.#log.deleteTopics(names);
  }
}

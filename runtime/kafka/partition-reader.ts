import type { Kafka } from 'kafkajs';
import type {
  ConsumedRecord,
  FollowOptions,
  Isolation,
  PartitionReader,
  TopicFollower,
  TopicPartitionOffset,
} from '../../protocols/transport.ts';
import type { EndOffsets } from './end-offsets.ts';
import type { KafkaGroupTimings } from './kafka-config.ts';
import { translated, translatedRead } from './kafka-errors.ts';
import { StaticReadSession } from './static-read-session.ts';
import { followTopic, type FollowErrorSink } from './topic-follower.ts';

/**
 * Static reads outside any group: one {@link StaticReadSession} per isolation
 * level (created on first use), end offsets from ListOffsets, and one
 * dedicated consumer per followed topic.
 */
export class KafkaPartitionReader implements PartitionReader {
  readonly #kafka: Kafka;
  readonly #offsets: EndOffsets;
  readonly #timings: KafkaGroupTimings;
  readonly #onError: FollowErrorSink;
  readonly #sessions = new Map<Isolation, StaticReadSession>();
  readonly #followers = new Set<TopicFollower>();

  constructor(kafka: Kafka, offsets: EndOffsets, timings: KafkaGroupTimings, onError: FollowErrorSink) {
    this.#kafka = kafka;
    this.#offsets = offsets;
    this.#timings = timings;
    this.#onError = onError;
  }

  endOffsets(topic: string, isolation: Isolation = 'read_committed'): Promise<Map<number, number>> {
    return translatedRead(`endOffsets ${topic}`, () => this.#offsets.end(topic, isolation));
  }

  startOffsets(topic: string): Promise<Map<number, number>> {
    return translatedRead(`startOffsets ${topic}`, () => this.#offsets.start(topic));
  }

  read(position: TopicPartitionOffset, untilOffset: number, options: { isolation?: Isolation } = {}): AsyncIterable<readonly ConsumedRecord[]> {
    const isolation = options.isolation ?? 'read_committed';
    let session = this.#sessions.get(isolation);
    if (session === undefined) this.#sessions.set(isolation, (session = new StaticReadSession(this.#kafka, isolation, this.#timings)));
    return this.#readExisting(session, position, untilOffset);
  }

  /** Checks the topic exists first: subscribing the shared session to a missing topic would break its later restarts. */
  async *#readExisting(session: StaticReadSession, position: TopicPartitionOffset, untilOffset: number): AsyncGenerator<readonly ConsumedRecord[]> {
    if (untilOffset <= position.offset) return;
    await translatedRead(`read ${position.topic}`, () => this.#offsets.start(position.topic));
    yield* session.read(position, untilOffset);
  }

  async follow(topic: string, options: FollowOptions): Promise<TopicFollower> {
    const follower = await translated(`follow ${topic}`, () =>
      followTopic(this.#kafka, this.#offsets, this.#timings, topic, options, this.#onError),
    );
    const tracked: TopicFollower = {
      caughtUp: follower.caughtUp,
      stop: async () => {
        this.#followers.delete(tracked);
        await follower.stop();
      },
    };
    this.#followers.add(tracked);
    return tracked;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#followers].map((f) => f.stop()));
    await Promise.allSettled([...this.#sessions.values()].map((s) => s.close()));
    this.#sessions.clear();
  }
}

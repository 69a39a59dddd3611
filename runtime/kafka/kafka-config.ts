import kafkajs from './kafkajs.ts';
import type { Kafka, KafkaConfig, logCreator, SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type { CompressionCodecName } from './codecs.ts';

const { Kafka: KafkaClient, logLevel } = kafkajs;

/** Severity of a kafkajs log line, as eventide names it. */
export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Where kafkajs's own log lines go. */
export type KafkaLogSink = (level: KafkaLogLevel, namespace: string, message: string, extra: Record<string, unknown>) => void;

/** How long a group member's fetch waits for records, unless `KafkaGroupTimings.maxWaitTimeMs` says otherwise. */
export const DEFAULT_MAX_WAIT_TIME_MS = 50;

/** Group timings of every consumer the transport creates (Kafka's consumer settings). */
export interface KafkaGroupTimings {
  /** @default 30000 */
  readonly sessionTimeoutMs?: number;
  /** @default 60000 */
  readonly rebalanceTimeoutMs?: number;
  /** How often a member heartbeats, and so how soon it notices a rebalance. @default 3000 */
  readonly heartbeatIntervalMs?: number;
  /**
   * How long a fetch waits for records; bounds the latency of resume and seek,
   * and of records that become readable under read_committed when their
   * transaction commits: a waiting read_committed fetch was measured to sit
   * out its wait rather than return at the commit (results p50 321 ms after
   * their window could close at 500 ms, 152 ms at 50 ms; bench/latency.ts).
   * Idle, a consumer fetches this often. @default 50
   */
  readonly maxWaitTimeMs?: number;
}

/**
 * Configuration of {@link kafkaTransport}. `ssl` and `sasl` pass through to
 * kafkajs unchanged.
 *
 * @example
 * kafkaTransport({ brokers: ['kafka-1:9092'], clientId: 'eventide-node-a', ssl: true,
 *   sasl: { mechanism: 'scram-sha-512', username: 'eventide', password: process.env.KAFKA_PASSWORD! } });
 */
export interface KafkaTransportConfig {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: string[];
  /** @default 'eventide' */
  readonly clientId?: string;
  /** TLS: `true` for the system's CAs, or Node TLS options. */
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: SASLOptions;
  /** @default 10000 */
  readonly connectionTimeoutMs?: number;
  /** @default 30000 */
  readonly requestTimeoutMs?: number;
  readonly group?: KafkaGroupTimings;
  /**
   * Receives kafkajs's warnings and errors (its info lines are dropped).
   * @default `console.warn` / `console.error` with a `kafkajs` prefix
   */
  readonly log?: KafkaLogSink;
  /**
   * The codec eventide's producers write each topic with. Every codec is
   * read whatever this says. gzip is what any Kafka client reads without a
   * plugin; lz4 costs 6-10x less time for batches about twice as big
   * (bench/codecs.ts), which suits topics only eventide reads.
   * @default 'gzip'
   */
  readonly compression?: CompressionCodecName | ((topic: string) => CompressionCodecName);
}

/**
 * kafkajs lines that describe normal operation, not trouble: the generation
 * marker of group-protocol.ts, rebalances, protocol errors it retries
 * (CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS...) and the restarts
 * that follow a retriable crash. They pass to a configured `log` sink as
 * 'info', and are dropped by the default one.
 */
const ROUTINE = [
  /received unsubscribed topics/i,
  /group is rebalancing, re-joining/i,
  /^Response \w+\(key: \d+, version: \d+\)$/,
  /^Restarting the consumer in/,
  /attempted an operation with an old epoch/, // thrown to the caller as ProducerFencedError
  /^Failed to send messages: The producer attempted to update a transaction while another concurrent operation/,
  /^Crash: KafkaJS\w+: The coordinator is (loading|not available)/,
  /^Crash: KafkaJS\w+: This is not the correct coordinator/,
];

/** A kafkajs client with eventide's defaults and quiet logging. */
export function createKafkaClient(config: KafkaTransportConfig): Kafka {
  const sink = config.log ?? defaultSink;
  const toSink: logCreator = () => ({ namespace, level, log }) => {
    const { message, ...extra } = log;
    const routine = ROUTINE.some((pattern) => pattern.test(message));
    sink(routine ? 'info' : levelName(level), namespace, message, extra);
  };
  const options: KafkaConfig = {
    clientId: config.clientId ?? 'eventide',
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: config.sasl,
    connectionTimeout: config.connectionTimeoutMs ?? 10_000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.WARN,
    logCreator: toSink,
  };
  return new KafkaClient(options);
}

function levelName(level: number): KafkaLogLevel {
  if (level <= logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  return level === logLevel.INFO ? 'info' : 'debug';
}

const defaultSink: KafkaLogSink = (level, namespace, message) => {
  if (level !== 'error' && level !== 'warn') return;
  const line = `kafkajs ${namespace}: ${message}`;
  if (level === 'error') console.error(line);
  else console.warn(line);
};

/**
 * How CLI commands reach a cluster and name their pipeline: brokers, TLS,
 * SASL, the group and the topic prefix from flags, environment variables
 * (`EVENTIDE_*`) and an optional JSON config file, in that order of
 * precedence.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../protocols/errors.ts';
import type { Transport } from '../protocols/transport.ts';
import { kafkaTransport, type KafkaGroupTimings, type KafkaTransportConfig, type Logger } from '../index.ts';
import { pipelineGroup, pipelineTopicNames, type PipelineTopicNames } from '../pipeline/topics.ts';

/** SASL credentials as the kafka transport takes them. */
type SaslOptions = NonNullable<KafkaTransportConfig['sasl']>;

/** The flags of every cluster command (`--topic-prefix` is the program's, given to every command). */
export interface ConnectionFlags {
  readonly brokers?: string;
  readonly group?: string;
  readonly topicPrefix?: string;
  readonly config?: string;
  readonly ssl?: boolean;
  readonly saslMechanism?: string;
  readonly saslUsername?: string;
  readonly saslPassword?: string;
}

/** A cluster and the pipeline on it, resolved. */
export interface Connection {
  readonly brokers: string[];
  /** The cluster name, the topic prefix before it (`pipelineGroup`): stage groups are `<group>.<stage>`. */
  readonly group: string;
  /** What `--topic-prefix` put before every topic name and the group ('' for none). */
  readonly topicPrefix: string;
  /** The pipeline's topic names, prefixed. */
  readonly topics: PipelineTopicNames;
  readonly ssl: boolean;
  readonly sasl?: SaslOptions;
}

/** Adds the connection flags to a command. */
export function withConnectionFlags(command: Command): Command {
  return command
    .option('--brokers <list>', 'bootstrap brokers, host:port[,host:port] (env EVENTIDE_BROKERS)')
    .option('--group <name>', 'the cluster name; stage groups are <topic prefix><group>.<stage> (env EVENTIDE_GROUP; default eventide)')
    .option('--config <file>', 'a JSON file with brokers, group, topicPrefix, ssl, sasl (env EVENTIDE_CONFIG)')
    .option('--ssl', 'connect with TLS (env EVENTIDE_SSL=1)')
    .option('--sasl-mechanism <name>', 'plain, scram-sha-256 or scram-sha-512 (env EVENTIDE_SASL_MECHANISM)')
    .option('--sasl-username <name>', '(env EVENTIDE_SASL_USERNAME)')
    .option('--sasl-password <secret>', '(env EVENTIDE_SASL_PASSWORD; prefer the variable)');
}

/** The connection a command's flags, the environment and the config file describe; throws `ConfigError` saying what is missing. */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  const file = flags.config ?? env.EVENTIDE_CONFIG;
  let fromFile: Partial<{ brokers: string | string[]; group: string; topicPrefix: string; ssl: boolean; sasl: { mechanism: string; username: string; password: string } }> = {};
  if (file !== undefined) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`cannot read config file ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const brokersText = flags.brokers ?? env.EVENTIDE_BROKERS ?? (Array.isArray(fromFile.brokers) ? fromFile.brokers.join(',') : fromFile.brokers);
  if (brokersText === undefined || brokersText.trim() === '') throw new ConfigError('no brokers: pass --brokers host:port, set EVENTIDE_BROKERS, or name them in --config');
  const brokers = brokersText.split(',').map((broker) => broker.trim()).filter(Boolean);
  for (const broker of brokers) if (!/^[^:\s]+:\d+$/.test(broker)) throw new ConfigError(`broker '${broker}' is not host:port`);
  const naming = { prefix: flags.topicPrefix ?? env.EVENTIDE_TOPIC_PREFIX ?? fromFile.topicPrefix ?? '' };
  const topics = pipelineTopicNames(naming);
  const group = pipelineGroup(flags.group ?? env.EVENTIDE_GROUP ?? fromFile.group ?? 'eventide', naming);
  const ssl = flags.ssl ?? (env.EVENTIDE_SSL === '1' || env.EVENTIDE_SSL === 'true' ? true : (fromFile.ssl ?? false));
  const mechanism = flags.saslMechanism ?? env.EVENTIDE_SASL_MECHANISM ?? fromFile.sasl?.mechanism;
  if (mechanism === undefined) return { brokers, group, topicPrefix: naming.prefix, topics, ssl };
  if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(mechanism)) throw new ConfigError(`SASL mechanism '${mechanism}' is not plain, scram-sha-256 or scram-sha-512`);
  const username = flags.saslUsername ?? env.EVENTIDE_SASL_USERNAME ?? fromFile.sasl?.username;
  const password = flags.saslPassword ?? env.EVENTIDE_SASL_PASSWORD ?? fromFile.sasl?.password;
  if (username === undefined || password === undefined) throw new ConfigError(`SASL ${mechanism} needs a username and a password`);
  return { brokers, group, topicPrefix: naming.prefix, topics, ssl, sasl: { mechanism, username, password } as SaslOptions };
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Where kafkajs's own lines go, as structured log lines. @default warnings and errors on stderr as text */
  readonly logger?: Logger;
  /** Group timings of the node's consumers. */
  readonly group?: KafkaGroupTimings;
}

export function connect(connection: Connection, clientId: string, options: ConnectOptions = {}): Transport {
  const { logger } = options;
  return kafkaTransport({
    brokers: connection.brokers,
    clientId,
    ssl: connection.ssl,
    ...(connection.sasl ? { sasl: connection.sasl } : {}),
    ...(options.group ? { group: options.group } : {}),
    // kafkajs's lines join the node's own, so a JSON log stays JSON; its routine lines (rebalances, retried errors) come as info and go to debug.
    ...(logger ? { log: (level, namespace, message, extra) => logger[level === 'info' ? 'debug' : level]({ kafkajs: namespace, ...extra }, message) } : {}),
  });
}

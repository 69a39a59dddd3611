/**
 * How CLI commands reach a cluster and name their pipeline: brokers, TLS,
 * SASL, the group and the topic prefix from flags, environment variables
 * (`EVENTIDE_*`) and an optional JSON config file, in that order of
 * precedence. Secrets (the SASL password, a TLS key) are read here and handed
 * to the transport only: no message this module makes quotes them.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../protocols/errors.ts';
import type { Transport } from '../protocols/transport.ts';
import { kafkaTransport, SaslAuthenticationError, TlsHandshakeError, type KafkaGroupTimings, type KafkaTransportConfig, type Logger } from '../index.ts';
import { pipelineCompression, pipelineGroup, pipelineTopicNames, type PipelineTopicNames } from '../pipeline/topics.ts';

/** SASL credentials as the kafka transport takes them. */
type SaslOptions = NonNullable<KafkaTransportConfig['sasl']>;

/** TLS as the kafka transport takes it: `true` for the system's CAs, or Node TLS options. */
type TlsOptions = NonNullable<KafkaTransportConfig['ssl']>;

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** The flags of every cluster command (`--topic-prefix` is the program's, given to every command). */
export interface ConnectionFlags {
  readonly brokers?: string;
  readonly group?: string;
  readonly topicPrefix?: string;
  readonly config?: string;
  readonly ssl?: boolean;
  readonly sslCa?: string;
  readonly sslCert?: string;
  readonly sslKey?: string;
  readonly saslMechanism?: string;
  readonly saslUsername?: string;
  readonly saslPassword?: string;
  readonly saslPasswordFile?: string;
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
  /** TLS: `false`, `true` (the system's CAs), or Node TLS options with a CA and a client certificate read from their files. */
  readonly ssl: TlsOptions | false;
  /** Where the trusted CA came from, for messages (`--ssl-ca`, EVENTIDE_SSL_CA or the config file). */
  readonly sslCaFile?: string;
  readonly sasl?: SaslOptions;
}

/** The config file's shape (`--config`, EVENTIDE_CONFIG); paths in it are relative to the file. */
interface ConfigFile {
  readonly brokers?: string | string[];
  readonly group?: string;
  readonly topicPrefix?: string;
  readonly ssl?: boolean | { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly sasl?: { readonly mechanism?: string; readonly username?: string; readonly password?: string; readonly passwordFile?: string };
}

/** Adds the connection flags to a command. */
export function withConnectionFlags(command: Command): Command {
  return command
    .option('--brokers <list>', 'bootstrap brokers, host:port[,host:port] (env EVENTIDE_BROKERS)')
    .option('--group <name>', 'the cluster name; stage groups are <topic prefix><group>.<stage> (env EVENTIDE_GROUP; default eventide)')
    .option('--config <file>', 'a JSON file with brokers, group, topicPrefix, ssl (true, or {"ca","cert","key"} files), sasl ({"mechanism","username","password" or "passwordFile"}) (env EVENTIDE_CONFIG)')
    .option('--ssl', 'connect with TLS, trusting the system\'s CAs (env EVENTIDE_SSL=1)')
    .option('--ssl-ca <file>', 'connect with TLS, trusting the CA certificates (PEM) in this file: for a private CA (env EVENTIDE_SSL_CA)')
    .option('--ssl-cert <file>', 'a client certificate (PEM) for brokers that require one; needs --ssl-key (env EVENTIDE_SSL_CERT)')
    .option('--ssl-key <file>', 'the client certificate\'s private key (PEM) (env EVENTIDE_SSL_KEY)')
    .option('--sasl-mechanism <name>', 'plain, scram-sha-256 or scram-sha-512 (env EVENTIDE_SASL_MECHANISM)')
    .option('--sasl-username <name>', '(env EVENTIDE_SASL_USERNAME)')
    .option('--sasl-password <secret>', 'visible to every user of this machine in `ps` and kept in shell history: prefer EVENTIDE_SASL_PASSWORD or --sasl-password-file')
    .option('--sasl-password-file <file>', 'read the SASL password from this file (one trailing newline is ignored) (env EVENTIDE_SASL_PASSWORD_FILE)');
}

/** The connection a command's flags, the environment and the config file describe; throws `ConfigError` saying what is missing. */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  const file = flags.config ?? env.EVENTIDE_CONFIG;
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const fileDir = file === undefined ? '.' : dirname(resolve(file));
  const fromFilePath = (path: string | undefined): string | undefined => (path === undefined ? undefined : resolve(fileDir, path));

  const brokersText = flags.brokers ?? env.EVENTIDE_BROKERS ?? (Array.isArray(fromFile.brokers) ? fromFile.brokers.join(',') : fromFile.brokers);
  if (brokersText === undefined || brokersText.trim() === '') throw new ConfigError('no brokers: pass --brokers host:port, set EVENTIDE_BROKERS, or name them in --config');
  const brokers = brokersText.split(',').map((broker) => broker.trim()).filter(Boolean);
  for (const broker of brokers) if (!/^[^:\s]+:\d+$/.test(broker)) throw new ConfigError(`broker '${broker}' is not host:port`);
  const naming = { prefix: flags.topicPrefix ?? env.EVENTIDE_TOPIC_PREFIX ?? fromFile.topicPrefix ?? '' };
  const topics = pipelineTopicNames(naming);
  const group = pipelineGroup(flags.group ?? env.EVENTIDE_GROUP ?? fromFile.group ?? 'eventide', naming);

  const fileTls = typeof fromFile.ssl === 'object' ? fromFile.ssl : {};
  const caFile = flags.sslCa ?? env.EVENTIDE_SSL_CA ?? fromFilePath(fileTls.ca);
  const certFile = flags.sslCert ?? env.EVENTIDE_SSL_CERT ?? fromFilePath(fileTls.cert);
  const keyFile = flags.sslKey ?? env.EVENTIDE_SSL_KEY ?? fromFilePath(fileTls.key);
  if ((certFile === undefined) !== (keyFile === undefined)) throw new ConfigError('a TLS client certificate needs both --ssl-cert and --ssl-key (or EVENTIDE_SSL_CERT and EVENTIDE_SSL_KEY, or ssl.cert and ssl.key in the config file)');
  const sslWanted = flags.ssl ?? (env.EVENTIDE_SSL === '1' || env.EVENTIDE_SSL === 'true' ? true : fromFile.ssl !== undefined && fromFile.ssl !== false);
  const tlsFiles = {
    ...(caFile === undefined ? {} : { ca: readSecretFile(caFile, 'the TLS CA file') }),
    ...(certFile === undefined ? {} : { cert: readSecretFile(certFile, 'the TLS client certificate') }),
    ...(keyFile === undefined ? {} : { key: readSecretFile(keyFile, 'the TLS client key') }),
  };
  const ssl: TlsOptions | false = Object.keys(tlsFiles).length > 0 ? tlsFiles : sslWanted;
  const base = { brokers, group, topicPrefix: naming.prefix, topics, ssl, ...(caFile === undefined ? {} : { sslCaFile: caFile }) };

  const mechanismText = flags.saslMechanism ?? env.EVENTIDE_SASL_MECHANISM ?? fromFile.sasl?.mechanism;
  if (mechanismText === undefined) return base;
  const mechanism = mechanismText.toLowerCase();
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) throw new ConfigError(`SASL mechanism '${mechanismText}' is not plain, scram-sha-256 or scram-sha-512`);
  const username = flags.saslUsername ?? env.EVENTIDE_SASL_USERNAME ?? fromFile.sasl?.username;
  const password =
    passwordOf('--sasl-password', flags.saslPassword, '--sasl-password-file', flags.saslPasswordFile) ??
    passwordOf('EVENTIDE_SASL_PASSWORD', env.EVENTIDE_SASL_PASSWORD, 'EVENTIDE_SASL_PASSWORD_FILE', env.EVENTIDE_SASL_PASSWORD_FILE) ??
    passwordOf('sasl.password', fromFile.sasl?.password, 'sasl.passwordFile', fromFilePath(fromFile.sasl?.passwordFile));
  if (username === undefined || username === '') throw new ConfigError(`SASL ${mechanism} needs a username: --sasl-username, EVENTIDE_SASL_USERNAME or sasl.username in the config file`);
  if (password === undefined) throw new ConfigError(`SASL ${mechanism} needs a password: EVENTIDE_SASL_PASSWORD, --sasl-password-file, EVENTIDE_SASL_PASSWORD_FILE or sasl.password(File) in the config file`);
  return { ...base, sasl: { mechanism, username, password } as SaslOptions };
}

/** The password one source gives, inline or from a file; both at once is ambiguous. */
function passwordOf(inlineName: string, inline: string | undefined, fileName: string, file: string | undefined): string | undefined {
  if (inline !== undefined && file !== undefined) throw new ConfigError(`both ${inlineName} and ${fileName} are given: give one`);
  if (file === undefined) return inline;
  const password = readSecretFile(file, `the SASL password file (${fileName})`).replace(/\r?\n$/, '');
  if (password === '') throw new ConfigError(`the SASL password file ${file} (${fileName}) is empty`);
  return password;
}

/** A file's text; the error names the file and why, never what it holds. */
function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

/**
 * The config file, checked field by field. A JSON syntax error is reported
 * by position only: the file holds a password, and some JSON parsers quote
 * the text around the error.
 */
function readConfigFile(path: string): ConfigFile {
  const text = readSecretFile(path, 'config file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw new ConfigError(`config file ${path} is not valid JSON${position === undefined ? '' : ` (at character ${position})`}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`config file ${path} must hold a JSON object`);
  const config = parsed as Record<string, unknown>;
  const wrong = (field: string, expected: string) => new ConfigError(`config file ${path}: ${field} must be ${expected}`);
  const isString = (value: unknown) => typeof value === 'string';
  if (config.brokers !== undefined && !isString(config.brokers) && !(Array.isArray(config.brokers) && config.brokers.every(isString))) throw wrong('brokers', 'a string or an array of strings');
  for (const field of ['group', 'topicPrefix']) if (config[field] !== undefined && !isString(config[field])) throw wrong(field, 'a string');
  const { ssl, sasl } = config;
  if (ssl !== undefined && typeof ssl !== 'boolean') {
    if (typeof ssl !== 'object' || ssl === null) throw wrong('ssl', 'true, false or {"ca","cert","key"}');
    for (const [field, value] of Object.entries(ssl)) {
      if (!['ca', 'cert', 'key'].includes(field)) throw wrong(`ssl.${field}`, 'absent (ssl takes ca, cert and key)');
      if (!isString(value)) throw wrong(`ssl.${field}`, 'a file name');
    }
  }
  if (sasl !== undefined) {
    if (typeof sasl !== 'object' || sasl === null) throw wrong('sasl', '{"mechanism","username","password" or "passwordFile"}');
    for (const [field, value] of Object.entries(sasl)) {
      if (!['mechanism', 'username', 'password', 'passwordFile'].includes(field)) throw wrong(`sasl.${field}`, 'absent (sasl takes mechanism, username, password and passwordFile)');
      if (!isString(value)) throw wrong(`sasl.${field}`, 'a string');
    }
  }
  return config as ConfigFile;
}

/**
 * Runs `run` (a command's work on `connection`) and words its failure to
 * authenticate or to trust the broker for the person at the terminal: who
 * tried, with which mechanism, against which brokers, and what to check. The
 * password is never part of it.
 */
export async function explainingConnectionFailures<T>(connection: Connection, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw explainConnectionFailure(error, connection);
  }
}

/** The error as `explainingConnectionFailures` words it; other errors pass unchanged. */
export function explainConnectionFailure(error: unknown, connection: Connection): unknown {
  const at = connection.brokers.join(',');
  if (error instanceof SaslAuthenticationError && connection.sasl !== undefined) {
    const { mechanism, username } = connection.sasl as { mechanism: string; username?: string };
    return new ConfigError(`SASL authentication failed for user ${username ?? '(none)'} (${mechanism}) at ${at}: check the username and password. The broker said: ${error.reason}`, { cause: error });
  }
  if (error instanceof TlsHandshakeError) {
    const broker = error.broker ?? at;
    const what = `TLS handshake with ${broker} failed (${error.code}: ${error.reason})`;
    if (error.code.startsWith('ERR_SSL_')) return new ConfigError(`${what}: is ${broker} a TLS listener? Without --ssl, connect to a plaintext or SASL_PLAINTEXT listener`, { cause: error });
    if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return new ConfigError(`${what}: the broker's certificate is not for the address connected to; use a broker address its certificate names`, { cause: error });
    if (error.code === 'CERT_HAS_EXPIRED' || error.code === 'CERT_NOT_YET_VALID') return new ConfigError(`${what}: the broker's certificate is not valid now`, { cause: error });
    const trusted = connection.sslCaFile === undefined ? "the system's CAs" : `the CA in ${connection.sslCaFile}`;
    return new ConfigError(`${what}: the broker's certificate is not signed by a CA this client trusts (${trusted}); give the CA that signed it with --ssl-ca <file> or EVENTIDE_SSL_CA`, { cause: error });
  }
  return error;
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
    compression: pipelineCompression(connection.topics),
    // kafkajs's lines join the node's own, so a JSON log stays JSON; its routine lines (rebalances, retried errors) come as info and go to debug.
    ...(logger ? { log: (level, namespace, message, extra) => logger[level === 'info' ? 'debug' : level]({ kafkajs: namespace, ...extra }, message) } : {}),
  });
}

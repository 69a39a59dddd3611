/**
 * The `eventide` command line.
 */
import { produceLoad } from './produce.ts';
import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { isEventideError, QuerySyntaxError } from '../protocols/errors.ts';
import { ROLES, type Role } from '../pipeline/stages.ts';
import { runDemo } from './demo.ts';
import { createLogger, type LogLevel } from './logging.ts';
import { connect, explainingConnectionFailures, resolveConnection, withConnectionFlags, type Connection, type ConnectionFlags } from './connection.ts';
import { checkTopics, createTopics, deleteTopics } from './topics.ts';
import { addQuery, cancelQuery, listQueries, parseDuration, renewQuery } from './queries.ts';
import { clusterStatus, printResults, standbyKey, standbyLags } from './observe.ts';
import { runNodeCommand } from './node-command.ts';
import { DEFAULT_LIST_LIMIT, formatListing, formatSkip, listSnapshotRecords, skipSnapshotRecord } from './snapshots.ts';

const positiveInteger = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
};

const nonNegativeInteger = (value: string): number => {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed)) throw new InvalidArgumentError('must be an integer >= 0');
  return parsed;
};

const program = new Command('eventide')
  .description('An actor-model stream-processing runtime for Apache Kafka')
  .addOption(
    new Option(
      '--topic-prefix <prefix>',
      'put before every topic name of the pipeline (tenant-a. makes tenant-a.events.raw, tenant-a.results...) and before the group, so two pipelines share a cluster without sharing topics, consumer groups or transactional ids; every command of one pipeline needs the same prefix',
    ).env('EVENTIDE_TOPIC_PREFIX'),
  )
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError();

/** A command's own options with the program's (`--topic-prefix`). */
const withGlobals = <T>(command: Command): T => command.optsWithGlobals<T & object>();

program
  .command('demo')
  .description('run the whole query pipeline in one process on the embedded memory transport, with a generated load')
  .option('--duration <seconds>', 'stop after this many seconds and print a summary', positiveInteger)
  .option('--rate <events>', 'events per second', positiveInteger, 20_000)
  .option('--partitions <n>', 'partitions per topic', positiveInteger, 4)
  .option('--log-level <level>', 'debug, info, warn, error or silent', 'warn')
  .option('--inspect <host:port>', 'serve the inspector here (an address other than loopback needs --inspect-token)', '127.0.0.1:0')
  .addOption(new Option('--inspect-token <token>', 'require this token (16+ characters) on every inspector request').env('EVENTIDE_INSPECT_TOKEN'))
  .action(async (_options: unknown, command: Command) => {
    const options = withGlobals<{ duration?: number; rate: number; partitions: number; logLevel: LogLevel; topicPrefix?: string; inspect: string; inspectToken?: string }>(command);
    const summary = await runDemo({
      inspect: options.inspect,
      ...(options.inspectToken === undefined ? {} : { inspectToken: options.inspectToken }),
      ...(options.duration === undefined ? {} : { durationSeconds: options.duration }),
      rate: options.rate,
      partitions: options.partitions,
      ...(options.topicPrefix === undefined ? {} : { topicPrefix: options.topicPrefix }),
      logger: createLogger(options.logLevel),
      out: process.stdout,
    });
    process.stdout.write(
      [
        `ran for: ${summary.seconds.toFixed(1)} s`,
        `events produced: ${summary.eventsProduced}`,
        `events processed: ${summary.eventsProcessed}`,
        `results published: ${summary.resultsPublished}`,
        `dead letters: ${summary.deadLetters}`,
        `throughput: ${Math.round(summary.eventsProcessed / summary.seconds)} events/s`,
        '',
      ].join('\n'),
    );
    process.exit(0);
  });

const roles = (value: string): Role[] => {
  const list = value.split(',').map((role) => role.trim()) as Role[];
  for (const role of list) if (!ROLES.includes(role)) throw new InvalidArgumentError(`unknown role '${role}' (use ${ROLES.join(', ')})`);
  return list;
};

const write = (line: string): void => void process.stdout.write(`${line}\n`);

/** Runs a cluster command with a transport, closing it afterwards. */
async function withCluster<T>(flags: ConnectionFlags, run: (transport: ReturnType<typeof connect>, connection: Connection) => Promise<T>): Promise<T> {
  const connection = resolveConnection(flags);
  const transport = connect(connection, 'eventide-cli');
  try {
    return await explainingConnectionFailures(connection, () => run(transport, connection));
  } finally {
    await transport.close();
  }
}

withConnectionFlags(program.command('node'))
  .description('join an actor cluster and run stages (parse and match together run fused)')
  .option('--roles <list>', 'parse,match,aggregate', roles, [...ROLES])
  .option('--node-id <id>', 'this node\'s name in the cluster', `${hostname()}-${process.pid}`)
  .option('--inspect <host:port>', 'serve the inspector (page, JSON API, /metrics, /status) here; an address other than loopback needs --inspect-token')
  .addOption(new Option('--inspect-token <token>', 'require this token (16+ characters) on every inspector request; needed to bind anything but loopback').env('EVENTIDE_INSPECT_TOKEN'))
  .option('--snapshot-every <duration>', 'snapshot aggregate partitions this often', '5s')
  .option('--idle-timeout <duration>', 'wall-clock quiet time after which a source stops holding the watermark back and a quiet partition closes its windows (keep it above --session-timeout)', '60s')
  .option('--session-timeout <duration>', 'how soon the group notices a node that died', '30s')
  .option('--standbys <n>', 'warm standby replicas of each aggregate partition kept on other nodes, resumed from when an owner dies', nonNegativeInteger, 0)
  .option('--max-event-future <duration>', 'dead-letter raw events stamped further ahead of this node\'s clock (future-timestamp), before they move a watermark', '5m')
  .option('--max-event-age <duration>', 'dead-letter raw events older than this (too-old)', '7d')
  .option('--log-level <level>', 'debug, info, warn, error or silent', 'info')
  .action(async (_options: unknown, command: Command) => {
    const options = withGlobals<ConnectionFlags & { roles: Role[]; nodeId: string; inspect?: string; inspectToken?: string; snapshotEvery: string; idleTimeout: string; sessionTimeout: string; standbys: number; maxEventFuture: string; maxEventAge: string; logLevel: LogLevel }>(command);
    const connection = resolveConnection(options);
    await explainingConnectionFailures(connection, () => runNodeCommand({
      connection,
      roles: options.roles,
      nodeId: options.nodeId,
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
      ...(options.inspectToken === undefined ? {} : { inspectToken: options.inspectToken }),
      snapshotEveryMs: parseDuration(options.snapshotEvery),
      idleTimeoutMs: parseDuration(options.idleTimeout),
      sessionTimeoutMs: parseDuration(options.sessionTimeout),
      standbys: options.standbys,
      eventTime: { maxFutureMs: parseDuration(options.maxEventFuture), maxAgeMs: parseDuration(options.maxEventAge) },
      logger: createLogger(options.logLevel),
      progress: process.stderr,
    }));
  });

const topics = program.command('topics').description('create, verify or delete the pipeline\'s topics');
withConnectionFlags(topics.command('create'))
  .description('create every topic that is missing: events.raw, events.parsed and results with --partitions, events.matched and snapshots with --matched-partitions, queries and deadletter with 1; then check them all')
  .option('--partitions <n>', 'partitions of events.raw, events.parsed and results (default 6)', positiveInteger)
  .option('--matched-partitions <n>', 'partitions of events.matched and snapshots (default: --partitions)', positiveInteger)
  .option('--replication-factor <n>', 'replication factor of every topic (default: the broker\'s)', positiveInteger)
  .action(async (_options: unknown, command: Command) => {
    const options = withGlobals<ConnectionFlags & { partitions?: number; matchedPartitions?: number; replicationFactor?: number }>(command);
    const problems = await withCluster(options, async (transport, connection) => {
      const { created, problems } = await createTopics(transport.admin(), {
        prefix: connection.topicPrefix,
        ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
        ...(options.matchedPartitions === undefined ? {} : { matchedPartitions: options.matchedPartitions }),
        ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
      });
      write(created.length === 0 ? 'every topic exists already' : `created: ${created.join(', ')}`);
      return problems;
    });
    for (const problem of problems) process.stderr.write(`error: ${problem}\n`);
    if (problems.length > 0) process.exit(1);
  });
withConnectionFlags(topics.command('check'))
  .description('report every topic that is missing or misconfigured: snapshots must have the partitions of events.matched, retention must delete old segments, every topic must take records as large as the pipeline writes (max.message.bytes), and the partition counts given here must match (without them, any count passes)')
  .option('--partitions <n>', 'check that events.raw, events.parsed and results have n partitions (and events.matched and snapshots, unless --matched-partitions)', positiveInteger)
  .option('--matched-partitions <n>', 'check that events.matched and snapshots have n partitions', positiveInteger)
  .action(async (_options: unknown, command: Command) => {
    const options = withGlobals<ConnectionFlags & { partitions?: number; matchedPartitions?: number }>(command);
    const problems = await withCluster(options, (transport, connection) =>
      checkTopics(transport.admin(), {
        prefix: connection.topicPrefix,
        ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
        ...(options.matchedPartitions === undefined ? {} : { matchedPartitions: options.matchedPartitions }),
      }),
    );
    for (const problem of problems) process.stderr.write(`error: ${problem}\n`);
    if (problems.length > 0) process.exit(1);
    write('topics ok');
  });
withConnectionFlags(topics.command('delete'))
  .description('delete every topic of the pipeline (events, queries, results, snapshots, dead letters): all its data and state')
  .option('--yes', 'really delete them')
  .action(async (_options: unknown, command: Command) => {
    const options = withGlobals<ConnectionFlags & { yes?: boolean }>(command);
    if (options.yes !== true) {
      process.stderr.write('error: topics delete removes every record and snapshot of the pipeline; pass --yes to do it\n');
      process.exit(1);
    }
    const deleted = await withCluster(options, (transport, connection) => deleteTopics(transport.admin(), { prefix: connection.topicPrefix }));
    write(deleted.length === 0 ? 'no topic of the pipeline exists' : `deleted: ${deleted.join(', ')}`);
  });

const query = program.command('query').description('register, list and cancel queries');
withConnectionFlags(query.command('add <nrql>'))
  .description('register a query (it lives --ttl, at most 1h unless renewed)')
  .option('--ttl <duration>', 'time to live, e.g. 10m or 1h', '1h')
  .option('--id <id>', 'the query id (default: random); an id that is registered already is refused unless --replace')
  .option('--replace', 'replace the query registered with this --id')
  .action(async (nrql: string, _options: unknown, command: Command) => {
    const options = withGlobals<ConnectionFlags & { ttl: string; id?: string; replace?: boolean }>(command);
    const record = await withCluster(options, (transport, { topics }) =>
      addQuery(transport, nrql, { ttlMs: parseDuration(options.ttl), now: Date.now(), topics, ...(options.id === undefined ? {} : { id: options.id }), replace: options.replace === true }),
    );
    write(`${record.id} registered until ${new Date(record.expiresAt).toISOString()}`);
  });
withConnectionFlags(query.command('list'))
  .description('the registered queries')
  .action(async (_options: unknown, command: Command) => {
    const queries = await withCluster(withGlobals<ConnectionFlags>(command), (transport, { topics }) => listQueries(transport, topics));
    const now = Date.now();
    for (const q of queries) write(`${q.id}  ${q.expiresAt > now ? `expires in ${Math.round((q.expiresAt - now) / 1000)}s` : 'expired'}  ${q.nrql}`);
    if (queries.length === 0) write('no queries');
  });
withConnectionFlags(query.command('renew <id>'))
  .description('extend a query\'s life by --ttl from now (at most 1h)')
  .option('--ttl <duration>', 'new time to live from now', '1h')
  .action(async (id: string, _options: unknown, command: Command) => {
    const options = withGlobals<ConnectionFlags & { ttl: string }>(command);
    const renewed = await withCluster(options, (transport, { topics }) => renewQuery(transport, id, { ttlMs: parseDuration(options.ttl), now: Date.now(), topics }));
    if (renewed === null) {
      process.stderr.write(`error: no query ${id} (eventide query list shows them)\n`);
      process.exit(1);
    }
    write(`${id} renewed until ${new Date(renewed.expiresAt).toISOString()}`);
  });
withConnectionFlags(query.command('cancel <id>'))
  .description('cancel a query: its complete windows are published, the rest flagged incomplete')
  .action(async (id: string, _options: unknown, command: Command) => {
    const cancelled = await withCluster(withGlobals<ConnectionFlags>(command), (transport, { topics }) => cancelQuery(transport, id, topics));
    if (!cancelled) {
      process.stderr.write(`error: no query ${id} (eventide query list shows them)\n`);
      process.exit(1);
    }
    write(`${id} cancelled`);
  });

withConnectionFlags(program.command('produce'))
  .description('write realistic raw event batches to events.raw (with --topic-prefix, <prefix>events.raw) at a given rate; retries through broker outages (saying so on stderr) and catches up after them, so a batch whose first send reached the log after all may be written twice')
  .option('--rate <events>', 'events per second', positiveInteger, 1000)
  .option('--duration <seconds>', 'stop after this many seconds', positiveInteger, 60)
  .option('--batch-size <events>', 'events per raw batch', positiveInteger, 100)
  .action(async (_options: unknown, command: Command) => {
    const options = withGlobals<ConnectionFlags & { rate: number; duration: number; batchSize: number }>(command);
    await withCluster(options, async (transport, { topics }) => {
      const summary = await produceLoad(
        transport,
        { topic: topics.raw, rate: options.rate, durationMs: options.duration * 1000, batchSize: options.batchSize },
        { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), report: (line) => process.stderr.write(`${line}\n`) },
      );
      const outages = summary.outages === 0 ? '' : ` (through ${summary.outages} outage${summary.outages === 1 ? '' : 's'})`;
      write(`produced ${summary.events} events in ${(summary.elapsedMs / 1000).toFixed(1)} s${outages}`);
    });
  });

withConnectionFlags(program.command('results'))
  .description('print published window results')
  .option('--follow', 'keep printing new results')
  .option('--query <id>', 'only this query')
  .action(async (_options: unknown, command: Command) => {
    const options = withGlobals<ConnectionFlags & { follow?: boolean; query?: string }>(command);
    const connection = resolveConnection(options);
    const transport = connect(connection, 'eventide-cli');
    const stop = await explainingConnectionFailures(connection, () => printResults(transport, { follow: options.follow === true, write, topics: connection.topics, ...(options.query ? { queryId: options.query } : {}) }));
    if (!options.follow) {
      await transport.close();
      return;
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stop();
    await transport.close();
  });

const snapshots = program.command('snapshots').description('list a snapshots partition as a restore reads it, or skip a publish marker no restore can get past');
withConnectionFlags(snapshots.command('list'))
  .description('one line per record of a snapshots partition: offset, kind (chunk, commit, marker, skip, unknown), snapshot seq, size in bytes, writer (node/generation), and verdict (complete, incomplete, corrupt, ok, undecodable, skipped, applied, no-effect, unknown)')
  .requiredOption('--partition <p>', 'the snapshots partition (the aggregate partition it belongs to)', nonNegativeInteger)
  .option('--from <offset>', 'first offset to list (default: the earliest still there)', nonNegativeInteger)
  .option('--limit <n>', 'list at most n records', positiveInteger, DEFAULT_LIST_LIMIT)
  .option('--topic <name>', 'the snapshots topic (default: the pipeline\'s, with --topic-prefix)')
  .option('--json', 'print one JSON document instead of a table')
  .action(async (_options: unknown, command: Command) => {
    const options = withGlobals<ConnectionFlags & { partition: number; from?: number; limit: number; topic?: string; json?: boolean }>(command);
    const listing = await withCluster(options, (transport, { topics }) =>
      listSnapshotRecords(transport, { topic: options.topic ?? topics.snapshots, partition: options.partition, limit: options.limit, ...(options.from === undefined ? {} : { from: options.from }) }),
    );
    if (options.json === true) write(JSON.stringify(listing));
    else for (const line of formatListing(listing)) write(line);
  });
withConnectionFlags(snapshots.command('skip'))
  .description('record durably, on the snapshots partition itself, that every later restore (on any node) passes over the publish marker at --offset; refused for a marker that decodes unless --force, and for anything but a marker')
  .requiredOption('--partition <p>', 'the snapshots partition', nonNegativeInteger)
  .requiredOption('--offset <offset>', 'the offset of the marker (the restore error and snapshots list name it)', nonNegativeInteger)
  .option('--reason <text>', 'why, kept in the skip record (at most 500 characters)')
  .option('--force', 'skip a marker that decodes: its window may then be published again')
  .option('--topic <name>', 'the snapshots topic (default: the pipeline\'s, with --topic-prefix)')
  .action(async (_options: unknown, command: Command) => {
    const options = withGlobals<ConnectionFlags & { partition: number; offset: number; reason?: string; force?: boolean; topic?: string }>(command);
    await withCluster(options, async (transport, { topics }) => {
      const topic = options.topic ?? topics.snapshots;
      const outcome = await skipSnapshotRecord(transport, { topic, partition: options.partition, offset: options.offset, force: options.force === true, now: Date.now(), ...(options.reason === undefined ? {} : { reason: options.reason }) });
      for (const line of formatSkip(topic, options.partition, outcome)) write(line);
    });
  });

withConnectionFlags(program.command('status'))
  .description('nodes, partitions per node, lag per partition, age of the newest snapshot')
  .action(async (_options: unknown, command: Command) => {
    const status = await withCluster(withGlobals<ConnectionFlags>(command), (transport, { group, topics }) => clusterStatus(transport, group, Date.now(), topics));
    const lags = status.partitions.some((p) => p.standbys.length > 0) ? await standbyLags(status.nodes, { ...(process.env.EVENTIDE_INSPECT_TOKEN ? { token: process.env.EVENTIDE_INSPECT_TOKEN } : {}) }) : new Map<string, number>();
    write(`nodes: ${status.nodes.size}`);
    for (const [nodeId, node] of status.nodes) write(`  ${nodeId}  stages ${node.stages.join(',')}${node.metadata.inspect ? `  inspect ${node.metadata.inspect}` : ''}`);
    write('groups:');
    for (const g of status.groups) write(`  ${g.stage}  generation ${g.generation}  ${g.state === 'rebalancing' ? 'REBALANCING' : g.state}  ${g.members} member${g.members === 1 ? '' : 's'}`);
    write('partitions:');
    for (const p of status.partitions) {
      const age = p.snapshotAgeMs === null ? '' : `  snapshot ${(p.snapshotAgeMs / 1000).toFixed(1)}s old`;
      const released = p.releasedBy === null ? '' : `  released by ${p.releasedBy}`;
      const standby = (node: string): string => {
        const lag = lags.get(standbyKey(node, p.stage, p.partition));
        return `  standby ${node} (${lag === undefined ? 'lag unknown' : `${lag} behind`})`;
      };
      write(`  ${p.stage}[${p.partition}]  owner ${p.owner ?? '-'}  offset ${p.committed ?? '-'}/${p.end}  lag ${p.lag ?? '-'}${age}${released}${p.standbys.map(standby).join('')}`);
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof QuerySyntaxError || isEventideError(error)) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

/**
 * The `eventide` command line.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runDemo } from './demo.ts';
import { createLogger, type LogLevel } from './logging.ts';

const positiveInteger = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
};

const program = new Command('eventide')
  .description('An actor-model stream-processing runtime for Apache Kafka')
  .showHelpAfterError();

program
  .command('demo')
  .description('run the whole query pipeline in one process on the embedded memory transport, with a generated load')
  .option('--duration <seconds>', 'stop after this many seconds and print a summary', positiveInteger)
  .option('--rate <events>', 'events per second', positiveInteger, 20_000)
  .option('--partitions <n>', 'partitions per topic', positiveInteger, 4)
  .option('--log-level <level>', 'debug, info, warn, error or silent', 'warn')
  .action(async (options: { duration?: number; rate: number; partitions: number; logLevel: LogLevel }) => {
    const summary = await runDemo({
      ...(options.duration === undefined ? {} : { durationSeconds: options.duration }),
      rate: options.rate,
      partitions: options.partitions,
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

await program.parseAsync(process.argv);

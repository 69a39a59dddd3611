/**
 * The chaos suite's short profile, as `npm run chaos` runs it: three KRaft
 * brokers, three node processes, a seeded load with poison records and a
 * seeded schedule of faults (SIGKILL, SIGTERM, SIGSTOP past the session
 * timeout, a node joining, a broker killed, a query added and cancelled),
 * then the results compared with the oracle. The seed is random unless
 * CHAOS_SEED is set; the output says how to replay it.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const SUMMARY = /^chaos: faults (\d+), events (\d+), windows (\d+), missing (\d+), duplicated (\d+), wrong (\d+), dead letters (\d+) \(expected (\d+)\)$/m;

function runChaos(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, ['--import=tsx', '--conditions=eventide-source', join(ROOT, 'scripts/chaos/run.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    process.once('exit', () => child.kill('SIGKILL'));
    child.once('exit', (code) => resolveRun({ code, output }));
  });
}

test('chaos, short profile: under faults the results equal the oracle and every poison record is dead-lettered once', async (t) => {
  // 2½ to 4 minutes alone on two cores; more when other work shares the machine.
  t.timeout(600_000);
  const seed = process.env.CHAOS_SEED;
  const { code, output } = await runChaos(seed === undefined ? [] : ['--seed', seed]);
  const summary = SUMMARY.exec(output);
  if (summary === null || code !== 0) t.log(output);
  t.truthy(summary, 'the run ends with its summary line');
  const [, faults, events, windows, missing, duplicated, wrong, deadLetters, expectedDeadLetters] = summary!.map(Number);
  t.is(faults, 7, 'one fault of every kind');
  t.true(events! > 0 && windows! > 0);
  t.is(missing, 0, 'no expected result is missing');
  t.is(duplicated, 0, 'no result is published twice');
  t.is(wrong, 0, 'no result has a wrong count, sum or completeness');
  t.is(deadLetters, expectedDeadLetters, 'every poison record is dead-lettered once');
  t.is(code, 0, 'npm run chaos exits 0');
});

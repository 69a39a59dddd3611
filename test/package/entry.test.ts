/**
 * What the package entry (index.ts) exports, read with the TypeScript
 * compiler as a user's editor would: the public API a stage author needs,
 * and nothing of the runtime's internals (the partition host, the table
 * store, the stage runner, the writer), of the pipeline, its actors or the CLI.
 */
import test from 'ava';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface EntryExport {
  readonly name: string;
  /** Repository-relative files that declare it. */
  readonly files: readonly string[];
}

function entryExports(): EntryExport[] {
  const entry = join(root, 'index.ts');
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  return checker.getExportsOfModule(module).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const files = (target.declarations ?? []).map((declaration) => relative(root, declaration.getSourceFile().fileName).split('\\').join('/'));
    return { name: symbol.getName(), files: [...new Set(files)] };
  });
}

const exported = entryExports();
const names = new Set(exported.map((entry) => entry.name));

test('the entry exports what a stage author needs', (t) => {
  const needed = [
    // stages, tables, nodes
    'defineStage', 'defineTable', 'createNode', 'EventideNode', 'NodeOptions', 'StageSettings', 'StageDefinition', 'StageOptions', 'TableDefinition',
    'HostedPartition', 'TableView', 'PartitionStats', 'RestoreReport', 'PartitionState', 'DEFAULT_DEAD_LETTER_TOPIC',
    // the machine contract
    'RuntimeMessage', 'StageEmission', 'PartitionInput', 'BatchMessage', 'TickMessage', 'OutputRecord', 'DeadLetterRequest',
    // transports, time, logs, instrumentation, errors
    'Transport', 'MemoryLog', 'memoryTransport', 'kafkaTransport', 'KafkaTransportConfig', 'ManualClock', 'systemClock', 'Clock',
    'Logger', 'silentLogger', 'Instrumentation', 'InstrumentationEvents', 'EventideError', 'ConfigError', 'DecodeError', 'isRetriable',
  ];
  t.deepEqual(needed.filter((name) => !names.has(name)), []);
});

test('the entry exports none of the runtime\'s internals', (t) => {
  const internals = ['PartitionHost', 'PartitionHostStats', 'PartitionHostContext', 'TableStore', 'StageRunner', 'PartitionWriter', 'PartitionLifecycle', 'Mailbox', 'SnapshotRestorer', 'hostedPartition'];
  t.deepEqual(internals.filter((name) => names.has(name)), []);
});

test('everything the entry exports is declared in the runtime or the protocols, never in the pipeline, the actors or the CLI', (t) => {
  const elsewhere = exported.filter((entry) => entry.files.some((file) => !file.startsWith('runtime/') && !file.startsWith('protocols/')));
  t.deepEqual(elsewhere.map((entry) => `${entry.name} (${entry.files.join(', ')})`), []);
});

// On Node 20, ava cannot load TypeScript inside worker threads, so each test
// file runs in a child process with tsx registered as the loader. The
// `eventide-source` condition makes `import ... from 'eventide'` (the examples)
// resolve to the TypeScript sources rather than a build in dist/.
export default {
  files: ['test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx', '--conditions=eventide-source'],
  workerThreads: false,
  timeout: '120s',
  concurrency: 2,
};

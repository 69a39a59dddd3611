// On Node 20, ava cannot load TypeScript inside worker threads, so each test
// file runs in a child process with tsx registered as the loader.
export default {
  files: ['test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  timeout: '120s',
  concurrency: 2,
};

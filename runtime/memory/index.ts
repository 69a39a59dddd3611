/**
 * The memory transport: an in-process log with Kafka's semantics, the
 * embedded default for `npm start` and for fast tests.
 */
export { MemoryLog, type MemoryLogOptions } from './memory-log.ts';
export { memoryTransport, type MemoryTransport, type MemoryTransportOptions } from './memory-transport.ts';
export type { HandOver } from './consumer-group.ts';
export type { FaultPoint, HandlerErrorContext, HandlerErrorListener } from './node.ts';

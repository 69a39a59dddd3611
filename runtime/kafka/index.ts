/**
 * The Kafka transport: eventide's `Transport` contract on kafkajs. The only
 * place in eventide that imports kafkajs.
 */
export { kafkaTransport } from './kafka-transport.ts';
export type { KafkaGroupTimings, KafkaLogLevel, KafkaLogSink, KafkaTransportConfig } from './kafka-config.ts';
export { SaslAuthenticationError, TlsHandshakeError } from './kafka-errors.ts';
export { stickyAssigner } from './sticky-assigner.ts';
export { diffAssignments, type AssignmentChange } from './assignment-diff.ts';

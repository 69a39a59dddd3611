import test from 'ava';
import { contractOnKafka } from './contract-on-kafka.ts';

// The last 3.x line: Kafka 4 removed old protocol versions, so both lines are tested (docs/kafka-versions.md).
contractOnKafka(test, '3.9.1');

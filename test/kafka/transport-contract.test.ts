import test from 'ava';
import { contractOnKafka } from './contract-on-kafka.ts';

// The default Kafka version (scripts/kafka/default-version, or EVENTIDE_KAFKA_VERSION).
contractOnKafka(test);

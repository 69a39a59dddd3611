/**
 * A single event, as parse produces it and match reads it. On the wire (raw
 * batches, `events.parsed`) an event is a flat JSON object:
 * `{"eventType":"PageView","timestamp":1700000000000,"appName":"shop"}`;
 * in memory the attributes are kept apart from the two fields every event has.
 */

/** The value of an event attribute. Nested objects and arrays are not attributes. */
export type AttributeValue = string | number | boolean | null;

export interface Event {
  /** What happened, e.g. `PageView`, `Transaction`. Queries select on it with FROM. */
  readonly eventType: string;
  /** Event time, milliseconds since the epoch. Windows follow it. */
  readonly timestamp: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** An attribute by name; `eventType` and `timestamp` resolve to the event's own fields. Absent is `undefined`. */
export function attributeOf(event: Event, name: string): AttributeValue | undefined {
  if (name === 'eventType') return event.eventType;
  if (name === 'timestamp') return event.timestamp;
  return event.attributes[name];
}

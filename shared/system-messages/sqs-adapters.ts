/** The SQS adapter of the notify DeadLetters port. */
import type { QueuePublisher } from '../ports';
import type { DeadLetterRecord } from './fanout-message';
import type { DeadLetters } from './ports';

/** Dead-letter records are plain JSON messages on a queue. */
export const queueDeadLetters = (publisher: QueuePublisher): DeadLetters => ({
  put: (record: DeadLetterRecord) => publisher.publish([{ body: JSON.stringify(record) }]),
});

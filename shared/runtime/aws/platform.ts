/**
 * The Platform of a Lambda function, put together by its entry from one piece per AWS service it
 * uses (./dynamo, ./secrets, ./sqs, ./scheduler, ./mesibo), so a bundle carries no other function's
 * clients. Each piece builds one client per container, configured by the Lambda environment; the
 * pieces only some requests need (secrets, mesibo, the scheduler) import their client's module on
 * first use, so a cold start that does not need them never parses them.
 */
import { type Clock, systemClock } from '../../ports';
import type { Platform } from '../platform';

/** A Lambda's platform from its pieces (e.g. `{ ...awsDynamo, ...awsSecrets }`), on the system clock. */
export const awsPlatform = <T extends Partial<Platform>>(pieces: T): T & { clock: Clock } => ({
  clock: systemClock,
  ...pieces,
});

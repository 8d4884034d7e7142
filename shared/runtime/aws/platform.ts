/**
 * The Platform of a Lambda function, put together by its entry from one piece per AWS service it
 * uses (./dynamo, ./secrets, ./sqs, ./scheduler, ./mesibo), so a bundle carries no other function's
 * clients. Each piece imports its client's module on first use (the entry chunk carries none) and
 * builds one client per container, configured by the Lambda environment.
 */
import { type Clock, systemClock } from '../../ports';
import type { Platform } from '../platform';

/** A Lambda's platform from its pieces (e.g. `{ ...awsDynamo, ...awsSecrets }`), on the system clock. */
export const awsPlatform = <T extends Partial<Platform>>(pieces: T): T & { clock: Clock } => ({
  clock: systemClock,
  ...pieces,
});

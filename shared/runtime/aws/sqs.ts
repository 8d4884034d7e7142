/**
 * SQS for a Lambda's platform: one client per container for sending and redelivery. Imported
 * statically: every function that sends to a queue does so on its first request.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsPublisher } from '../../queue/sqs-publisher';
import { sqsRedeliveryDelay } from '../../queue/sqs-redelivery';
import type { Platform } from '../platform';

let client: SQSClient | undefined;
const sqsClient = (): SQSClient => {
  client ??= new SQSClient({});
  return client;
};

export const awsSqs: Pick<Platform, 'queue' | 'redelivery'> = {
  queue: async (queueUrl) => createSqsPublisher({ queueUrl, client: sqsClient() }),
  redelivery: async () => sqsRedeliveryDelay(sqsClient()),
};

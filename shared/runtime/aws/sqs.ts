/**
 * SQS for a Lambda's platform: one client per container for sending and redelivery, traced when
 * tracing is on. Imported statically: every function that sends to a queue does so on its first request.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { traceClient } from '../../observability/tracing';
import { createSqsPublisher } from '../../queue/sqs-publisher';
import { sqsRedeliveryDelay } from '../../queue/sqs-redelivery';
import type { Platform } from '../platform';

let client: Promise<SQSClient> | undefined;
const sqsClient = (): Promise<SQSClient> => {
  client ??= traceClient(new SQSClient({}));
  return client;
};

export const awsSqs: Pick<Platform, 'queue' | 'redelivery'> = {
  queue: async (queueUrl) => createSqsPublisher({ queueUrl, client: await sqsClient() }),
  redelivery: async () => sqsRedeliveryDelay(await sqsClient()),
};

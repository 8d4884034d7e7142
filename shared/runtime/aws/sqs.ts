/** SQS for a Lambda's platform: one client per container for sending and redelivery, loaded on first use. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Platform } from '../platform';
import { once } from './once';

const sqsClient = once(async (): Promise<SQSClient> => {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  return new SQSClient({});
});

export const awsSqs: Pick<Platform, 'queue' | 'redelivery'> = {
  queue: async (queueUrl) => {
    const [{ createSqsPublisher }, client] = await Promise.all([
      import('../../queue/sqs-publisher'),
      sqsClient(),
    ]);
    return createSqsPublisher({ queueUrl, client });
  },
  redelivery: async () => {
    const [{ sqsRedeliveryDelay }, client] = await Promise.all([
      import('../../queue/sqs-redelivery'),
      sqsClient(),
    ]);
    return sqsRedeliveryDelay(client);
  },
};

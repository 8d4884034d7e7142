/**
 * The Platform of a Lambda function: AWS SDK clients configured by the Lambda environment. Each
 * client's module is imported on first use, so the bundle's entry chunk carries none of them and a
 * function loads only the clients its wiring asks for. One client per service per container.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { MesiboClient } from '../mesibo/types';
import { systemClock } from '../ports';
import type { DynamoClients, Platform } from './platform';

const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make().catch((e: unknown) => {
      value = undefined; // a failed load is retried by the next caller
      throw e;
    });
    return value;
  };
};

const dynamo = once(
  async (): Promise<DynamoClients> => (await import('../storage/dynamo-client')).dynamoClients(),
);

const sqs = once(async (): Promise<SQSClient> => {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  return new SQSClient({});
});

export const awsPlatform: Platform = {
  clock: systemClock,
  dynamo,
  secret: async (secretId, options) =>
    (await import('../secrets/secrets-manager')).secretsManagerSource(secretId, options),
  queue: async (queueUrl) => {
    const [{ createSqsPublisher }, client] = await Promise.all([import('../queue/sqs-publisher'), sqs()]);
    return createSqsPublisher({ queueUrl, client });
  },
  redelivery: async () => {
    const [{ sqsRedeliveryDelay }, client] = await Promise.all([import('../queue/sqs-redelivery'), sqs()]);
    return sqsRedeliveryDelay(client);
  },
  scheduler: async (group) => {
    const [{ SchedulerClient }, { eventBridgeOneTimeScheduler }] = await Promise.all([
      import('@aws-sdk/client-scheduler'),
      import('../scheduler/eventbridge-scheduler'),
    ]);
    const client = new SchedulerClient({});
    return (targetArn) => eventBridgeOneTimeScheduler({ client, ...group, targetArn });
  },
  mesibo: async (options): Promise<MesiboClient> =>
    (await import('../mesibo/client')).createMesiboClient(options),
};

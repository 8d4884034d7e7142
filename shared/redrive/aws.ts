/**
 * The redrive's AWS side. The stack tags its schedule group (whose name derives from the stage) with
 * the queue URLs and ARNs a redrive needs, so the command finds them with the SDK clients the project
 * already has. Letters are received with a visibility timeout that outlasts the run, so no other
 * receive sees them meanwhile; those left are made visible again at the end.
 */
import { randomUUID } from 'node:crypto';
import {
  GetScheduleGroupCommand,
  ListTagsForResourceCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { SQS_MAX_BATCH_ENTRIES } from '../queue/limits';
import { eventBridgeOneTimeScheduler } from '../scheduler/eventbridge-scheduler';
import type { ScheduleInput } from '../system-messages/schedule-input';
import { REDRIVE_TAGS, type RedriveTag, redriveScheduleName } from './discovery';
import type { DeadLetterSource, ReceivedLetter } from './run';

export type StageResources = Record<RedriveTag, string>;

export const scheduleGroupName = (stage: string): string => `mesibo-serverless-${stage}`;

/** The stage's redrive resources, from its schedule group's tags; names what is missing. */
export const discoverResources = async (
  client: SchedulerClient,
  groupName: string,
): Promise<StageResources> => {
  const group = await client.send(new GetScheduleGroupCommand({ Name: groupName }));
  const { Tags = [] } = await client.send(new ListTagsForResourceCommand({ ResourceArn: group.Arn }));
  const byKey = new Map(Tags.map((t) => [t.Key, t.Value]));
  const missing: string[] = [];
  const resources = {} as StageResources;
  for (const [name, key] of Object.entries(REDRIVE_TAGS) as [RedriveTag, string][]) {
    const value = byKey.get(key);
    if (value) resources[name] = value;
    else missing.push(key);
  }
  if (missing.length) {
    throw new Error(
      `schedule group ${groupName} lacks the tags ${missing.join(', ')}: deploy this version of the stack first`,
    );
  }
  return resources;
};

const chunks = <T>(items: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += SQS_MAX_BATCH_ENTRIES)
    out.push(items.slice(i, i + SQS_MAX_BATCH_ENTRIES));
  return out;
};

export const sqsDeadLetterSource = (options: {
  client: SQSClient;
  queueUrl: string;
  /** How long received letters stay hidden; longer than the run, confirmation included. */
  visibilitySeconds?: number;
  /** Long-poll wait of each receive; the first empty answer ends the receiving. */
  waitSeconds?: number;
}): DeadLetterSource => {
  const { client, queueUrl } = options;
  return {
    async receive() {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: SQS_MAX_BATCH_ENTRIES,
          VisibilityTimeout: options.visibilitySeconds ?? 900,
          WaitTimeSeconds: options.waitSeconds ?? 2,
          MessageSystemAttributeNames: ['MessageGroupId'],
          MessageAttributeNames: ['ERROR_CODE'],
        }),
      );
      return Messages.flatMap((m): ReceivedLetter[] => {
        if (!m.MessageId || !m.ReceiptHandle || m.Body === undefined) return [];
        const groupId = m.Attributes?.MessageGroupId;
        const errorCode = m.MessageAttributes?.ERROR_CODE?.StringValue;
        return [
          {
            id: m.MessageId,
            receiptHandle: m.ReceiptHandle,
            body: m.Body,
            ...(groupId ? { groupId } : {}),
            ...(errorCode ? { errorCode } : {}),
          },
        ];
      });
    },
    async delete(letters) {
      const failed: string[] = [];
      for (const chunk of chunks(letters)) {
        try {
          const out = await client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((l, i) => ({ Id: String(i), ReceiptHandle: l.receiptHandle })),
            }),
          );
          for (const f of out.Failed ?? []) failed.push(chunk[Number(f.Id)]?.id ?? String(f.Id));
        } catch {
          failed.push(...chunk.map((l) => l.id));
        }
      }
      return failed;
    },
    async release(letters) {
      for (const chunk of chunks(letters)) {
        // Best effort: a letter not released reappears when its visibility timeout ends.
        await client
          .send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((l, i) => ({
                Id: String(i),
                ReceiptHandle: l.receiptHandle,
                VisibilityTimeout: 0,
              })),
            }),
          )
          .catch(() => undefined);
      }
    },
  };
};

/**
 * Delivers a schedule input to send-system-message again through a one-time schedule, the way
 * `sendAt` does: Scheduler invokes the function (its retries and DLQ apply), whose occurrence
 * handler sends each occurrence once. The name comes from the input, so redriving the same letter
 * twice while the first schedule is pending creates one schedule.
 */
export const schedulerInvoke = (options: {
  client: SchedulerClient;
  groupName: string;
  resources: StageResources;
  now?: () => number;
}): ((input: ScheduleInput) => Promise<void>) => {
  const scheduler = eventBridgeOneTimeScheduler({
    client: options.client,
    groupName: options.groupName,
    roleArn: options.resources.schedulerRoleArn,
    deadLetterArn: options.resources.schedulerDlqArn,
    targetArn: options.resources.scheduleTargetArn,
  });
  const now = options.now ?? Date.now;
  return async (input) => {
    // A minute ahead: an `at()` time must not have passed when Scheduler validates it.
    await scheduler.create({
      name: redriveScheduleName(input),
      at: new Date(now() + 60_000),
      payload: input,
    });
  };
};

export const freshId = (): string => randomUUID();

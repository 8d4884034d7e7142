import { describe, expect, it } from 'vitest';
import { planRedrive } from '../../../shared/redrive/plan';
import { SCHEDULE_SOURCE } from '../../../shared/system-messages/schedule-input';

const newId = () => 'fresh-id';
const batch = {
  v: 1,
  notificationId: 'n-1',
  batch: 3,
  from: 'system',
  delivery: 'at-most-once',
  message: { text: 'hello' },
  to: ['alice', 'bob'],
};
const record = (reason: string, original: unknown) =>
  JSON.stringify({
    reason,
    detail: 'why',
    notificationId: 'n-1',
    batch: '3',
    original,
    at: '2025-01-01T00:00:00.000Z',
  });
const scheduleInput = {
  source: SCHEDULE_SOURCE,
  schedule: 'once.n-9',
  notification: { notificationId: 'n-9', audience: { addresses: ['alice'] }, message: { text: 'later' } },
};

describe('planRedrive: fan-out DLQ', () => {
  it('unwraps an attempts-exhausted record to the batch it carries, keeping its id and number', () => {
    const plan = planRedrive('fanout', { body: record('attempts-exhausted', batch) }, newId);
    expect(plan).toEqual({
      action: 'enqueue',
      reason: 'attempts-exhausted',
      message: { body: JSON.stringify(batch) },
    });
  });

  it('sends a batch SQS moved after maxReceiveCount back as it is', () => {
    const body = JSON.stringify(batch);
    expect(planRedrive('fanout', { body }, newId)).toEqual({
      action: 'enqueue',
      reason: 'max-receives',
      message: { body },
    });
  });

  // Both found by the fan-out simulation: a step whose invocations kept dying was moved by SQS, and
  // the redrive left it behind, so the rest of its users were never reached.
  const step = {
    v: 1,
    kind: 'expand',
    notificationId: 'n-2',
    step: 2,
    cursor: { pk: 'user-17', sk: 'appid#com.example.app' },
    firstBatch: 4,
    recipientsBefore: 18,
    lastAddress: 'user-17',
    pageSize: 9,
    batchSize: 7,
    from: 'system',
    delivery: 'at-least-once',
    message: { text: 'hello' },
  };
  it('sends an expansion step back, whether SQS moved it or the worker gave up on it', () => {
    const body = JSON.stringify(step);
    expect(planRedrive('fanout', { body }, newId)).toEqual({
      action: 'enqueue',
      reason: 'max-receives',
      message: { body },
    });
    expect(planRedrive('fanout', { body: record('attempts-exhausted', step) }, newId)).toEqual({
      action: 'enqueue',
      reason: 'attempts-exhausted',
      message: { body },
    });
  });

  it.each([
    ['outcome-unknown', batch, /may already have sent/],
    ['invalid-batch', '{"not":"a batch"}', /cannot succeed/],
    ['attempts-exhausted', { v: 1 }, /valid batch/],
    ['something-else', batch, /not a fan-out/],
  ])('keeps a %s record, saying why', (reason, original, why) => {
    const plan = planRedrive('fanout', { body: record(reason, original) }, newId);
    expect(plan).toMatchObject({ action: 'keep', reason, why: expect.stringMatching(why) });
  });

  it.each(['not json', '{"v":2}', '[]'])('keeps an unrecognized body %s', (body) => {
    expect(planRedrive('fanout', { body }, newId)).toMatchObject({ action: 'keep', reason: 'unrecognized' });
  });
});

describe('planRedrive: group-sync DLQ', () => {
  const message = {
    deliveryId: 'd-1',
    receivedAt: 1,
    event: { type: 'group.delete', group: { key: 'team-a' } },
  };

  it('sends the message as it is in its message group with a fresh deduplication id', () => {
    const body = JSON.stringify(message);
    expect(planRedrive('group-sync', { body, groupId: 'team-a' }, newId)).toEqual({
      action: 'enqueue',
      reason: 'max-receives',
      message: { body, groupId: 'team-a', deduplicationId: 'fresh-id' },
    });
  });

  it('takes the group from the event when the letter has none', () => {
    const plan = planRedrive('group-sync', { body: JSON.stringify(message) }, newId);
    expect(plan).toMatchObject({ action: 'enqueue', message: { groupId: 'team-a' } });
  });

  it('keeps what is not a group-sync message, or has no group', () => {
    expect(planRedrive('group-sync', { body: '{"x":1}' }, newId)).toMatchObject({ action: 'keep' });
    const noGroup = JSON.stringify({ deliveryId: 'd-2', event: {} });
    expect(planRedrive('group-sync', { body: noGroup }, newId)).toMatchObject({
      action: 'keep',
      why: expect.stringMatching(/message group/),
    });
  });
});

describe('planRedrive: scheduler DLQ', () => {
  it("redelivers Scheduler's own dead letter (the input), naming its error code", () => {
    const plan = planRedrive(
      'scheduler',
      { body: JSON.stringify(scheduleInput), errorCode: 'AWS.Lambda.Throttled' },
      newId,
    );
    expect(plan).toEqual({
      action: 'invoke',
      reason: 'scheduler: AWS.Lambda.Throttled',
      input: scheduleInput,
    });
  });

  it("unwraps Lambda's on-failure record to its requestPayload", () => {
    const body = JSON.stringify({
      version: '1.0',
      timestamp: '2025-01-01T00:00:00.000Z',
      requestContext: {
        requestId: 'r',
        functionArn: 'arn:f',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: scheduleInput,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'boom' },
    });
    expect(planRedrive('scheduler', { body }, newId)).toEqual({
      action: 'invoke',
      reason: 'lambda: RetriesExhausted',
      input: scheduleInput,
    });
  });

  it('redelivers a schedule-not-sendable record (its cause may be fixed) and keeps an invalid input', () => {
    expect(
      planRedrive('scheduler', { body: record('schedule-not-sendable', scheduleInput) }, newId),
    ).toMatchObject({
      action: 'invoke',
      input: scheduleInput,
    });
    expect(
      planRedrive('scheduler', { body: record('invalid-schedule-input', { source: 'x' }) }, newId),
    ).toMatchObject({
      action: 'keep',
      reason: 'invalid-schedule-input',
    });
  });

  it('keeps an input whose placeholder was never filled, and unknown shapes', () => {
    const unfilled = { ...scheduleInput, scheduledTime: '<aws.scheduler.scheduled-time>' };
    expect(planRedrive('scheduler', { body: JSON.stringify(unfilled) }, newId)).toMatchObject({
      action: 'keep',
    });
    expect(planRedrive('scheduler', { body: '{"hello":1}' }, newId)).toMatchObject({
      action: 'keep',
      reason: 'unrecognized',
    });
  });
});

/**
 * Whether a DynamoDB write failed only because its condition did not hold: an expected answer to a
 * conditional write, not an error. The name is checked too, because an error from another copy of the
 * SDK (a second bundle, a test double) is not an instance of this copy's class.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

export const isConditionFailure = (e: unknown): e is ConditionalCheckFailedException =>
  e instanceof ConditionalCheckFailedException ||
  (e as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isConditionFailure } from '../../../shared/storage/condition-failure';

describe('isConditionFailure', () => {
  it("knows the SDK's own exception", () => {
    const e = new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
    });
    expect(isConditionFailure(e)).toBe(true);
  });

  it('knows the exception by name when it comes from another copy of the SDK', () => {
    const e = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
    });
    expect(isConditionFailure(e)).toBe(true);
  });

  it('is false for any other failure', () => {
    for (const e of [
      new Error('ConditionalCheckFailedException'),
      { name: 'ThrottlingException' },
      null,
      undefined,
    ]) {
      expect(isConditionFailure(e)).toBe(false);
    }
  });
});

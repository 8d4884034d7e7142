import AWSXRay from 'aws-xray-sdk-core';
import { describe, expect, it } from 'vitest';
import { MesiboError } from '../../../shared/mesibo/errors';
import { tracedMesiboCalls } from '../../../shared/observability/mesibo-tracing';

interface Doc {
  name: string;
  namespace?: string;
  annotations?: Record<string, unknown>;
  error?: boolean;
  fault?: boolean;
  end_time?: number;
}

const traced = () => {
  const segment = new AWSXRay.Segment('fn');
  const wrap = tracedMesiboCalls({ getSegment: () => segment });
  const subsegments = () => (JSON.parse(segment.format()) as { subsegments?: Doc[] }).subsegments ?? [];
  return { wrap, subsegments };
};

describe('tracedMesiboCalls', () => {
  it('records a call as a closed remote subsegment named mesibo, annotated with its op', async () => {
    const { wrap, subsegments } = traced();
    expect(await wrap('useradd', async () => 'answer')).toBe('answer');
    expect(subsegments()).toEqual([
      expect.objectContaining({ name: 'mesibo', namespace: 'remote', annotations: { mesibo_op: 'useradd' } }),
    ]);
    expect(subsegments()[0]?.end_time).toBeGreaterThan(0);
    expect(subsegments()[0]?.fault).toBeUndefined();
  });

  it('marks a refusal as an error and a transport failure as a fault, with the code and nothing else', async () => {
    const { wrap, subsegments } = traced();
    const refused = new MesiboError({
      op: 'message',
      kind: 'api',
      error: 'BADVALUE',
      cause: 'token app-token-secret-value rejected',
      retryable: false,
    });
    await expect(wrap('message', () => Promise.reject(refused))).rejects.toBe(refused);
    const timedOut = new MesiboError({ op: 'useradd', kind: 'timeout', error: 'TIMEOUT', retryable: true });
    await expect(wrap('useradd', () => Promise.reject(timedOut))).rejects.toBe(timedOut);
    const [first, second] = subsegments();
    expect(first).toMatchObject({
      error: true,
      annotations: { mesibo_op: 'message', mesibo_error: 'BADVALUE' },
    });
    expect(first?.fault).toBeUndefined();
    expect(second).toMatchObject({ fault: true, annotations: { mesibo_error: 'TIMEOUT' } });
    expect(JSON.stringify(subsegments())).not.toContain('app-token-secret-value');
  });

  it('calls straight through when there is no segment (tracing on, no active trace)', async () => {
    const wrap = tracedMesiboCalls({ getSegment: () => undefined });
    expect(await wrap('useradd', async () => 7)).toBe(7);
  });
});

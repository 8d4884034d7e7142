/**
 * The Powertools adapter of the mesibo client's `onCall` observer: which EMF lines it writes, on which
 * dimension sets, and when.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_METRICS_NAMESPACE,
  functionMetrics,
  mesiboCallMetrics,
  publishMetrics,
} from '../../../shared/observability/mesibo-metrics';

type Emf = Record<string, unknown> & {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
};

describe('mesiboCallMetrics', () => {
  let lines: Emf[];

  beforeEach(() => {
    lines = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n')) if (line.startsWith('{')) lines.push(JSON.parse(line));
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const setup = () => {
    const metrics = functionMetrics('sync-group-worker', { POWERTOOLS_METRICS_NAMESPACE: 'Stage/Ns' });
    return { metrics, onCall: mesiboCallMetrics(metrics) };
  };
  const cw = (line: Emf | undefined) => line?._aws.CloudWatchMetrics[0];

  it('stores a call and its latency on the service dimension, written when the invocation flushes', () => {
    const { metrics, onCall } = setup();
    onCall({ op: 'groupset', ok: true, attempts: 1, durationMs: 41.6 });
    expect(lines).toEqual([]);

    publishMetrics(metrics);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: 'sync-group-worker', MesiboCall: 1, MesiboLatency: 42 });
    expect(lines[0]).not.toHaveProperty('MesiboError');
    expect(cw(lines[0])).toEqual({
      Namespace: 'Stage/Ns',
      Dimensions: [['service']],
      Metrics: [
        { Name: 'MesiboCall', Unit: 'Count' },
        { Name: 'MesiboLatency', Unit: 'Milliseconds' },
      ],
    });
  });

  it('counts a failure on the service dimension, and at once by Op and ErrorCode in its own line', () => {
    const { metrics, onCall } = setup();
    onCall({
      op: 'groupeditmembers',
      ok: false,
      error: 'TIMEOUT',
      kind: 'timeout',
      attempts: 3,
      durationMs: 9,
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      service: 'sync-group-worker',
      Op: 'groupeditmembers',
      ErrorCode: 'TIMEOUT',
      MesiboError: 1,
    });
    expect(cw(lines[0])).toMatchObject({
      Namespace: 'Stage/Ns',
      Dimensions: [['service', 'Op', 'ErrorCode']],
      Metrics: [{ Name: 'MesiboError', Unit: 'Count' }],
    });

    publishMetrics(metrics);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ MesiboCall: 1, MesiboError: 1, MesiboLatency: 9 });
    expect(lines[1]).not.toHaveProperty('ErrorCode');
    expect(cw(lines[1])?.Dimensions).toEqual([['service']]);
  });

  it('writes one stored line per invocation however many calls it made', () => {
    const { metrics, onCall } = setup();
    onCall({ op: 'groupadd', ok: true, attempts: 1, durationMs: 10 });
    onCall({ op: 'groupeditmembers', ok: true, attempts: 2, durationMs: 30 });
    publishMetrics(metrics);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ MesiboCall: [1, 1], MesiboLatency: [10, 30] });

    publishMetrics(metrics);
    expect(lines).toHaveLength(1);
  });

  it('uses a code-shaped ErrorCode only', () => {
    const { onCall } = setup();
    onCall({
      op: 'message',
      ok: false,
      error: 'something the server said',
      kind: 'api',
      attempts: 1,
      durationMs: 1,
    });
    onCall({ op: 'message', ok: false, attempts: 0, durationMs: 1 });
    expect(lines.map((l) => l.ErrorCode)).toEqual(['UNKNOWN', 'UNKNOWN']);
  });

  it('defaults the namespace when POWERTOOLS_METRICS_NAMESPACE is unset or blank', () => {
    for (const env of [{}, { POWERTOOLS_METRICS_NAMESPACE: '' }]) {
      const metrics = functionMetrics('issue-user-token', env);
      mesiboCallMetrics(metrics)({ op: 'useradd', ok: true, attempts: 1, durationMs: 1 });
      publishMetrics(metrics);
    }
    expect(lines.map((l) => cw(l)?.Namespace)).toEqual([
      DEFAULT_METRICS_NAMESPACE,
      DEFAULT_METRICS_NAMESPACE,
    ]);
    expect(DEFAULT_METRICS_NAMESPACE).toBe('MesiboServerless');
  });
});

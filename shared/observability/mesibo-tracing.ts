/**
 * One X-Ray subsegment per mesibo call (its retries and backoff included), a remote node named
 * `mesibo` annotated with the op and, on failure, mesibo's or the transport's error code. Nothing else
 * is recorded: no URL, body, address or token, so no secret can reach a trace.
 */
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { isMesiboError } from '../mesibo/errors';
import type { MesiboCallWrapper } from '../mesibo/options';

export const tracedMesiboCalls =
  (tracer: Pick<Tracer, 'getSegment'>): MesiboCallWrapper =>
  async (op, call) => {
    const parent = tracer.getSegment();
    if (!parent) return call();
    const subsegment = parent.addNewSubsegment('mesibo');
    subsegment.namespace = 'remote';
    subsegment.addAnnotation('mesibo_op', op);
    try {
      return await call();
    } catch (e) {
      if (isMesiboError(e)) {
        subsegment.addAnnotation('mesibo_error', e.error);
        // A refusal is the caller's problem (4xx in X-Ray's terms); a failed transport is a fault.
        if (e.kind === 'api') subsegment.addErrorFlag();
        else subsegment.addFaultFlag();
      } else {
        subsegment.addFaultFlag();
      }
      throw e;
    } finally {
      subsegment.close();
    }
  };

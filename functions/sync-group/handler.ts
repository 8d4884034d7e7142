/**
 * sync-group: `POST /v1/webhooks/groups`. Verifies the HMAC signature over the raw body, validates the
 * event, enqueues it on the group's FIFO lane and answers 202 at once; the worker applies it.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { WebhookReceiverDeps } from '../../shared/group-sync/receiver-deps';
import { json } from '../../shared/http/problem';
import { toProblem } from '../../shared/http/problems';
import { httpFunction } from '../../shared/runtime/handler-runtime';

export type WebhookHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyResultV2>;

const ACK_METRIC = { queued: 'WebhookQueued', stale: 'WebhookStale' } as const;

/** HTTP API already lower-cases header names; other callers (tests, proxies) may not. */
const lowerCaseHeaders = (headers: APIGatewayProxyEventV2['headers']): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));

export const createHandler = ({ receive, logger, metrics }: WebhookReceiverDeps): WebhookHandler => {
  const route = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
    const ack = await receive({
      body: event.body,
      isBase64Encoded: event.isBase64Encoded,
      headers: lowerCaseHeaders(event.headers),
    });
    if (ack.duplicate) metrics.count('WebhookDuplicate');
    else if (ack.status === 'queued' || ack.status === 'stale') metrics.count(ACK_METRIC[ack.status]);
    return json(202, ack);
  };
  return httpFunction({ logger, metrics }, route, {
    errors: { what: 'webhook' },
    onError: (e) => {
      const refused = toProblem(e);
      if (refused && refused.status < 500) metrics.count('WebhookRefused', 1, { code: refused.code });
    },
  });
};

/**
 * The webhook route's use case: check size, signature, then the content type and the body; record the
 * delivery; enqueue it on the group's FIFO lane; acknowledge. Nothing is parsed before the signature
 * is verified, and nothing is enqueued for a request that fails any check.
 */

import {
  Conflict,
  InvalidInput,
  PayloadTooLarge,
  Unauthenticated,
  type UnauthenticatedCode,
  Unavailable,
} from '../errors';
import { MAX_BODY_BYTES, parseJson, requireJsonContentType } from '../http/body';
import type { Clock, QueuePublisher } from '../ports';
import { SQS_MAX_PAYLOAD_BYTES } from '../queue/limits';
import type { WebhookSecretsLoader } from '../webhook/secrets';
import { SIGNATURE_HEADER, type VerifyFailure, verifySignature } from '../webhook/signature';
import type { GroupSyncLogger } from './logging';
import { floorOf, isStale } from './ordering';
import type { DeliveryRecord, DeliveryStatus, GroupStateStore } from './ports';
import { type GroupEvent, type GroupSyncMessage, webhookBodySchema } from './schema';

export const DELIVERY_ID_HEADER = 'x-delivery-id';

export interface WebhookRequest {
  /** The body exactly as API Gateway passed it. */
  body: string | undefined;
  isBase64Encoded?: boolean;
  /** Header names in lower case (API Gateway HTTP API delivers them so). */
  headers: Record<string, string | undefined>;
}

export interface WebhookAck {
  deliveryId: string;
  status: DeliveryStatus;
  /** The delivery id was seen before; nothing new was applied because of this request. */
  duplicate?: true;
}

export interface ReceiveDeps {
  secrets: WebhookSecretsLoader;
  store: GroupStateStore;
  queue: QueuePublisher;
  clock: Clock;
  logger: GroupSyncLogger;
  config: { maxMembers: number; toleranceSeconds: number };
}

const SIGNATURE_PROBLEMS: Record<VerifyFailure, { code: UnauthenticatedCode; detail: string }> = {
  missing: { code: 'signature-missing', detail: 'The X-Mesibo-Signature header is missing' },
  malformed: {
    code: 'signature-malformed',
    detail: 'X-Mesibo-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>',
  },
  'timestamp-out-of-tolerance': {
    code: 'signature-expired',
    detail: 'The signature timestamp is outside the accepted window; sign each delivery attempt afresh',
  },
  mismatch: { code: 'signature-invalid', detail: 'The signature does not match the body' },
};

const unauthorized = (reason: VerifyFailure) =>
  new Unauthenticated(SIGNATURE_PROBLEMS[reason].code, SIGNATURE_PROBLEMS[reason].detail);

const payloadTooLarge = (detail: string) =>
  new PayloadTooLarge(detail, [{ field: '(body)', message: detail }]);

/** Seconds the sender waits before delivering again when the queue could not take the event. */
const QUEUE_RETRY_AFTER_SECONDS = 5;

export const createWebhookReceiver = (deps: ReceiveDeps) => {
  const { secrets, store, queue, clock, logger, config } = deps;
  const bodySchema = webhookBodySchema(config.maxMembers);

  const verify = async (header: string | undefined, raw: Buffer): Promise<void> => {
    const check = (active: readonly string[]) =>
      verifySignature({
        header,
        body: raw,
        secrets: active,
        nowSeconds: Math.floor(clock.now() / 1000),
        toleranceSeconds: config.toleranceSeconds,
      });
    let result = check(await secrets.load());
    if (!result.ok && result.reason === 'mismatch') {
      // The cached secrets may predate a rotation.
      const fresh = await secrets.refreshAfterMismatch();
      if (fresh) result = check(fresh);
    }
    if (!result.ok) {
      logger.warn('webhook signature rejected', { reason: result.reason });
      throw unauthorized(result.reason);
    }
  };

  /**
   * Only signed bytes identify a delivery: the body's `id`. An X-Delivery-Id header is not signed, so it
   * may only repeat that id; otherwise anyone holding a signed request could replay it under the sender's
   * next id and block the genuine event.
   */
  const deliveryIdOf = (headerValue: string | undefined, bodyId: string): string => {
    if (headerValue !== undefined && headerValue !== bodyId) {
      throw new InvalidInput([
        {
          field: 'X-Delivery-Id',
          message: 'must equal the body "id" (only the signed body identifies a delivery)',
        },
      ]);
    }
    return bodyId;
  };

  const enqueue = async (message: GroupSyncMessage, body: string): Promise<void> => {
    try {
      await queue.publish([{ body, groupId: message.event.group.key, deduplicationId: message.deliveryId }]);
    } catch (e) {
      logger.error('group sync message not enqueued', { deliveryId: message.deliveryId, error: e });
      throw new Unavailable(
        'queue-unavailable',
        'Nothing was applied; deliver the same event again later',
        QUEUE_RETRY_AFTER_SECONDS,
      );
    }
  };

  return async (request: WebhookRequest): Promise<WebhookAck> => {
    const raw = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
    if (raw.byteLength > MAX_BODY_BYTES) throw payloadTooLarge(`The body is over ${MAX_BODY_BYTES} bytes`);
    await verify(request.headers[SIGNATURE_HEADER], raw);
    // Checked once the sender is known, so an unsigned request learns nothing about the route.
    requireJsonContentType(request.headers);
    const { id, ...event } = parseJson(raw.toString('utf8'), bodySchema);
    const deliveryId = deliveryIdOf(request.headers[DELIVERY_ID_HEADER], id);
    const groupEvent: GroupEvent = event;
    const { key, version } = groupEvent.group;

    const message: GroupSyncMessage = { deliveryId, receivedAt: clock.now(), event: groupEvent };
    const body = JSON.stringify(message);
    if (Buffer.byteLength(body) > SQS_MAX_PAYLOAD_BYTES) {
      throw payloadTooLarge(
        `The event is over the queue's limit of ${SQS_MAX_PAYLOAD_BYTES} bytes once enveloped`,
      );
    }

    const meta = await store.getMeta(key);
    const floor = floorOf(meta?.versions ?? {});
    const stale = isStale(meta?.versions ?? {}, groupEvent);
    const record: DeliveryRecord = {
      id: deliveryId,
      status: stale ? 'stale' : 'queued',
      key,
      type: groupEvent.type,
      version,
      receivedAt: message.receivedAt,
      ...(stale
        ? { detail: `version ${version} is not above the group's last upsert or delete (${floor})` }
        : {}),
    };
    const existing = await store.createDelivery(record);
    const log = { deliveryId, key, version, type: groupEvent.type };

    if (existing) {
      if (existing.key !== key || existing.version !== version || existing.type !== groupEvent.type) {
        throw new Conflict(
          'delivery-id-conflict',
          `Delivery ${deliveryId} was ${existing.type} of ${existing.key} at version ${existing.version}`,
        );
      }
      // Still queued: the first enqueue may have been lost; SQS drops the copy if it was not.
      if (existing.status === 'queued') await enqueue(message, body);
      logger.info('group webhook repeated', { ...log, status: existing.status });
      return { deliveryId, status: existing.status, duplicate: true };
    }
    if (stale) {
      logger.info('group webhook stale', { ...log, floor });
      return { deliveryId, status: 'stale' };
    }
    await enqueue(message, body);
    logger.info('group webhook queued', log);
    return { deliveryId, status: 'queued' };
  };
};

export type WebhookReceiver = ReturnType<typeof createWebhookReceiver>;

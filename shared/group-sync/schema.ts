/**
 * The group webhook contract (docs/group-sync.md) and the queue message the route hands the worker.
 * Both are validated with the same strict schemas, so the worker never trusts what it dequeues.
 */

// One address rule for the whole product; it also keeps commas (mesibo's list separator) out.
import { addressSchema } from '../mesibo/address';
import * as z from '../zod';

/**
 * Group keys and delivery ids double as SQS MessageGroupId / MessageDeduplicationId, so they follow
 * SQS's rule: 1-128 printable ASCII characters, no spaces.
 */
const SQS_ID = /^[\x21-\x7e]{1,128}$/;
const SQS_ID_MESSAGE = 'must be 1-128 printable ASCII characters without spaces';

export const groupKeySchema = z.string().check(z.regex(SQS_ID, SQS_ID_MESSAGE));
export const deliveryIdSchema = z.string().check(z.regex(SQS_ID, SQS_ID_MESSAGE));

const versionSchema = z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER));

export const memberPermissionsSchema = z.strictObject({
  send: z.optional(z.boolean()),
  recv: z.optional(z.boolean()),
  pub: z.optional(z.boolean()),
  sub: z.optional(z.boolean()),
  list: z.optional(z.boolean()),
});

const memberSchema = z.strictObject({
  address: addressSchema,
  permissions: z.optional(memberPermissionsSchema),
});
const memberRefSchema = z.strictObject({ address: addressSchema });

export type WebhookMember = z.infer<typeof memberSchema>;

/** Flags repeated addresses at the later occurrence, naming the earlier one. */
const noDuplicateAddresses = (members: readonly { address: string }[], ctx: z.core.$RefinementCtx): void => {
  const seen = new Map<string, number>();
  for (const [index, { address }] of members.entries()) {
    const first = seen.get(address);
    if (first === undefined) seen.set(address, index);
    else {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'address'],
        message: `duplicate address (also members.${first})`,
      });
    }
  }
};

const memberList = <M extends z.ZodMiniType<{ address: string }>>(
  member: M,
  maxMembers: number,
  min: number,
) =>
  z
    .array(member)
    .check(
      z.minLength(min, min ? 'must list at least one member' : undefined),
      z.maxLength(maxMembers, `must list at most ${maxMembers} members`),
      z.superRefine(noDuplicateAddresses),
    );

/** The event types and their `group` payloads; `maxMembers` is GROUP_MAX_MEMBERS. */
export const groupEventSchemas = (maxMembers: number) => {
  const upsert = z.strictObject({
    type: z.literal('group.upsert'),
    group: z.strictObject({
      key: groupKeySchema,
      name: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
      members: memberList(memberSchema, maxMembers, 0),
      version: versionSchema,
    }),
  });
  const membersAdd = z.strictObject({
    type: z.literal('group.members.add'),
    group: z.strictObject({
      key: groupKeySchema,
      members: memberList(memberSchema, maxMembers, 1),
      version: versionSchema,
    }),
  });
  const membersRemove = z.strictObject({
    type: z.literal('group.members.remove'),
    group: z.strictObject({
      key: groupKeySchema,
      members: memberList(memberRefSchema, maxMembers, 1),
      version: versionSchema,
    }),
  });
  const remove = z.strictObject({
    type: z.literal('group.delete'),
    group: z.strictObject({ key: groupKeySchema, version: versionSchema }),
  });
  return [upsert, membersAdd, membersRemove, remove] as const;
};

export const GROUP_EVENT_TYPES = [
  'group.upsert',
  'group.members.add',
  'group.members.remove',
  'group.delete',
] as const;
export type GroupEventType = (typeof GROUP_EVENT_TYPES)[number];

/** Names the accepted types when `type` is missing or unknown, instead of a bare union error. */
const unknownType = { error: `must be one of ${GROUP_EVENT_TYPES.join(', ')}` } as const;

/** The webhook body: the event plus its delivery `id`, which the signature covers. */
export const webhookBodySchema = (maxMembers: number) => {
  const [upsert, membersAdd, membersRemove, remove] = groupEventSchemas(maxMembers);
  const id = { id: deliveryIdSchema };
  return z.discriminatedUnion(
    'type',
    [z.extend(upsert, id), z.extend(membersAdd, id), z.extend(membersRemove, id), z.extend(remove, id)],
    unknownType,
  );
};

export type WebhookBody = z.infer<ReturnType<typeof webhookBodySchema>>;
export type GroupEvent = z.infer<ReturnType<typeof groupEventSchemas>[number]>;

/** What the route enqueues for the worker. `receivedAt` is epoch ms. */
export const groupSyncMessageSchema = (maxMembers: number) => {
  const [a, b, c, d] = groupEventSchemas(maxMembers);
  return z.strictObject({
    deliveryId: deliveryIdSchema,
    receivedAt: z.int().check(z.gte(0)),
    event: z.discriminatedUnion('type', [a, b, c, d]),
  });
};

export type GroupSyncMessage = z.infer<ReturnType<typeof groupSyncMessageSchema>>;

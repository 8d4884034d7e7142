/** SQS limits every publisher and producer checks against. */

/** A queue's visibility timeout is this many times its consumer's timeout (AWS guidance). */
export const VISIBILITY_FACTOR = 6;

export const SQS_MAX_BATCH_ENTRIES = 10;
/** SQS's payload limit, both per message and per batch (raised from 256 KiB to 1 MiB in 2025). */
export const SQS_MAX_PAYLOAD_BYTES = 1024 * 1024;

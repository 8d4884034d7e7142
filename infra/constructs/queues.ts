/**
 * The two work queues, each with its dead-letter queue. Group sync is FIFO so changes to one group
 * apply in order (message group = group key); the producer sets deduplication ids, so content-based
 * deduplication stays off. Fan-out batches are independent: a standard queue.
 */
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SQS_MAX_PAYLOAD_BYTES, VISIBILITY_FACTOR } from '../../shared/queue/limits';

export interface QueuesProps {
  /** Consumer timeouts: a queue's visibility timeout is six times its consumer's (AWS guidance). */
  groupSyncConsumerTimeoutSeconds: number;
  fanoutConsumerTimeoutSeconds: number;
  groupSyncMaxReceiveCount: number;
  fanoutMaxReceiveCount: number;
}

const DLQ_RETENTION = Duration.days(14);

export class Queues extends Construct {
  readonly groupSync: sqs.Queue;
  readonly groupSyncDlq: sqs.Queue;
  readonly fanout: sqs.Queue;
  readonly fanoutDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);
    // Every queue takes what the producers check against (the default is still 256 KiB), and a DLQ
    // must take whatever its source queue held.
    const common = {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      maxMessageSizeBytes: SQS_MAX_PAYLOAD_BYTES,
    } as const;

    this.groupSyncDlq = new sqs.Queue(this, 'GroupSyncDlq', {
      ...common,
      fifo: true,
      retentionPeriod: DLQ_RETENTION,
    });
    this.groupSync = new sqs.Queue(this, 'GroupSync', {
      ...common,
      fifo: true,
      contentBasedDeduplication: false,
      // High-throughput FIFO: ordering and deduplication per group, not per queue.
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      visibilityTimeout: Duration.seconds(VISIBILITY_FACTOR * props.groupSyncConsumerTimeoutSeconds),
      deadLetterQueue: { queue: this.groupSyncDlq, maxReceiveCount: props.groupSyncMaxReceiveCount },
    });

    this.fanoutDlq = new sqs.Queue(this, 'FanoutDlq', { ...common, retentionPeriod: DLQ_RETENTION });
    this.fanout = new sqs.Queue(this, 'Fanout', {
      ...common,
      visibilityTimeout: Duration.seconds(VISIBILITY_FACTOR * props.fanoutConsumerTimeoutSeconds),
      deadLetterQueue: { queue: this.fanoutDlq, maxReceiveCount: props.fanoutMaxReceiveCount },
    });
  }
}

/**
 * What a function's wiring gets from the place it runs: the AWS clients in Lambda (aws-platform.ts),
 * loopback parts in the local stack (local/platform.ts). A function is wired once, in
 * `functions/<name>/wiring.ts`, from its settings and a Platform, whichever runs it.
 *
 * Every method resolves: the AWS platform loads each SDK client's module on first use, so a function
 * loads only the clients it asks for, and a wiring decides what it loads at init (awaited there) and
 * what waits for the first request that needs it (a token cache miss's mesibo client).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { Env } from '../config/env';
import type { MesiboClientOptions } from '../mesibo/options';
import type { MesiboClient } from '../mesibo/types';
import type { Clock, OneTimeScheduler, QueuePublisher, RedeliveryDelay, SecretSource } from '../ports';

export interface DynamoClients {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

/** Where one-time schedules go and what they run as; the target is the function that asks. */
export interface ScheduleGroup {
  groupName: string;
  roleArn: string;
  deadLetterArn: string;
}

export interface Platform {
  clock: Clock;
  dynamo(): Promise<DynamoClients>;
  /** A Secrets Manager secret, cached in memory for `maxAgeSeconds` (default 300). */
  secret(secretId: string, options?: { maxAgeSeconds?: number }): Promise<SecretSource>;
  queue(queueUrl: string): Promise<QueuePublisher>;
  /** Delays a consumed message's next delivery (SQS ChangeMessageVisibility). */
  redelivery(): Promise<RedeliveryDelay>;
  /** One-time schedules in `group` that invoke the ARN given per call. */
  scheduler(group: ScheduleGroup): Promise<(targetArn: string) => OneTimeScheduler>;
  /** A mesibo client; the platform closes it when the process (or the local stack) ends. */
  mesibo(options: MesiboClientOptions): Promise<MesiboClient>;
}

/** Any Lambda handler: the trigger's event (and the Lambda context) in, the trigger's answer out. */
export type LambdaHandler = (event: never, context: Context) => Promise<unknown>;

/**
 * A function's one wiring: its settings and the parts of a platform it uses (`Uses`, always with the
 * clock) in, its Lambda handler out. `Overrides` are what a harness may replace beyond the platform
 * (a counting logger or metrics, a checkpoint for fault simulations); production passes none.
 */
export type FunctionWiring<
  H extends LambdaHandler = LambdaHandler,
  Uses extends keyof Platform = keyof Platform,
  Overrides extends object = object,
> = (env: Env, platform: Pick<Platform, Uses | 'clock'>, overrides?: Overrides) => Promise<H>;

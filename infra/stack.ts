/**
 * The one stack: data, queues, scheduling, (optional) static egress, functions, HTTP API, operations.
 * Env-agnostic (no account/region), so `cdk synth` runs offline without credentials.
 */
import { Annotations, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV } from '../shared/config/env';
import { type FunctionName, type FunctionSpec, functionSpecs, type Resource } from '../shared/functions';
import { MAX_RECEIVE_COUNT_SETTING } from '../shared/group-sync/config';
import { routes } from '../shared/routes';
import { tableSpecs } from '../shared/storage/tables';
import { DEFAULT_SYSTEM_SENDER_ADDRESS } from '../shared/system-messages/config';
import { functionConfig, type StageConfig } from './config';
import { Api } from './constructs/api';
import { Data } from './constructs/data';
import { Egress } from './constructs/egress';
import { type Binding, type ConsumedQueue, Functions } from './constructs/functions';
import { Operations } from './constructs/operations';
import { Queues } from './constructs/queues';
import { Scheduling } from './constructs/scheduling';
import {
  ADDRESS_CLAIM_SETTING,
  FANOUT_DLQ_URL_SETTING,
  SYSTEM_SENDER_SETTING,
  SYSTEM_SENDERS_SETTING,
} from './settings';

export interface MesiboServerlessStackProps extends StackProps {
  config: StageConfig;
}

/** The function that Scheduler invokes (recurring and one-time schedules). */
export const SCHEDULE_TARGET: FunctionName = 'send-system-message';

const consumerOf = (queue: NonNullable<FunctionSpec['consumes']>): FunctionSpec => {
  const spec = functionSpecs.find((f) => f.consumes === queue);
  if (!spec) throw new Error(`no function consumes ${queue}`);
  return spec;
};

export class MesiboServerlessStack extends Stack {
  readonly data: Data;
  readonly queues: Queues;
  readonly scheduling: Scheduling;
  readonly egress?: Egress;
  readonly functions: Functions;
  readonly api: Api;
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: MesiboServerlessStackProps) {
    super(scope, id, {
      description: `mesibo-serverless (${props.config.stage}): mesibo user tokens, system messages, group sync`,
      ...props,
    });
    const { config } = props;
    tagStack(this, config.stage);
    warnAboutExampleValues(this, config);

    const retention = config.observability.logRetentionDays as logs.RetentionDays;
    this.data = new Data(this, 'Data', {
      stage: config.stage,
      production: config.production,
      customerManagedKey: config.data.customerManagedKey,
    });
    const groupSyncConsumer = consumerOf('groupSyncQueue');
    const fanoutConsumer = consumerOf('fanoutQueue');
    this.queues = new Queues(this, 'Queues', {
      groupSyncConsumerTimeoutSeconds: functionConfig(config, groupSyncConsumer.name).timeoutSeconds,
      fanoutConsumerTimeoutSeconds: functionConfig(config, fanoutConsumer.name).timeoutSeconds,
      groupSyncMaxReceiveCount: config.queues.groupSync.maxReceiveCount,
      fanoutMaxReceiveCount: config.queues.fanout.maxReceiveCount,
    });
    this.scheduling = new Scheduling(this, 'Scheduling', { groupName: `mesibo-serverless-${config.stage}` });
    if (config.egress.enabled) {
      this.egress = new Egress(this, 'Egress', {
        natGateways: config.egress.natGateways,
        ...(config.egress.eipAllocationIds ? { eipAllocationIds: config.egress.eipAllocationIds } : {}),
        logRetention: retention,
      });
    }

    const { tables, appTokenSecret, webhookSecret } = this.data;
    const table = (id: (typeof tableSpecs)[number]['id']): Binding => {
      const spec = tableSpecs.find((t) => t.id === id)!;
      return {
        env: { [spec.envVar]: tables[id].tableName },
        grant: (fn, { readOnly }) =>
          readOnly ? tables[id].grantReadData(fn) : tables[id].grantReadWriteData(fn),
      };
    };
    // The one mapping from a catalogue resource to environment (names/ARNs only) and a scoped grant.
    const bindings: Record<Resource, Binding> = {
      mesibo: {
        env: {
          [ENV.MESIBO_API_STYLE]: config.mesibo.apiStyle,
          ...(config.mesibo.apiUrl ? { [ENV.MESIBO_API_URL]: config.mesibo.apiUrl } : {}),
          [ENV.MESIBO_APP_TOKEN_SECRET_ID]: appTokenSecret.secretArn,
        },
        grant: (fn) => appTokenSecret.grantRead(fn),
      },
      appTokenSecret: {
        env: { [ENV.MESIBO_APP_TOKEN_SECRET_ID]: appTokenSecret.secretArn },
        grant: (fn) => appTokenSecret.grantRead(fn),
      },
      usersTable: table('usersTable'),
      groupsTable: table('groupsTable'),
      idempotencyTable: table('idempotencyTable'),
      webhookSecret: {
        env: { [ENV.WEBHOOK_SECRET_ID]: webhookSecret.secretArn },
        grant: (fn) => webhookSecret.grantRead(fn),
      },
      groupSyncQueue: {
        env: { [ENV.GROUP_SYNC_QUEUE_URL]: this.queues.groupSync.queueUrl },
        grant: (fn) => this.queues.groupSync.grantSendMessages(fn),
      },
      fanoutQueue: {
        env: { [ENV.FANOUT_QUEUE_URL]: this.queues.fanout.queueUrl },
        grant: (fn) => this.queues.fanout.grantSendMessages(fn),
      },
      scheduler: {
        env: {
          [ENV.SCHEDULE_GROUP_NAME]: this.scheduling.groupName,
          [ENV.SCHEDULER_ROLE_ARN]: this.scheduling.role.roleArn,
          [ENV.SCHEDULER_DLQ_ARN]: this.scheduling.dlq.queueArn,
        },
        // The function records scheduler payloads it can never send in the schedules' DLQ.
        grant: (fn) => {
          this.scheduling.grantCreateSchedules(fn);
          this.scheduling.dlq.grantSendMessages(fn);
        },
      },
    };
    const consumed: Record<NonNullable<FunctionSpec['consumes']>, ConsumedQueue> = {
      groupSyncQueue: {
        queue: this.queues.groupSync,
        batchSize: config.queues.groupSync.batchSize,
        ...maxConcurrency(config.queues.groupSync.maxConcurrency),
      },
      fanoutQueue: {
        queue: this.queues.fanout,
        batchSize: config.queues.fanout.batchSize,
        ...maxConcurrency(config.queues.fanout.maxConcurrency),
        // The worker dead-letters a poison batch itself, with a reason attached.
        consumer: {
          env: { [FANOUT_DLQ_URL_SETTING]: this.queues.fanoutDlq.queueUrl },
          grant: (fn) => this.queues.fanoutDlq.grantSendMessages(fn),
        },
      },
    };
    // Functions behind JWT routes read the caller's address from the claim the authorizer validated.
    const jwtFunctions = [...new Set(routes.filter((r) => r.auth === 'jwt').map((r) => r.function))];
    const extraEnv: Record<string, Record<string, string>> = Object.fromEntries(
      jwtFunctions.map((name) => [name, { [ADDRESS_CLAIM_SETTING]: config.jwt.addressClaim }]),
    );
    // The token function must know the system senders to never issue one of them a user token.
    const sendSettings = functionConfig(config, 'send-system-message').settings;
    extraEnv['issue-user-token'] = {
      ...extraEnv['issue-user-token'],
      [SYSTEM_SENDER_SETTING]: sendSettings[SYSTEM_SENDER_SETTING] ?? DEFAULT_SYSTEM_SENDER_ADDRESS,
      ...(sendSettings[SYSTEM_SENDERS_SETTING]
        ? { [SYSTEM_SENDERS_SETTING]: sendSettings[SYSTEM_SENDERS_SETTING] }
        : {}),
    };

    // The group-sync worker says in its failure line whether that receive was the last one.
    extraEnv[groupSyncConsumer.name] = {
      ...extraEnv[groupSyncConsumer.name],
      [MAX_RECEIVE_COUNT_SETTING]: String(config.queues.groupSync.maxReceiveCount),
    };

    this.functions = new Functions(this, 'Functions', {
      config,
      bindings,
      consumed,
      extraEnv,
      customerManagedKey: config.data.customerManagedKey,
      ...(this.egress ? { network: { vpc: this.egress.vpc, securityGroup: this.egress.securityGroup } } : {}),
    });
    this.scheduling.setTarget(this.functions.byName[SCHEDULE_TARGET], config.schedules);
    this.scheduling.tagForRedrive({
      fanoutQueueUrl: this.queues.fanout.queueUrl,
      fanoutDlqUrl: this.queues.fanoutDlq.queueUrl,
      groupSyncQueueUrl: this.queues.groupSync.queueUrl,
      groupSyncDlqUrl: this.queues.groupSyncDlq.queueUrl,
      scheduleTargetArn: this.functions.byName[SCHEDULE_TARGET].functionArn,
    });

    this.api = new Api(this, 'Api', {
      functions: this.functions.byName as Record<FunctionName, lambda.IFunction>,
      jwt: { issuer: config.jwt.issuer, audience: config.jwt.audience },
      throttling: config.api.throttling,
      cors: config.cors,
      logRetention: retention,
      ...(config.domain ? { domain: config.domain } : {}),
    });

    this.operations = new Operations(this, 'Operations', {
      stage: config.stage,
      namespace: config.observability.metricsNamespace,
      ...(config.observability.alarmEmail ? { alarmEmail: config.observability.alarmEmail } : {}),
      ...(config.observability.alarmTopicArn ? { alarmTopicArn: config.observability.alarmTopicArn } : {}),
      ...(this.data.key ? { key: this.data.key } : {}),
      api: this.api,
      functions: this.functions.byName,
      logGroups: this.functions.logGroups,
      groupSyncWorker: groupSyncConsumer.name,
      mesiboFunctions: functionSpecs.filter((f) => f.uses.includes('mesibo')).map((f) => f.name),
      queues: { groupSync: this.queues.groupSync, fanout: this.queues.fanout },
      deadLetterQueues: {
        'group-sync-dlq': this.queues.groupSyncDlq,
        'fanout-dlq': this.queues.fanoutDlq,
        'scheduler-dlq': this.scheduling.dlq,
      },
    });
  }
}

/** The project and stage tags on every resource of a stage's stack (the reattach stack too). */
export const tagStack = (stack: Stack, stage: string): void => {
  // The CloudFormation registry schema cfn-lint validates against has no Tags on dashboards.
  const tagging = { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] };
  Tags.of(stack).add('project', 'mesibo-serverless', tagging);
  Tags.of(stack).add('stage', stage, tagging);
};

const maxConcurrency = (value: number | undefined): { maxConcurrency?: number } =>
  value === undefined ? {} : { maxConcurrency: value };

/** The committed configs carry example identity-provider values: say so on every synth until replaced. */
const warnAboutExampleValues = (stack: Stack, config: StageConfig): void => {
  const example = /example/i;
  if (example.test(config.jwt.issuer) || config.jwt.audience.some((a) => example.test(a))) {
    Annotations.of(stack).addWarningV2(
      'mesibo-serverless:example-jwt',
      `stage ${config.stage}: jwt.issuer/jwt.audience are example values; set your identity provider in infra/config/${config.stage}.json (docs/deploy.md)`,
    );
  }
};

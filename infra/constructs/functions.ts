/**
 * Every Lambda of the catalogue (shared/functions.ts), built the same way. What a function may touch is
 * derived from its `uses` through one binding table: each resource contributes environment variables
 * (names and ARNs only) and a grant scoped to that resource. No per-function wiring lives here.
 */

import { existsSync } from 'node:fs';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { type FunctionName, type FunctionSpec, functionSpecs, type Resource } from '../../shared/functions';
import { TRACING_ENV } from '../../shared/observability/tracing';
import { bundleOptions, ENTRY_FILE } from '../bundling';
import { functionConfig, type StageConfig } from '../config';
import { fromRoot, repoRoot } from '../paths';

/** What using one resource means for a function: its environment and its permissions. */
export interface Binding {
  env: Record<string, string>;
  /** `readOnly` is set for a table the function only reads (FunctionSpec.readsOnly). */
  grant: (fn: lambda.Function, access: { readOnly: boolean }) => void;
}

export interface ConsumedQueue {
  queue: sqs.IQueue;
  batchSize: number;
  maxConcurrency?: number;
  /** What consuming this queue needs beyond receive/delete (granted by the event source). */
  consumer?: Binding;
}

export interface FunctionsProps {
  config: StageConfig;
  bindings: Record<Resource, Binding>;
  consumed: Record<NonNullable<FunctionSpec['consumes']>, ConsumedQueue>;
  /** Present when static egress is on: where functions that use `mesibo` run. */
  network?: { vpc: ec2.IVpc; securityGroup: ec2.ISecurityGroup };
  /** Extra environment per function, computed by the stack (e.g. the JWT address claim). */
  extraEnv?: Partial<Record<FunctionName, Record<string, string>>>;
  /** Tables and secrets are encrypted with a customer-managed key (grants then include KMS actions). */
  customerManagedKey?: boolean;
}

export const handlerEntry = (spec: FunctionSpec): string => {
  const entry = fromRoot(spec.entry);
  if (!existsSync(entry)) {
    throw new Error(`handler of ${spec.name} is missing: ${spec.entry} (it must export \`handler\`)`);
  }
  return entry;
};

/**
 * The function's bundle, built with infra/bundling.ts in the synth's own process (esbuild is a
 * dependency, so no Docker). Not NodejsFunction: its fixed `--outfile` rules out code splitting.
 */
const bundledCode = (spec: FunctionSpec): lambda.Code =>
  lambda.Code.fromAsset(repoRoot, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: the local bundler always answers.
      image: DockerImage.fromRegistry('dummy'),
      // Keys CDK's bundling cache per function (the local bundler is not part of that key).
      environment: { BUNDLE_ENTRY: spec.entry },
      local: {
        tryBundle: (outputDir) => {
          buildSync(bundleOptions({ entry: handlerEntry(spec), outdir: outputDir, root: repoRoot }));
          return true;
        },
      },
    },
  });

export class Functions extends Construct {
  readonly byName: Record<FunctionName, lambda.Function>;
  readonly logGroups: Record<FunctionName, logs.LogGroup>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { config } = props;
    const byName: Partial<Record<FunctionName, lambda.Function>> = {};
    const logGroups: Partial<Record<FunctionName, logs.LogGroup>> = {};

    for (const spec of functionSpecs) {
      const cfg = functionConfig(config, spec.name);
      const construct = pascal(spec.name);
      const inVpc = props.network !== undefined && spec.uses.includes('mesibo');

      const logGroup = new logs.LogGroup(this, `${construct}Logs`, {
        retention: config.observability.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // Own role, no AWS managed policies: logs go to this function's group only.
      const role = new iam.Role(this, `${construct}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${spec.name} execution role`,
      });
      logGroup.grantWrite(role);

      const environment: Record<string, string> = {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: spec.name,
        POWERTOOLS_LOG_LEVEL: config.observability.logLevel,
        POWERTOOLS_METRICS_NAMESPACE: config.observability.metricsNamespace,
        ...(config.observability.tracing ? TRACING_ENV : {}),
      };
      for (const resource of spec.uses) Object.assign(environment, props.bindings[resource].env);
      const consumer = spec.consumes ? props.consumed[spec.consumes].consumer : undefined;
      Object.assign(environment, consumer?.env ?? {}, props.extraEnv?.[spec.name] ?? {}, cfg.settings);

      const fn = new lambda.Function(this, construct, {
        code: bundledCode(spec),
        handler: `${ENTRY_FILE.replace(/\.mjs$/, '')}.handler`,
        description: spec.description,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: cfg.memoryMb,
        timeout: Duration.seconds(cfg.timeoutSeconds),
        ...(cfg.reservedConcurrency === undefined
          ? {}
          : { reservedConcurrentExecutions: cfg.reservedConcurrency }),
        role,
        logGroup,
        tracing: config.observability.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
        environment,
        ...(inVpc && props.network
          ? {
              vpc: props.network.vpc,
              vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
              securityGroups: [props.network.securityGroup],
            }
          : {}),
      });

      if (inVpc) {
        // ENI management for VPC functions; these EC2 actions do not support resource-level scoping.
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: [
              'ec2:CreateNetworkInterface',
              'ec2:DescribeNetworkInterfaces',
              'ec2:DescribeSubnets',
              'ec2:DeleteNetworkInterface',
              'ec2:AssignPrivateIpAddresses',
              'ec2:UnassignPrivateIpAddresses',
            ],
            resources: ['*'],
          }),
        );
      }
      const readsOnly = new Set<Resource>(spec.readsOnly ?? []);
      for (const resource of spec.uses)
        props.bindings[resource].grant(fn, { readOnly: readsOnly.has(resource) });
      consumer?.grant(fn, { readOnly: false });

      if (spec.consumes) {
        const consumed = props.consumed[spec.consumes];
        fn.addEventSource(
          new SqsEventSource(consumed.queue, {
            batchSize: consumed.batchSize,
            reportBatchItemFailures: true,
            ...(consumed.maxConcurrency === undefined ? {} : { maxConcurrency: consumed.maxConcurrency }),
          }),
        );
      }

      const wildcardReasons = [
        ...(inVpc ? ['EC2 network-interface actions for VPC placement'] : []),
        ...(config.observability.tracing ? ['X-Ray PutTraceSegments/PutTelemetryRecords'] : []),
      ];
      if (wildcardReasons.length > 0) {
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `${wildcardReasons.join(' and ')}: AWS supports no resource-level permissions for these actions.`,
        });
      }

      if (props.customerManagedKey && spec.uses.length > 0) {
        for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
          Validations.of(role).acknowledge({
            id: `AwsSolutions-IAM5[Action::${action}]`,
            reason:
              'CDK table/secret grants name these KMS action families; the statement is scoped to the one customer-managed key of this stack.',
          });
        }
      }

      byName[spec.name] = fn;
      logGroups[spec.name] = logGroup;
    }
    this.byName = byName as Record<FunctionName, lambda.Function>;
    this.logGroups = logGroups as Record<FunctionName, logs.LogGroup>;
  }
}

export const pascal = (name: string): string =>
  name
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

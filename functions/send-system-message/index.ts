/** The Lambda entry: settings are checked and clients built during init, so a bad setting fails the cold start. */
import { awsDynamo } from '../../shared/runtime/aws/dynamo';
import { awsPlatform } from '../../shared/runtime/aws/platform';
import { awsScheduler } from '../../shared/runtime/aws/scheduler';
import { awsSqs } from '../../shared/runtime/aws/sqs';
import { wire } from './wiring';

export const handler = await wire(process.env, awsPlatform({ ...awsDynamo, ...awsSqs, ...awsScheduler }));

/** The Lambda entry: settings are checked and clients built during init, so a bad setting fails the cold start. */
import { awsDynamo } from '../../shared/runtime/aws/dynamo';
import { awsMesibo } from '../../shared/runtime/aws/mesibo';
import { awsPlatform } from '../../shared/runtime/aws/platform';
import { awsSecrets } from '../../shared/runtime/aws/secrets';
import { wire } from './wiring';

export const handler = await wire(process.env, awsPlatform({ ...awsDynamo, ...awsSecrets, ...awsMesibo }));

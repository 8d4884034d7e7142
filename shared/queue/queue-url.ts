/** `arn:aws:sqs:eu-west-1:123456789012:name` → `https://sqs.eu-west-1.amazonaws.com/123456789012/name`. */
export const queueUrlFromArn = (arn: string): string => {
  const [, partition, service, region, account, name] = arn.split(':');
  if (service !== 'sqs' || !region || !account || !name) throw new Error(`not an SQS queue ARN: ${arn}`);
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
};

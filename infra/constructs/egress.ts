/**
 * Static egress. mesibo disables an app whose backend API is called from more than five IP addresses
 * (TOKENBREACH), and Lambda's own egress IPs are many and change. Functions that call mesibo therefore
 * run in private subnets whose only way out is a small, fixed set of NAT gateways with Elastic IPs.
 */
import { CfnOutput, Fn, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface EgressProps {
  natGateways: number;
  /** Reuse pre-allocated Elastic IPs (stable across stack re-creation); else the stack allocates them. */
  eipAllocationIds?: readonly string[];
  logRetention: logs.RetentionDays;
}

export class Egress extends Construct {
  readonly vpc: ec2.Vpc;
  /** Attached to every mesibo-calling function: HTTPS out, nothing in. */
  readonly securityGroup: ec2.SecurityGroup;
  /** Public IPs mesibo sees (empty when pre-allocated ids are reused: the account already knows them). */
  readonly publicIps: string[];

  constructor(scope: Construct, id: string, props: EgressProps) {
    super(scope, id);
    // One NAT gateway per AZ; at least two AZs so functions survive an AZ outage (private subnets in an
    // AZ without its own NAT route through another AZ's gateway). Token AZs keep the stack env-agnostic.
    const azCount = Math.max(2, props.natGateways);
    const availabilityZones = Array.from({ length: azCount }, (_, i) => Fn.select(i, Fn.getAzs()));

    let allocationIds: string[];
    if (props.eipAllocationIds && props.eipAllocationIds.length > 0) {
      allocationIds = [...props.eipAllocationIds];
      this.publicIps = [];
    } else {
      const eips = Array.from({ length: props.natGateways }, (_, i) => {
        const eip = new ec2.CfnEIP(this, `NatEip${i + 1}`, { domain: 'vpc' });
        Tags.of(eip).add('Name', `mesibo-egress-${i + 1}`);
        return eip;
      });
      allocationIds = eips.map((e) => e.attrAllocationId);
      this.publicIps = eips.map((e) => e.attrPublicIp);
    }

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      availabilityZones,
      natGateways: props.natGateways,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: allocationIds }),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      // Rejected traffic only: enough to debug the security group without paying for every flow.
      flowLogs: {
        rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
      // DynamoDB through a free gateway endpoint instead of the NAT (no data-processing charge).
      gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'FunctionSg', {
      vpc: this.vpc,
      description: 'mesibo-calling functions: HTTPS egress only',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to mesibo and AWS APIs');

    this.publicIps.forEach((ip, i) => {
      new CfnOutput(this, `EgressIp${i + 1}`, {
        key: `EgressIp${i + 1}`,
        value: ip,
        description: 'Static egress IP of the mesibo-calling functions',
      });
    });
    if (this.publicIps.length === 0) {
      new CfnOutput(this, 'EgressAllocationIds', {
        key: 'EgressAllocationIds',
        value: allocationIds.join(','),
        description: 'Elastic IP allocations the mesibo-calling functions egress through',
      });
    }
  }
}

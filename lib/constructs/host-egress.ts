import { Construct } from 'constructs';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';

/** HTTPS and HTTP out of a host group's security group: AWS APIs and package repositories (no VPC endpoints assumed). */
export function egressToInternet(scope: Construct, securityGroupId: string): void {
  new VpcSecurityGroupEgressRule(scope, 'egress-https', {
    securityGroupId, ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0', description: 'HTTPS: AWS APIs (S3, Secrets Manager, SSM), package repositories',
  });
  new VpcSecurityGroupEgressRule(scope, 'egress-http', {
    securityGroupId, ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0', description: 'HTTP: Debian package mirrors (signed)',
  });
}

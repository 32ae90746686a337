import { Fn, ITerraformDependable, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { JobV1 } from '@cdktf/provider-kubernetes/lib/job-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { BootSecret } from '../cloud-init/boot-secrets';
import { irsaTrustPolicy, KafkaBackend, MskBackend, WarpStreamBackend } from './kafka-backend';
import {
  CURL_IMAGE, KAFKA_TOOLS_IMAGE, MSK_IAM_AUTH_PATH, renderFetchIamAuthScript, renderTopicsScript, topicsJobSecretEnv,
} from '../kubernetes/kafka-topics';
import { KubernetesSecretFromAws } from './kubernetes-secret-from-aws';
import { LiteralText } from './literal-text';
import { kebab } from '../model/names';
import { KafkaAuth } from '../model/spec';
import { Problems } from '../model/validation';
import type { PodIdentityProps } from './stateless-ingestion-tier';

export interface KafkaTopicsProps {
  /** The backend whose declared topics the Job creates. */
  readonly backend: KafkaBackend;
  /** Namespace the Job runs in (it must exist: pass what creates it in `dependsOn`). */
  readonly namespace: string;
  /**
   * The EKS cluster's OIDC provider: a SASL/IAM backend's Job signs with an IRSA role of its own.
   * @default - none (required for an MSK backend with SASL/IAM)
   */
  readonly podIdentity?: PodIdentityProps;
  /**
   * Where a SASL/SCRAM backend's credentials come from: a secret holding `{"username", "password"}`,
   * copied write-only into a Secret in the Job's namespace.
   * @default - the MSK backend's SCRAM secret (`MskBackend.scramCredentialsSecretArn`); required for other SCRAM backends
   */
  readonly scramCredentials?: BootSecret;
  /**
   * What must exist first besides the backend itself (the namespace).
   * @default none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * The topics of one Kafka backend, with the partitions and retention the model declares, created
 * by a Kubernetes Job that Terraform runs and waits for (`wait_for_completion`): consumers that
 * depend on it start only once their topics exist (brokers never auto-create topics). Works on MSK
 * (TLS; SASL/IAM, signing with an IRSA role limited to topic administration; SASL/SCRAM, with the
 * credentials copied write-only from Secrets Manager into a Secret the Job reads) and on WarpStream
 * (the agents' Service). A change to the declared topics replaces the Job, which converges again.
 */
export class KafkaTopics extends Construct {
  /** The Job (escape hatch). */
  public readonly job: JobV1;
  /** The IRSA role the Job signs with (SASL/IAM backends). */
  public readonly role?: IamRole;
  /** The Secret holding the SCRAM credentials the Job reads (SASL/SCRAM backends). */
  public readonly credentials?: KubernetesSecretFromAws;
  /** The Job's script, for review. */
  public readonly script: string;

  constructor(scope: Construct, id: string, props: KafkaTopicsProps) {
    super(scope, id);
    LiteralText.applyTo(TerraformStack.of(this));
    const backend = props.backend;
    const name = `kafka-topics-${kebab(backend.backendName)}`.slice(0, 63).replace(/-+$/, '');
    this.script = renderTopicsScript(backend.model);
    const dependsOn: ITerraformDependable[] = [...(props.dependsOn ?? [])];
    if (backend instanceof WarpStreamBackend) dependsOn.push(backend.release);
    const scramEnv = topicsJobSecretEnv(backend.model);
    if (scramEnv !== undefined) {
      const msk = backend instanceof MskBackend ? backend : undefined;
      const arn = msk?.scramCredentialsSecretArn;
      const source = props.scramCredentials ?? (arn !== undefined ? BootSecret.fromSecretsManager(arn) : undefined);
      const problems = new Problems();
      problems.check(source !== undefined, 'scramCredentials', props.scramCredentials,
        'the secret holding the backend\'s SCRAM credentials ({"username", "password"}): the topics Job of a SASL/SCRAM backend logs in with them');
      problems.throwIfAny(`topics of Kafka backend ${backend.backendName}`);
      // Read only once the association lets the credentials log in (it follows the secret's value).
      const association = msk?.scramSecretAssociation ? [msk.scramSecretAssociation] : [];
      const after: ITerraformDependable[] = [...(props.dependsOn ?? []), ...association];
      this.credentials = new KubernetesSecretFromAws(this, 'Credentials', {
        name: `${name}-scram`,
        namespace: props.namespace,
        keys: { [scramEnv.username]: { secret: source!, jsonKey: 'username' }, [scramEnv.password]: { secret: source!, jsonKey: 'password' } },
        dependsOn: after,
        labels: { 'app.kubernetes.io/name': 'kafka-topics', 'app.kubernetes.io/part-of': 'clickhouse' },
      });
      dependsOn.push(...association, this.credentials.secret);
    }
    const iam = backend.auth === KafkaAuth.SASL_IAM && backend instanceof MskBackend;
    let serviceAccount: ServiceAccountV1 | undefined;
    if (iam) {
      const problems = new Problems();
      problems.check(props.podIdentity !== undefined, 'podIdentity', props.podIdentity,
        'the EKS cluster\'s OIDC provider: the topics Job of a SASL/IAM backend signs with an IRSA role');
      problems.throwIfAny(`topics of Kafka backend ${backend.backendName}`);
      const trust = irsaTrustPolicy(this, 'Trust', { ...props.podIdentity!, namespace: props.namespace, serviceAccountName: name });
      this.role = new IamRole(this, 'Role', {
        namePrefix: `${name}-`.slice(0, 38),
        description: `Creates the topics of Kafka backend ${backend.backendName}`,
        assumeRolePolicy: trust.json,
      });
      const arn = backend.cluster.arn;
      const access = new DataAwsIamPolicyDocument(this, 'Access', {
        statement: [
          { sid: 'Cluster', actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], resources: [arn] },
          {
            sid: 'Topics',
            actions: ['kafka-cluster:CreateTopic', 'kafka-cluster:DescribeTopic', 'kafka-cluster:AlterTopic',
              'kafka-cluster:DescribeTopicDynamicConfiguration', 'kafka-cluster:AlterTopicDynamicConfiguration'],
            resources: [Fn.join('', [Fn.replace(arn, ':cluster/', ':topic/'), '/*'])],
          },
        ],
      });
      const policy = new IamRolePolicy(this, 'RolePolicy', { role: this.role.id, name: 'kafka-topics', policy: access.json });
      serviceAccount = new ServiceAccountV1(this, 'ServiceAccount', {
        metadata: { name, namespace: props.namespace, annotations: { 'eks.amazonaws.com/role-arn': this.role.arn } },
        dependsOn: [...(props.dependsOn ?? []), policy],
      });
    }
    const libs = { name: 'msk-iam', mountPath: '/opt/msk-iam' };
    this.job = new JobV1(this, 'Job', {
      metadata: { name, namespace: props.namespace, labels: { 'app.kubernetes.io/name': 'kafka-topics', 'app.kubernetes.io/part-of': 'clickhouse' } },
      spec: {
        backoffLimit: 6,
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'kafka-topics' } },
          spec: {
            restartPolicy: 'Never',
            ...(serviceAccount ? { serviceAccountName: name } : {}),
            ...(iam ? {
              initContainer: [{
                name: 'fetch-msk-iam-auth', image: CURL_IMAGE, command: ['sh', '-c', renderFetchIamAuthScript()], volumeMount: [libs],
              }],
              volume: [{ name: libs.name, emptyDir: {} }],
            } : {}),
            container: [{
              name: 'topics',
              image: KAFKA_TOOLS_IMAGE,
              command: ['/bin/bash', '-c', this.script],
              env: [
                { name: 'BOOTSTRAP', value: backend.bootstrapBrokers },
                ...(iam ? [{ name: 'CLASSPATH', value: MSK_IAM_AUTH_PATH }] : []),
                ...(scramEnv !== undefined ? [scramEnv.username, scramEnv.password].map((variable) => ({
                  name: variable, valueFrom: { secretKeyRef: { name: this.credentials!.secretName, key: variable } },
                })) : []),
              ],
              ...(iam ? { volumeMount: [libs] } : {}),
              resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '1Gi' } },
            }],
          },
        },
      },
      waitForCompletion: true,
      timeouts: { create: '20m', update: '20m' },
      dependsOn: [...dependsOn, ...(serviceAccount ? [serviceAccount] : [])],
    });
  }
}

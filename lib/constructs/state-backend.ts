import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformBackend, TerraformStack } from 'cdktf';
import { Problems } from '../model/validation';

/** Where Terraform keeps this region's state: an S3 bucket with native locking (`use_lockfile`). */
export interface StateBackendSpec {
  /** Existing S3 bucket for Terraform state. */
  readonly bucket: string;
  /**
   * Object key of this region's state.
   * @default `clickhouse-ingest/<name>.tfstate`
   */
  readonly key?: string;
  /**
   * Region of the state bucket.
   * @default the stack's `region`
   */
  readonly region?: string;
  /**
   * KMS key that encrypts the state object.
   * @default - the bucket's default encryption (SSE-S3 or the bucket's KMS key)
   */
  readonly kmsKeyId?: string;
}

/** A state file on the machine that runs Terraform: for a throwaway or development region only. */
export interface LocalStateBackendProps {
  /**
   * Path of the state file, relative to the stack's directory.
   * @default `<name>.tfstate`
   */
  readonly path?: string;
}

/** HCP Terraform or Terraform Enterprise (the `cloud` block): one named workspace per region. */
export interface CloudStateBackendProps {
  /** The organization. */
  readonly organization: string;
  /** The workspace holding this region's state. */
  readonly workspace: string;
  /**
   * Hostname of Terraform Enterprise.
   * @default 'app.terraform.io'
   */
  readonly hostname?: string;
}

/** What a custom backend must say about itself. */
export interface CustomStateBackendProps {
  /**
   * The backend's identity, unique to the state object (e.g. `gcs://bucket/prefix`): two stacks of
   * one app with the same identity are refused, and the region lock records it.
   */
  readonly stateKey: string;
}

/** The state backends a region can use. */
export enum StateBackendKind {
  S3 = 's3',
  LOCAL = 'local',
  CLOUD = 'cloud',
  CUSTOM = 'custom',
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const TFC_NAME = /^[A-Za-z0-9_-]{1,90}$/;

/**
 * Where a region's Terraform state lives: `StateBackend.s3(...)` (the default for a plain
 * `{ bucket }`), `.local(...)`, `.cloud(...)` or `.custom(stack => new XBackend(stack, ...), { stateKey })`.
 * Each has a state key (its identity): two stacks of one app never share one, and the region lock
 * records it, so moving the state is a deliberate step.
 */
export class StateBackend {
  /** An S3 bucket with S3-native locking (`use_lockfile`) and encryption. */
  public static s3(props: StateBackendSpec): StateBackend {
    return new StateBackend(StateBackendKind.S3, { s3: { ...props } });
  }

  /** A local state file: development regions only (nothing locks it, nothing backs it up). */
  public static local(props: LocalStateBackendProps = {}): StateBackend {
    return new StateBackend(StateBackendKind.LOCAL, { local: { ...props } });
  }

  /** HCP Terraform / Terraform Enterprise, one named workspace per region. */
  public static cloud(props: CloudStateBackendProps): StateBackend {
    return new StateBackend(StateBackendKind.CLOUD, { cloud: { ...props } });
  }

  /** Any cdktf backend (`GcsBackend`, `AzurermBackend`, `HttpBackend`, ...), built on the stack. */
  public static custom(build: (stack: TerraformStack) => TerraformBackend, props: CustomStateBackendProps): StateBackend {
    return new StateBackend(StateBackendKind.CUSTOM, { custom: { build, props: { ...props } } });
  }

  /** A `StateBackend` as is; a plain object as the S3 backend it describes. */
  public static of(spec: StateBackendSpec | StateBackend): StateBackend {
    return spec instanceof StateBackend ? spec : StateBackend.s3(spec);
  }

  /** The S3 bucket (S3 backends only); read by the placeholder check as `stateBackend.bucket`. */
  public readonly bucket?: string;
  /** The S3 backend's props. */
  public readonly s3Props?: StateBackendSpec;
  /** The local backend's props. */
  public readonly localProps?: LocalStateBackendProps;
  /** The cloud backend's props. */
  public readonly cloudProps?: CloudStateBackendProps;
  private readonly custom?: { build: (stack: TerraformStack) => TerraformBackend; props: CustomStateBackendProps };

  private constructor(
    public readonly kind: StateBackendKind,
    options: {
      s3?: StateBackendSpec; local?: LocalStateBackendProps; cloud?: CloudStateBackendProps;
      custom?: { build: (stack: TerraformStack) => TerraformBackend; props: CustomStateBackendProps };
    },
  ) {
    this.s3Props = options.s3;
    this.bucket = options.s3?.bucket;
    this.localProps = options.local;
    this.cloudProps = options.cloud;
    this.custom = options.custom;
  }

  /** The state object's identity for region `name` (`s3://bucket/key`, `local:path`, `cloud:host/org/workspace`, `custom:key`). */
  public stateKey(name: string): string {
    switch (this.kind) {
      case StateBackendKind.S3: return `s3://${this.s3Props!.bucket}/${this.s3Props!.key ?? `clickhouse-ingest/${name}.tfstate`}`;
      case StateBackendKind.LOCAL: return `local:${this.localProps!.path ?? `${name}.tfstate`}`;
      case StateBackendKind.CLOUD: return `cloud:${this.cloudProps!.hostname ?? 'app.terraform.io'}/${this.cloudProps!.organization}/${this.cloudProps!.workspace}`;
      default: return `custom:${this.custom!.props.stateKey}`;
    }
  }

  /** Adds what is wrong with the backend's props under `field`. */
  public validate(problems: Problems, field: string): void {
    if (this.kind === StateBackendKind.S3) {
      const s = this.s3Props!;
      problems.check(typeof s.bucket === 'string' && BUCKET.test(s.bucket), `${field}.bucket`, s.bucket, 'an S3 bucket name');
      if (s.key !== undefined) {
        problems.check(typeof s.key === 'string' && /^[A-Za-z0-9!_.*'()/-]{1,1024}$/.test(s.key) && !s.key.startsWith('/'),
          `${field}.key`, s.key, 'an S3 object key such as clickhouse-ingest/us.tfstate');
      }
      if (s.region !== undefined) problems.check(AWS_REGION.test(s.region), `${field}.region`, s.region, 'an AWS region such as us-east-1');
    } else if (this.kind === StateBackendKind.LOCAL) {
      const p = this.localProps!.path;
      if (p !== undefined) problems.check(typeof p === 'string' && /^[^\0]{1,1024}$/.test(p) && p.endsWith('.tfstate'), `${field}.path`, p, 'a file path ending in .tfstate');
    } else if (this.kind === StateBackendKind.CLOUD) {
      const c = this.cloudProps!;
      problems.check(typeof c.organization === 'string' && TFC_NAME.test(c.organization), `${field}.organization`, c.organization, 'an organization name');
      problems.check(typeof c.workspace === 'string' && TFC_NAME.test(c.workspace), `${field}.workspace`, c.workspace,
        'a workspace name: letters, digits, - and _ (at most 90)');
      if (c.hostname !== undefined) {
        problems.check(/^[a-z0-9.-]+(:\d+)?$/.test(c.hostname), `${field}.hostname`, c.hostname, 'a host name such as app.terraform.io');
      }
    } else {
      const p = this.custom!.props;
      problems.check(typeof this.custom!.build === 'function', field, this.custom!.build, 'a function (stack) => TerraformBackend');
      problems.check(typeof p.stateKey === 'string' && p.stateKey.trim() !== '', `${field}.stateKey`, p.stateKey,
        'the backend\'s identity, unique to its state object (e.g. gcs://bucket/prefix)');
    }
  }

  /** Creates the backend on `stack` for region `name` and region `region`. */
  public bind(stack: TerraformStack, name: string, region: string): TerraformBackend {
    switch (this.kind) {
      case StateBackendKind.S3: {
        const s = this.s3Props!;
        const backend = new S3Backend(stack, {
          bucket: s.bucket,
          key: s.key ?? `clickhouse-ingest/${name}.tfstate`,
          region: s.region ?? region,
          encrypt: true,
          ...(s.kmsKeyId !== undefined ? { kmsKeyId: s.kmsKeyId } : {}),
        });
        // cdktf 0.21's S3BackendConfig predates S3-native locking (Terraform ≥ 1.10).
        stack.addOverride('terraform.backend.s3.use_lockfile', true);
        return backend;
      }
      case StateBackendKind.LOCAL: return new LocalBackend(stack, { path: this.localProps!.path ?? `${name}.tfstate` });
      case StateBackendKind.CLOUD: {
        const c = this.cloudProps!;
        return new CloudBackend(stack, {
          organization: c.organization, workspaces: new NamedCloudWorkspace(c.workspace), ...(c.hostname !== undefined ? { hostname: c.hostname } : {}),
        });
      }
      default: return this.custom!.build(stack);
    }
  }
}

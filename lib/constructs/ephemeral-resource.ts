import { dependable, ITerraformDependable, ref, TerraformElement, Token } from 'cdktf';
import { Construct } from 'constructs';

export interface EphemeralResourceProps {
  /** The ephemeral resource type, e.g. `aws_secretsmanager_random_password`. */
  readonly type: string;
  /** Its arguments, in Terraform's snake_case (tokens allowed). */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * What must exist before Terraform opens it (e.g. the secret version it reads).
   * @default none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A Terraform ephemeral resource (Terraform ≥ 1.10): opened during plan and apply, never written
 * to the plan or the state. cdktf 0.21 predates them, so this element writes the `ephemeral` block
 * itself. Its values may only flow into write-only arguments (`secret_string_wo`, `data_wo`),
 * provider configuration and other ephemeral resources.
 */
export class EphemeralResource extends TerraformElement {
  public readonly ephemeralType: string;
  private readonly config: Readonly<Record<string, unknown>>;
  private readonly dependencies: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: EphemeralResourceProps) {
    super(scope, id, `ephemeral.${props.type}`);
    this.ephemeralType = props.type;
    this.config = { ...props.config };
    this.dependencies = [...(props.dependsOn ?? [])];
  }

  /** An attribute of the opened resource, e.g. `random_password` (a reference; ephemeral). */
  public getString(attribute: string): string {
    return Token.asString(ref(`ephemeral.${this.ephemeralType}.${this.friendlyUniqueId}.${attribute}`, this.cdktfStack));
  }

  public toTerraform(): Record<string, unknown> {
    return {
      ephemeral: {
        [this.ephemeralType]: {
          [this.friendlyUniqueId]: {
            ...this.config,
            ...(this.dependencies.length > 0 ? { depends_on: this.dependencies.map((d) => dependable(d)) } : {}),
          },
        },
      },
    };
  }
}

import { Annotations, Aspects, IAspect, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { Problems, Topology } from '../model';
import { RenderedFile } from '../render/file';
import {
  evaluatePolicies, POLICY_RULE_IDS, POLICY_RULES, PolicyRuleId, PolicyViolation,
} from './rules';
import { TerraformJson } from './terraform-json';

/** Construct metadata type that records a suppression, so it shows in the construct tree. */
export const POLICY_SUPPRESSION_METADATA = 'cdktf-clickhouse-ingest/policy-suppression';

export interface PolicyPackOptions {
  /**
   * The region's topology: consumer groups, stateless installation names, extra data ports.
   * @default - rules rely on the Terraform JSON and artifacts alone
   */
  readonly topology?: Topology;
  /**
   * The stack's rendered artifacts, produced on demand when the pack runs (at synth).
   * @default - no artifacts are scanned
   */
  readonly artifacts?: () => readonly RenderedFile[];
  /**
   * Rules switched off for the whole stack, each with the reason why (an empty reason is rejected).
   * @default none
   */
  readonly suppressions?: Readonly<Partial<Record<PolicyRuleId, string>>>;
  /**
   * Ports that must never be reachable from 0.0.0.0/0 or ::/0.
   * @default DEFAULT_DATA_PORTS plus the topology's ClickHouse and ZooKeeper ports
   */
  readonly dataPorts?: readonly number[];
  /**
   * Resource types that must carry `lifecycle.prevent_destroy`.
   * @default DEFAULT_STATEFUL_RESOURCE_TYPES
   */
  readonly statefulResourceTypes?: readonly string[];
}

interface Suppression {
  readonly ruleId: PolicyRuleId;
  readonly reason: string;
}

/**
 * The library's policy pack: a cdktf Aspect that checks a stack's synthesized Terraform JSON (and
 * artifacts) against every rule and raises an error annotation on each offending construct.
 *
 * A violation stops synthesis twice over: a stack validation fails first (before anything is
 * written, also under `Testing.synth(stack, true)`), and the error annotations abort `app.synth()`
 * even when validations are skipped.
 */
export class PolicyPack implements IAspect {
  /**
   * Turns the pack on for `stack` and returns it (its `violations` fill in at synth). A stack has
   * at most one pack: a second `apply` is rejected (use `PolicyPack.of(stack)` and `suppress`).
   */
  public static apply(stack: TerraformStack, options: PolicyPackOptions = {}): PolicyPack {
    if (PolicyPack.packs.has(stack)) {
      const problems = new Problems();
      problems.add('stack', stack.node.path, 'a stack without a policy pack yet (RegionStack turns one on: use PolicyPack.of(stack))');
      problems.throwIfAny('policy pack');
    }
    const pack = new PolicyPack(stack, { ...options });
    PolicyPack.packs.set(stack, pack);
    Aspects.of(stack).add(pack);
    stack.node.addValidation({ validate: () => pack.errors() });
    return pack;
  }

  /** The pack applied to `stack`, if any. */
  public static of(stack: TerraformStack): PolicyPack | undefined {
    return PolicyPack.packs.get(stack);
  }

  private static readonly packs = new WeakMap<TerraformStack, PolicyPack>();

  /**
   * Switches one rule off for `scope` and everything below it, with a written reason that is kept
   * in the construct tree and reported as an info annotation.
   */
  public static suppress(scope: IConstruct, ruleId: PolicyRuleId, reason: string): void {
    const problems = new Problems();
    checkSuppression(problems, 'ruleId', ruleId, `reason`, reason);
    problems.throwIfAny('policy suppression');
    scope.node.addMetadata(POLICY_SUPPRESSION_METADATA, { ruleId, reason: reason.trim() } satisfies Suppression);
    Annotations.of(scope).addInfo(`policy rule ${ruleId} suppressed: ${reason.trim()}`);
  }

  /** Unsuppressed violations found by the last run (empty until the stack is synthesized). */
  public get violations(): readonly PolicyViolation[] {
    return this.lastRun?.violations ?? [];
  }

  /** Suppressed violations of the last run, with the reason each was allowed. */
  public get suppressed(): readonly (PolicyViolation & { readonly reason: string })[] {
    return this.lastRun?.suppressed ?? [];
  }

  private lastRun?: { violations: PolicyViolation[]; suppressed: (PolicyViolation & { reason: string })[] };
  private resolved?: TerraformJson;
  private readonly annotated = new WeakMap<IConstruct, Set<string>>();

  private constructor(private readonly stack: TerraformStack, private readonly options: PolicyPackOptions) {
    const problems = new Problems();
    for (const [ruleId, reason] of Object.entries(options.suppressions ?? {})) {
      checkSuppression(problems, `suppressions.${ruleId}`, ruleId, `suppressions.${ruleId}`, reason);
    }
    problems.throwIfAny('policy pack options');
  }

  public visit(node: IConstruct): void {
    // The pack reads the whole stack at once; the aspect is inherited by every child, so act once.
    if (node !== this.stack) return;
    this.run();
    this.shareWithSynth();
  }

  /** Evaluates every rule now and annotates offending constructs; returns the unsuppressed violations. */
  public run(): readonly PolicyViolation[] {
    this.unshare();
    const terraform = this.stack.toTerraform() as TerraformJson;
    this.resolved = terraform;
    const found = evaluatePolicies({
      terraform,
      topology: this.options.topology,
      artifacts: this.options.artifacts?.() ?? [],
      dataPorts: this.options.dataPorts,
      statefulResourceTypes: this.options.statefulResourceTypes,
    });
    const byPath = new Map(this.stack.node.findAll().map((c) => [c.node.path, c]));
    const run: NonNullable<PolicyPack['lastRun']> = { violations: [], suppressed: [] };
    for (const v of found) {
      const target = (v.constructPath && byPath.get(v.constructPath)) || this.stack;
      const reason = this.suppressionReason(target, v.ruleId);
      if (reason !== undefined) {
        run.suppressed.push({ ...v, reason });
        continue;
      }
      run.violations.push(v);
      this.annotateOnce(target, `[policy ${v.ruleId}] ${v.address ? v.address + ': ' : ''}${v.message}`);
    }
    this.lastRun = run;
    return run.violations;
  }

  /**
   * Resolving a stack's tokens is the most expensive step of a synth, and the pack has just done
   * it: the synth's own `toTerraform()`, which follows in the same synchronous call (after the
   * validations), gets the same JSON instead of resolving again, once, if the construct tree has
   * not changed. The shortcut is dropped at the end of the current call (a microtask) either way.
   */
  private shareWithSynth(): void {
    const terraform = this.resolved;
    this.resolved = undefined; // held by the one-shot closure only, not for the pack's lifetime
    if (terraform === undefined) return;
    const stack = this.stack as unknown as { toTerraform?: () => unknown };
    const size = this.stack.node.findAll().length;
    stack.toTerraform = () => {
      this.unshare();
      return this.stack.node.findAll().length === size ? terraform : this.stack.toTerraform();
    };
    queueMicrotask(() => this.unshare());
  }

  private unshare(): void {
    // Deleting the instance's own property restores the class's toTerraform.
    if (Object.prototype.hasOwnProperty.call(this.stack, 'toTerraform')) delete (this.stack as unknown as { toTerraform?: unknown }).toTerraform;
  }

  private errors(): string[] {
    const violations = this.lastRun ? this.lastRun.violations : this.run();
    return violations.map((v) => `[policy ${v.ruleId}] ${v.address ? v.address + ': ' : ''}${v.message}` +
      ` (suppress with PolicyPack.suppress(scope, '${v.ruleId}', '<reason>') if this is deliberate)`);
  }

  private suppressionReason(target: IConstruct, ruleId: PolicyRuleId): string | undefined {
    const fromOptions = this.options.suppressions?.[ruleId];
    if (fromOptions !== undefined) return fromOptions.trim();
    for (const scope of [...target.node.scopes].reverse()) {
      const entry = scope.node.metadata.find((m) => m.type === POLICY_SUPPRESSION_METADATA && (m.data as Suppression).ruleId === ruleId);
      if (entry) return (entry.data as Suppression).reason;
    }
    return undefined;
  }

  /** Aspects run on every synth call (`Testing.synth`, then `app.synth`): annotate each finding once. */
  private annotateOnce(target: IConstruct, message: string): void {
    const seen = this.annotated.get(target) ?? new Set<string>();
    this.annotated.set(target, seen);
    if (seen.has(message)) return;
    seen.add(message);
    Annotations.of(target).addError(message);
  }
}

function checkSuppression(problems: Problems, idField: string, ruleId: unknown, reasonField: string, reason: unknown): void {
  problems.check(POLICY_RULE_IDS.includes(ruleId as PolicyRuleId), idField, ruleId, `a policy rule id (${POLICY_RULE_IDS.join(', ')})`);
  problems.check(typeof reason === 'string' && reason.trim().length > 0, reasonField, reason,
    'a written reason why this rule does not apply here');
}

/** The rules of the pack with what each demands, e.g. for documentation. */
export function describePolicyRules(): { readonly id: PolicyRuleId; readonly description: string }[] {
  return POLICY_RULES.map((r) => ({ id: r.id, description: r.description }));
}

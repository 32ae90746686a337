import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Aspects, IAspect, Manifest, TerraformStack } from 'cdktf';
// Not re-exported by the package root; the class whose write the pack judges (see judgingSynthesizer).
import { StackSynthesizer } from 'cdktf/lib/synthesize/synthesizer';
import type { IStackSynthesizer, ISynthesisSession } from 'cdktf/lib/synthesize/types';
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
 *
 * It judges the final tree: every other Aspect, added before or after the pack, has run when the
 * rules are evaluated, and the pack never substitutes its own copy of the JSON for the synth's.
 *
 * Under `app.synth()` (and `cdktf synth`, `Testing.fullSynth`) the pack judges the very object
 * that is written: it wraps the stack's synthesizer, and the stack's one `toTerraform()` at the
 * write (after every Aspect, validation and custom synthesis step) is judged before cdktf
 * serializes that same object. So the stack is resolved once for both, and nothing can change
 * between the judgement and the write. Under `Testing.synth(stack, true)`, with HCL output, or when
 * the stack's synthesizer is replaced, the pack judges in the stack validation, as before.
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
    stack.node.addValidation({ validate: () => (pack.write ? [] : pack.errors()) });
    onSynthesize(stack, (session) => pack.beforeWrite(session));
    stack.synthesizer = pack.judgingSynthesizer(stack.synthesizer);
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

  /** Unsuppressed violations of the last synth (or of the tree as it is now, if it was not synthesized since its Aspects last ran). */
  public get violations(): readonly PolicyViolation[] {
    return this.current()?.violations ?? [];
  }

  /** Suppressed violations of the last run, with the reason each was allowed. */
  public get suppressed(): readonly (PolicyViolation & { readonly reason: string })[] {
    return this.current()?.suppressed ?? [];
  }

  private lastRun?: { violations: PolicyViolation[]; suppressed: (PolicyViolation & { reason: string })[] };
  /** Whether the last run judged the tree as the current synth's Aspects left it. */
  private judged = false;
  private readonly annotated = new WeakMap<IConstruct, Set<string>>();
  /**
   * Set while the judging synthesizer runs: the write's JSON is judged, not a copy. `armed` once
   * the pack's custom synthesis step ran (the next resolution is the write's), `judged` once it was.
   */
  private write?: { armed: boolean; judged: boolean };

  private constructor(private readonly stack: TerraformStack, private readonly options: PolicyPackOptions) {
    const problems = new Problems();
    for (const [ruleId, reason] of Object.entries(options.suppressions ?? {})) {
      checkSuppression(problems, `suppressions.${ruleId}`, ruleId, `suppressions.${ruleId}`, reason);
    }
    problems.throwIfAny('policy pack options');
  }

  /**
   * Marks the start of a synth. Aspects run top-down, so the pack's visit of the stack comes before
   * any Aspect visits a child: judging here would judge a tree that later Aspects still change. The
   * rules run once every Aspect is done: on the JSON of the write under the judging synthesizer
   * (see `judgingSynthesizer`), otherwise in the stack validation or, with validations skipped, in
   * the stack's custom synthesis step, which still precedes the annotation check and `cdk.tf.json`.
   */
  public visit(node: IConstruct): void {
    if (node === this.stack) this.judged = false;
  }

  /** Evaluates every rule now and annotates offending constructs; returns the unsuppressed violations. */
  public run(): readonly PolicyViolation[] {
    // The stack's own toTerraform(), resolved afresh: the pack never hands a copy back to the synth,
    // so what it judges and what `cdk.tf.json` holds are both the tree after every Aspect.
    return this.judge(this.stack.toTerraform() as TerraformJson);
  }

  /** Evaluates every rule on `terraform` (read only) and annotates offending constructs. */
  private judge(terraform: TerraformJson): readonly PolicyViolation[] {
    const found = evaluatePolicies({
      terraform,
      topology: this.options.topology,
      artifacts: this.options.artifacts?.() ?? [],
      dataPorts: this.options.dataPorts,
      statefulResourceTypes: this.options.statefulResourceTypes,
    });
    const targetOf = this.targets();
    const run: NonNullable<PolicyPack['lastRun']> = { violations: [], suppressed: [] };
    for (const v of found) {
      const target = targetOf(v);
      const reason = this.suppressionReason(target, v.ruleId);
      if (reason !== undefined) {
        run.suppressed.push({ ...v, reason });
        continue;
      }
      run.violations.push(v);
      this.annotateOnce(target, policyMessage(v));
    }
    this.lastRun = run;
    this.judged = true;
    return run.violations;
  }

  /**
   * Wraps the stack's synthesizer so the JSON cdktf writes is the JSON judged. cdktf's
   * StackSynthesizer runs Aspects, validations and custom synthesis steps (the stack's own, which is
   * the pack's, last), then resolves the stack with `toTerraform()` and writes what that returns.
   * From the pack's step on, the stack's `toTerraform` judges each result before handing it on, so
   * a violation throws before anything is written; earlier calls (an Aspect or validation of the
   * user's) resolve unjudged, as the tree may still change. A synthesizer that wrote without that
   * call is judged after its write, which a violation takes back. Any other synthesizer (HCL output,
   * or one of the user's inside ours) is left alone: then the stack validation judges, or, with
   * validations skipped, the pack's step.
   */
  private judgingSynthesizer(inner: IStackSynthesizer): IStackSynthesizer {
    if (!(inner instanceof StackSynthesizer) || (inner as unknown as { hclOutput?: boolean }).hclOutput) return inner;
    return {
      synthesize: (session: ISynthesisSession): void => {
        const stack = this.stack;
        const skipValidation = session.skipValidation === true;
        // The manifest's folder, without asking the manifest (its entry is made once, by cdktf, after the Aspects).
        const workingDirectory = path.join(session.outdir, Manifest.stacksFolder, stack.node.id);
        const existed = fs.existsSync(workingDirectory);
        const own = Object.getOwnPropertyDescriptor(stack, 'toTerraform');
        const resolve = stack.toTerraform;
        const write = { armed: false, judged: false };
        try {
          this.write = write;
          stack.toTerraform = () => {
            const terraform = resolve.call(stack);
            if (!write.armed) return terraform;
            const violations = this.judge(terraform as TerraformJson);
            if (violations.length > 0) throw this.failure(violations, skipValidation);
            write.judged = true;
            return terraform;
          };
          inner.synthesize(session);
          if (!write.judged) {
            const violations = this.judge(resolve.call(stack) as TerraformJson);
            if (violations.length > 0) {
              if (existed) fs.rmSync(path.join(session.outdir, session.manifest.forStack(stack).synthesizedStackPath), { force: true });
              throw this.failure(violations, skipValidation);
            }
          }
        } catch (e) {
          // cdktf makes the stack's folder and copies its assets before the write: a refused first
          // synth leaves no folder behind. A folder from an earlier synth keeps its files (only a
          // synthesizer judged after its write loses the cdk.tf.json it had just written).
          if (!existed) fs.rmSync(workingDirectory, { recursive: true, force: true });
          throw e;
        } finally {
          this.write = undefined;
          if (own) Object.defineProperty(stack, 'toTerraform', own);
          else delete (stack as { toTerraform?: unknown }).toTerraform;
        }
      },
    };
  }

  /**
   * The pack's custom synthesis step, after every other one: arms the judgement of the write, or,
   * without the judging synthesizer, judges now; with validations skipped a violation throws here
   * (even when CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS lets error annotations through).
   */
  private beforeWrite(session: ISynthesisSession): void {
    if (this.write) {
      this.write.armed = true;
      return;
    }
    const violations = this.current()?.violations ?? [];
    if (violations.length > 0 && session.skipValidation === true) throw this.failure(violations, true);
  }

  /** The error a violation raises at the write: cdktf's own wording for a failed validation or an error annotation. */
  private failure(violations: readonly PolicyViolation[], skipValidation: boolean): Error {
    if (skipValidation) {
      const targetOf = this.targets();
      const lines = violations.map((v) => `[${targetOf(v).node.path}] ${policyMessage(v)}`);
      return new Error(`Encountered Annotations with level "ERROR":\n${lines.join('\n')}\n\n` +
        'Either fix the issues above, or set the environment variable CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS to ignore these annotations.\n');
    }
    const lines = this.errorsOf(violations).map((m) => `[${this.stack.node.path}] ${m}`);
    return new Error(`Validation failed with the following errors:\n  ${lines.join('\n  ')}\n\n` +
      "If you wish to ignore these validations, pass 'skipValidation: true' to your App configuration.\n");
  }

  /** The construct a violation is about: the one at its construct path, else the stack. */
  private targets(): (v: PolicyViolation) => IConstruct {
    const byPath = new Map(this.stack.node.findAll().map((c) => [c.node.path, c]));
    return (v) => (v.constructPath && byPath.get(v.constructPath)) || this.stack;
  }

  /** The last run, or a fresh one when a synth has started (Aspects ran) since. */
  private current(): NonNullable<PolicyPack['lastRun']> | undefined {
    if (!this.judged) this.run();
    return this.lastRun;
  }

  private errors(): string[] {
    return this.errorsOf(this.current()?.violations ?? []);
  }

  private errorsOf(violations: readonly PolicyViolation[]): string[] {
    return violations.map((v) => `${policyMessage(v)} (suppress with PolicyPack.suppress(scope, '${v.ruleId}', '<reason>') if this is deliberate)`);
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

function policyMessage(v: PolicyViolation): string {
  return `[policy ${v.ruleId}] ${v.address ? v.address + ': ' : ''}${v.message}`;
}

/**
 * cdktf's custom-synthesis hook (the registered symbol its `TerraformAsset` uses; `addCustomSynthesis`
 * itself is not exported). cdktf calls it after Aspects and validations and before it collects
 * error annotations, so a violation still aborts a synth whose validations are skipped.
 */
const CUSTOM_SYNTHESIS = Symbol.for('cdktf/customSynthesis');

function onSynthesize(stack: TerraformStack, hook: (session: ISynthesisSession) => void): void {
  const existing = (stack as unknown as Record<symbol, { onSynthesize(session: ISynthesisSession): void } | undefined>)[CUSTOM_SYNTHESIS];
  Object.defineProperty(stack, CUSTOM_SYNTHESIS, {
    value: { onSynthesize: (session: ISynthesisSession) => { existing?.onSynthesize(session); hook(session); } },
    enumerable: false,
    configurable: true,
  });
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

import { Testing } from 'cdktf';
import { MigrationPhase, migrationRegion } from '../../examples/backend-migration/region';
import { DEV_REGION } from '../../examples/dev-region/region';
import { SHUFFLEHOG_REGION } from '../../examples/shufflehog/region';
import { RegionSpec, RegionStack } from '../../lib/region-stack';
import { EU_REGION } from '../../stacks/eu';
import { US_REGION } from '../../stacks/us';

/**
 * Every stack the library ships (the default regions and every example) synthesizes with the
 * policy pack on, and passes it; a rule is off only where the region says why.
 */
const stacks: [string, RegionSpec][] = [
  ['us', US_REGION],
  ['eu', EU_REGION],
  ['dev', DEV_REGION],
  ['shufflehog', SHUFFLEHOG_REGION],
  ...Object.values(MigrationPhase).map((phase): [string, RegionSpec] => [`migration-${phase}`, migrationRegion(phase)]),
];

describe('policy pack on the shipped stacks', () => {
  test.each(stacks)('%s passes the policy pack', (id, spec) => {
    const stack = new RegionStack(Testing.app(), id, spec);
    // Runs the aspects (the pack) and the validations (where a violation would throw); writes nothing.
    Testing.synth(stack, true);
    expect(stack.policyPack.violations).toEqual([]);
    // What is suppressed is suppressed by the region's own written reasons, nothing else.
    const allowed = spec.policySuppressions ?? {};
    for (const s of stack.policyPack.suppressed) {
      expect(Object.keys(allowed)).toContain(s.ruleId);
      expect(s.reason.length).toBeGreaterThan(10);
    }
  });

  test('production regions suppress nothing', () => {
    expect(US_REGION.policySuppressions ?? {}).toEqual({});
    expect(EU_REGION.policySuppressions ?? {}).toEqual({});
  });
});

import { SchemaObjectKind, Statement } from '../../../lib/schema/statements';

/**
 * A role's statements without its roles and grants: chdb, the tests' ClickHouse, has no writable
 * access storage to run them (they are parsed in __tests__/schema/posthog-shapes.test.ts).
 */
export const objectStatements = (statements: readonly Statement[]): Statement[] => statements.filter((s) => s.kind !== SchemaObjectKind.ACCESS_ROLE);

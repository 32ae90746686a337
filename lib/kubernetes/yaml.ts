import { Document, isScalar, Scalar, visit } from 'yaml';

/**
 * Helm values as YAML for review and for `helm_release.values`. Multi-line strings (config files,
 * SQL) become literal blocks so reviewers read them as files; strings that carry a Terraform
 * reference (`${...}`, e.g. a cdktf token for a broker list or a role ARN) are double-quoted so the
 * value Terraform substitutes in stays one YAML string whatever characters it holds.
 */
export function toHelmValuesYaml(values: unknown): string {
  const doc = new Document(values, { keepUndefined: false });
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (isScalar(node) && typeof node.value === 'string') {
        if (node.value.includes('\n')) node.type = Scalar.BLOCK_LITERAL;
        else if (node.value.includes('${')) node.type = Scalar.QUOTE_DOUBLE;
      }
    },
  });
  // No %YAML/%TAG lines in Helm values; `directives: false` spares yaml a walk of the whole document to decide.
  return doc.toString({ lineWidth: 0, blockQuote: 'literal', directives: false });
}

/** @deprecated the stack escapes every string once (`LiteralText`); kept for callers of the old name. */
export { escapeTerraformLiteral as escapeTerraformTemplate } from '../render/terraform-literal';

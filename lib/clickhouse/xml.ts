import { create } from 'xmlbuilder2';

/**
 * An element tree in xmlbuilder2's object form: keys are element names, `@name` keys are
 * attributes, arrays repeat an element. Text values are escaped by the library, so a value can
 * never open or close an element.
 */
export type XmlTree = { readonly [name: string]: XmlNode };
export type XmlNode = string | number | XmlTree | readonly XmlNode[];

/** A ClickHouse config file: `<clickhouse>` around the given sections, pretty-printed, newline-terminated. */
export function clickhouseXml(sections: XmlTree): string {
  return create({ version: '1.0' }, { clickhouse: sections as Record<string, unknown> }).end({ prettyPrint: true }) + '\n';
}

/** An element whose value ClickHouse reads from an environment variable when it loads the config. */
export function fromEnv(variable: string): XmlTree {
  return { '@from_env': variable };
}

/** Marks an element as replacing what earlier config files defined for it instead of merging into it. */
export function replacing(tree: XmlTree): XmlTree {
  return { '@replace': 'replace', ...tree };
}

import { readXml } from '../../../lib/clickhouse/xml';

/** The part of a DOM element the tests read. */
export interface XmlElement {
  readonly nodeType: number;
  readonly tagName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<XmlElement>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
}

/**
 * Parses a rendered file with the library's reader (@xmldom/xmldom, apart from the writer under
 * test) and returns its `<clickhouse>` root; throws on malformed XML. It keeps whitespace-only text
 * (a value of ' ' reads back as ' ') and decodes each character reference once, as ClickHouse's
 * parser does (xmlbuilder2's reader decodes `&amp;#65;` twice, to `A`).
 */
export function parseClickHouseXml(content: string): XmlElement {
  const root = readXml(content) as unknown as XmlElement;
  if (root.tagName !== 'clickhouse') throw new Error(`root is <${root.tagName}>, not <clickhouse>`);
  return root;
}

/** Element children of `el`, in document order. */
export function elements(el: XmlElement): XmlElement[] {
  return Array.from(el.childNodes).filter((n) => n.nodeType === 1);
}

/** Direct children of `el` named `name`, in document order. */
export function children(el: XmlElement, name: string): XmlElement[] {
  return elements(el).filter((c) => c.tagName === name);
}

/** The one direct child named `name`; throws if there is none or more than one. */
export function child(el: XmlElement, name: string): XmlElement {
  const found = children(el, name);
  if (found.length !== 1) throw new Error(`<${el.tagName}> has ${found.length} <${name}> children, expected 1`);
  return found[0];
}

/** Follows a path of single children, e.g. `at(root, 'zookeeper', 'root')`. */
export function at(el: XmlElement, ...path: string[]): XmlElement {
  return path.reduce((e, name) => child(e, name), el);
}

/** Tag names of the direct children, in order. */
export function childNames(el: XmlElement): string[] {
  return elements(el).map((c) => c.tagName);
}

/** Text of the element at `path`. */
export function textAt(el: XmlElement, ...path: string[]): string {
  return at(el, ...path).textContent ?? '';
}

import { create } from 'xmlbuilder2';

/** The part of xmlbuilder2's DOM element the tests read. */
export interface XmlElement {
  readonly nodeType: number;
  readonly tagName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<XmlElement>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
}

/** Parses a rendered file and returns its `<clickhouse>` root; throws on malformed XML. */
export function parseClickHouseXml(content: string): XmlElement {
  // Keep whitespace-only text: a value of ' ' must read back as ' ', not as nothing.
  const root = (create({ skipWhitespaceOnlyText: false }, content).node as unknown as { documentElement: XmlElement }).documentElement;
  if (root.tagName !== 'clickhouse') throw new Error(`root is <${root.tagName}>, not <clickhouse>`);
  return root;
}

/**
 * Element children of `el`, in document order. (`Element.children` of xmlbuilder2's DOM lists
 * every descendant, so this reads `childNodes`.)
 */
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

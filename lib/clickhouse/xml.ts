import type { Element as XmlElement } from '@xmldom/xmldom';
import XMLBuilder from 'fast-xml-builder';

/**
 * An element tree: keys are element names, `@name` keys are attributes, arrays repeat an element.
 * Text values are escaped by the writer, so a value can never open or close an element, and they
 * reach ClickHouse literally (`&amp;` in a value is read back as `&amp;`, not as `&`).
 */
export type XmlTree = { readonly [name: string]: XmlNode };
export type XmlNode = string | number | XmlTree | readonly XmlNode[];

/** A comment in a file's root element; the writer breaks up any `--` in it. */
const COMMENT = '#comment';

/** Characters XML 1.0 does not allow in a document at all, escaped or not (ClickHouse's parser refuses the file). */
export const NOT_XML_CHARACTER = /[\u{0}-\u{8}\u{B}\u{C}\u{E}-\u{1F}\u{FFFE}\u{FFFF}]|\p{Cs}/u;

/**
 * Characters a parser changes when they are written literally, so they are written as character
 * references. In text: CR (every XML parser turns it, and CRLF, into LF; ClickHouse's too), and NEL,
 * LINE SEPARATOR and PARAGRAPH SEPARATOR, which ClickHouse keeps but @xmldom/xmldom, the library's
 * reader, turns into LF (the first two are XML 1.1 line ends). In an attribute value also tab and LF,
 * which every parser turns into a space.
 */
const CHANGED_IN_TEXT = /[\r\u0085\u2028\u2029]/g;
const CHANGED_IN_ATTRIBUTE = /[\t\n\r\u0085\u2028\u2029]/g;

function characterReference(char: string): string {
  return `&#x${char.codePointAt(0)!.toString(16).toUpperCase()};`;
}

// `&`, `<` and `>`, and also `"` in attribute values (the writer adds that one itself), and the
// characters above: every character stays itself when ClickHouse, or the library, reads the file back.
function escapeMarkup(what: string, value: unknown, changedByParser: RegExp): string {
  const text = String(value);
  if (NOT_XML_CHARACTER.test(text)) throw new Error(`${what} holds a character XML does not allow: ${JSON.stringify(text)}`);
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(changedByParser, characterReference);
}

/**
 * fast-xml-builder writes the tree as text in one pass. A DOM builder (xmlbuilder2, before) took
 * about 0.6 ms a file against 0.1 ms, and 60 ms to load against 3 ms; a synth writes 134 files.
 * Its own entity handling is off so the escaping above is the only one: it would also turn every
 * quote of the SQL in startup_scripts.xml into `&apos;`. A name that is not an XML name is an
 * error, never a malformed file (as are a bad character and a bad tree, below).
 */
const writer = new XMLBuilder({
  attributeNamePrefix: '@',
  ignoreAttributes: false,
  commentPropName: COMMENT,
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
  // An attribute whose value is "true" keeps its value: `replace="true"`, not a bare `replace`.
  suppressBooleanAttributes: false,
  processEntities: false,
  tagValueProcessor: (name, value) => escapeMarkup(`<${name}>`, value, CHANGED_IN_TEXT),
  attributeValueProcessor: (name, value) => escapeMarkup(`attribute ${name}`, value, CHANGED_IN_ATTRIBUTE),
  sanitizeName: (name) => {
    throw new Error(`not an XML element or attribute name: ${JSON.stringify(name)}`);
  },
});

/**
 * A ClickHouse config file: `<clickhouse>` around the given sections, pretty-printed, newline-terminated;
 * with `comment`, a comment first inside `<clickhouse>`.
 */
export function clickhouseXml(sections: XmlTree, comment?: string): string {
  checkTree(sections, 'clickhouse');
  const clickhouse = comment === undefined ? sections : { [COMMENT]: comment, ...sections };
  return writer.build({ '?xml': { '@version': '1.0' }, clickhouse });
}

/**
 * Refuses what the writer would turn into something else than elements, attributes and text: keys it
 * reads as text, comments or processing instructions (`#…`, `?…`, `!…`), an attribute that is not a
 * scalar, a list inside a list, and holes (`null`, `undefined`) that a cast let through.
 */
function checkTree(tree: XmlTree, path: string): void {
  for (const [key, node] of Object.entries(tree)) {
    const at = `${path}.${key}`;
    if (/^[#?!]/.test(key)) throw new Error(`${at}: not an element or attribute name`);
    if (key.startsWith('@')) {
      if (typeof node !== 'string' && typeof node !== 'number') throw new Error(`${at}: an attribute holds a string or a number, not ${JSON.stringify(node)}`);
      continue;
    }
    for (const item of Array.isArray(node) ? node as readonly XmlNode[] : [node]) {
      if (Array.isArray(item)) throw new Error(`${at}: a list inside a list`);
      if (item === null || item === undefined) throw new Error(`${at}: no value (${String(item)})`);
      if (typeof item === 'object') checkTree(item as XmlTree, at);
    }
  }
}

/**
 * The root element of an XML file, parsed with @xmldom/xmldom (loaded on first use: a synth writes
 * these files and never reads them back). Each character reference is decoded once, as ClickHouse
 * decodes it; malformed XML throws.
 */
export function readXml(content: string): XmlElement {
  const { DOMParser } = require('@xmldom/xmldom') as typeof import('@xmldom/xmldom');
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`malformed XML: ${message}`);
    },
  });
  const root = parser.parseFromString(content, 'text/xml').documentElement;
  if (root === null) throw new Error('malformed XML: no root element');
  return root;
}

/** A parsed file in xmlbuilder2's object form: element names as keys, `@name` attributes, repeated elements as lists. */
export type XmlObject = { [name: string]: unknown };

/**
 * A file in xmlbuilder2's object form, for readers that walk a whole config (the library's own
 * names, the rehearsal's overrides). xmlbuilder2 is loaded on first use, for the same reason as
 * `readXml`. Its object form decodes entities in text more than once: read text through `readXml`.
 */
export function readXmlObject(content: string): XmlObject {
  const { convert } = require('xmlbuilder2') as typeof import('xmlbuilder2');
  return convert(content, { format: 'object' }) as unknown as XmlObject;
}

/** The element children of `element` named `name`, in document order. */
export function childElements(element: XmlElement, name: string): XmlElement[] {
  return Array.from(element.childNodes).filter((n): n is XmlElement => n.nodeType === 1 && (n as XmlElement).tagName === name);
}

/** An element whose value ClickHouse reads from an environment variable when it loads the config. */
export function fromEnv(variable: string): XmlTree {
  return { '@from_env': variable };
}

/** Marks an element as replacing what earlier config files defined for it instead of merging into it. */
export function replacing(tree: XmlTree): XmlTree {
  return { '@replace': 'replace', ...tree };
}

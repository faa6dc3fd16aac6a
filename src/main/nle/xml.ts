import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { UserError } from '../util/errors';

/**
 * A small ordered element tree over fast-xml-parser (XML 1.0): readers walk it, writers build
 * it. Text is unescaped when read (predefined and numeric character references) and escaped
 * when written; attribute order and child order are kept.
 */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** Concatenated, trimmed character data directly inside the element ('' when none). */
  text: string;
}

type OrderedEntry = Record<string, unknown> & { ':@'?: Record<string, string> };

function toNode(entry: OrderedEntry): XmlNode | null {
  const name = Object.keys(entry).find((k) => k !== ':@');
  if (!name || name.startsWith('?') || name === '#text' || name.startsWith('#')) return null;
  const raw = entry[name];
  const items = Array.isArray(raw) ? (raw as OrderedEntry[]) : [];
  const children: XmlNode[] = [];
  let text = '';
  for (const item of items) {
    if ('#text' in item) text += String(item['#text']);
    else {
      const child = toNode(item);
      if (child) children.push(child);
    }
  }
  return { name, attrs: { ...(entry[':@'] ?? {}) }, children, text: text.trim() };
}

/**
 * Parses an XML document and returns its root element.
 * @throws UserError `E_NLE_XML` when the text is not well-formed XML (with line and reason).
 */
export function parseXml(text: string, what = 'XML file'): XmlNode {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new UserError(
      'E_NLE_XML',
      `The ${what} is not well-formed XML (line ${valid.err.line}: ${valid.err.msg}).`,
      'Re-export the timeline from the NLE; the file may be truncated or edited by hand.',
    );
  }
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    htmlEntities: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    commentPropName: false,
  });
  const entries = parser.parse(text) as OrderedEntry[];
  for (const e of entries) {
    const n = toNode(e);
    if (n) return n;
  }
  throw new UserError('E_NLE_XML', `The ${what} has no root element.`, 'Re-export the timeline from the NLE.');
}

/** The first child named `name`, or undefined. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

/** All children named `name` (all children when `name` is omitted). */
export function children(node: XmlNode | undefined, name?: string): XmlNode[] {
  if (!node) return [];
  return name ? node.children.filter((c) => c.name === name) : node.children;
}

/** Text of the element at `path` (child names), or undefined when any step is missing. */
export function textAt(node: XmlNode | undefined, ...path: string[]): string | undefined {
  let cur = node;
  for (const p of path) cur = child(cur, p);
  return cur?.text;
}

/** Every descendant named `name`, depth first, in document order. */
export function descendants(node: XmlNode, name: string): XmlNode[] {
  const out: XmlNode[] = [];
  const walk = (n: XmlNode) => {
    for (const c of n.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

/** Builds an element; `kids` may mix nodes, strings/numbers (text) and skipped `undefined`/`null`/`false`. */
export function el(
  name: string,
  attrs: Record<string, string | number | undefined> = {},
  ...kids: Array<XmlNode | string | number | undefined | null | false>
): XmlNode {
  const cleanAttrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) cleanAttrs[k] = String(v);
  const nodes: XmlNode[] = [];
  let text = '';
  for (const k of kids) {
    if (k === undefined || k === null || k === false) continue;
    if (typeof k === 'string' || typeof k === 'number') text += String(k);
    else nodes.push(k);
  }
  return { name, attrs: cleanAttrs, children: nodes, text };
}

function toOrdered(node: XmlNode): OrderedEntry {
  const content: OrderedEntry[] = [];
  if (node.text !== '') content.push({ '#text': node.text });
  for (const c of node.children) content.push(toOrdered(c));
  const entry: OrderedEntry = { [node.name]: content };
  const attrs = Object.entries(node.attrs);
  if (attrs.length) entry[':@'] = Object.fromEntries(attrs.map(([k, v]) => [`@_${k}`, v]));
  return entry;
}

/**
 * Serialises `root` as an XML 1.0 document in UTF-8 with a declaration, an optional
 * `<!DOCTYPE doctype>` line, two-space indentation and a trailing newline. Text and attribute
 * values are escaped (`& < > " '`).
 */
export function buildXml(root: XmlNode, doctype?: string): string {
  const builder = new XMLBuilder({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
    processEntities: true,
  });
  const body = (builder.build([toOrdered(root)]) as string).trim();
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n' + (doctype ? `<!DOCTYPE ${doctype}>\n` : '');
  return `${head}${body}\n`;
}

/**
 * True when `text` is well-formed XML. Returns the parser's error message otherwise.
 */
export function checkWellFormed(text: string): true | string {
  const r = XMLValidator.validate(text);
  return r === true ? true : `line ${r.err.line}: ${r.err.msg}`;
}

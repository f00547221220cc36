// One XML configuration for every arXiv format. Namespace prefixes are dropped
// because the 2016 API declares them per element and the 2026 API on the root;
// values stay strings so ids like `0704.0449` and TeX are never reinterpreted.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MalformedPageError } from './errors.ts';

const REPEATED = new Set(['entry', 'author', 'category', 'record', 'item', 'link']);

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  // Decodes numeric references (&#xe9;) as well as the five XML ones.
  htmlEntities: true,
  isArray: (name) => REPEATED.has(name),
});

export type XmlNode = Record<string, unknown>;

/**
 * Parses a whole page or throws MalformedPageError. The validator runs first
 * because the parser itself accepts unclosed elements, and a truncated page
 * must never turn into a partial one.
 */
export function parseXml(body: string, what: string): XmlNode {
  if (!body.trim()) throw new MalformedPageError(`${what}: empty body`);
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    throw new MalformedPageError(`${what}: malformed XML (${valid.err.msg} at line ${valid.err.line})`);
  }
  return parser.parse(body) as XmlNode;
}

/** The text content of an element that may carry attributes, or '' when absent. */
export function textOf(v: unknown): string {
  if (v == null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return textOf(v[0]);
  if (typeof v === 'object') return textOf((v as XmlNode)['#text']);
  return '';
}

/** An attribute of an element, or '' when absent. */
export function attrOf(v: unknown, name: string): string {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const a = (v as XmlNode)[`@${name}`];
    return typeof a === 'string' ? a : '';
  }
  return '';
}

export function listOf(v: unknown): unknown[] {
  if (v == null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

export function nodeOf(v: unknown): XmlNode | null {
  if (Array.isArray(v)) return nodeOf(v[0]);
  return v && typeof v === 'object' ? (v as XmlNode) : null;
}

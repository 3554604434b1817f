// MOO/1, the framing Roon speaks inside each binary WebSocket frame:
//   MOO/1 <VERB> <name>\n<Key: value>\n...\n\n<body>
// Parsing is strict because a frame either reads exactly or is dropped: a
// half-understood frame could route a body to the wrong request.
import { isUtf8 } from 'node:buffer';

export type MooVerb = 'REQUEST' | 'CONTINUE' | 'COMPLETE';

export interface MooMessage {
  verb: MooVerb;
  /** `<service>/<method>` for a REQUEST, the response name (`Success`, `Changed`, ...) otherwise. */
  name: string;
  requestId: number;
  /** Every header as sent, unknown ones included (`Logging: quiet`). */
  headers: Record<string, string>;
  /** Parsed JSON for `application/json`, raw bytes for any other content type, undefined when there is none. */
  body?: unknown;
}

export class MooParseError extends Error {
  constructor(message: string) {
    super(`MOO frame rejected: ${message}`);
    this.name = 'MooParseError';
  }
}

const VERBS = new Set<string>(['REQUEST', 'CONTINUE', 'COMPLETE']);
/** Request ids are counters that a long-lived Core or client may take past 2^31; any exact JS integer is fine. */
const MAX_ID = Number.MAX_SAFE_INTEGER;
/** A body larger than this cannot be in one frame Encore accepts anyway. */
const MAX_LENGTH = 2 ** 31 - 1;

/** Splits `service:1/method` at the last slash. */
export function splitRequestName(name: string): { service: string; method: string } {
  const slash = name.lastIndexOf('/');
  if (slash <= 0 || slash === name.length - 1) return { service: name, method: '' };
  return { service: name.slice(0, slash), method: name.slice(slash + 1) };
}

/** A view, never a copy: a playing zone's update is parsed every second. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Strict UTF-8 (an invalid sequence is an error, never U+FFFD), read with Buffer's fast paths. */
function utf8(bytes: Buffer): string | null {
  return isUtf8(bytes) ? bytes.toString('utf8') : null;
}

function parseNonNegativeInt(value: string, what: string, max: number): number {
  if (!/^\d{1,16}$/.test(value)) throw new MooParseError(`${what} "${value.slice(0, 40)}" is not a non-negative integer`);
  const n = Number(value);
  if (n > max) throw new MooParseError(`${what} ${value} is too large`);
  return n;
}

/**
 * Where the headers end (the first blank line), or -1; and whether the bytes
 * before it are plain ASCII, as a Core's always are. One pass in JS: a playing
 * zone's update is parsed every second, with the code cold each time, and
 * each call into Buffer's native search or UTF-8 check costs more than these
 * hundred bytes.
 */
function findHeadEnd(data: Buffer): { end: number; ascii: boolean } {
  let ascii = true;
  for (let i = 0; i < data.length - 1; i++) {
    const byte = data[i]!;
    if (byte === 0x0a) {
      if (data[i + 1] === 0x0a) return { end: i, ascii };
    } else if (byte >= 0x80) ascii = false;
  }
  return { end: -1, ascii };
}

export function parseMoo(input: Uint8Array): MooMessage {
  const data = asBuffer(input);
  const { end, ascii } = findHeadEnd(data);
  if (end < 0) throw new MooParseError('no blank line after the headers');
  const head = ascii ? data.toString('latin1', 0, end) : utf8(data.subarray(0, end));
  if (head === null) throw new MooParseError('headers are not valid UTF-8');
  let lineEnd = head.indexOf('\n');
  const first = lineEnd < 0 ? head : head.slice(0, lineEnd);
  const match = /^MOO\/(\S+) (\S+) (\S.*)$/.exec(first);
  if (!match) throw new MooParseError(`bad first line "${first.slice(0, 80)}"`);
  if (match[1] !== '1') throw new MooParseError(`unsupported version MOO/${match[1]!.slice(0, 10)}`);
  const verb = match[2]!;
  if (!VERBS.has(verb)) throw new MooParseError(`unknown verb "${verb.slice(0, 20)}"`);
  const name = match[3]!;
  if (verb === 'REQUEST' && !splitRequestName(name).method) throw new MooParseError(`request name "${name.slice(0, 80)}" has no method`);

  // No prototype: a header named __proto__ or constructor is a header like any other.
  const headers: Record<string, string> = Object.create(null);
  while (lineEnd >= 0) {
    const from = lineEnd + 1;
    lineEnd = head.indexOf('\n', from);
    const line = lineEnd < 0 ? head.slice(from) : head.slice(from, lineEnd);
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MooParseError(`bad header line "${line.slice(0, 80)}"`);
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!key || /\s/.test(key)) throw new MooParseError(`bad header name "${key.slice(0, 40)}"`);
    if (headers[key] !== undefined) throw new MooParseError(`header ${key} appears twice`);
    headers[key] = value;
  }

  const rawId = headers['Request-Id'];
  if (rawId === undefined) throw new MooParseError('Request-Id is missing');
  const requestId = parseNonNegativeInt(rawId, 'Request-Id', MAX_ID);

  const bodyStart = end + 2;
  const bodyBytes = data.length - bodyStart;
  const rawLength = headers['Content-Length'];
  const contentType = headers['Content-Type'];
  const message: MooMessage = { verb: verb as MooVerb, name, requestId, headers };
  if (rawLength === undefined) {
    if (bodyBytes > 0) throw new MooParseError(`${bodyBytes} body bytes without Content-Length`);
    if (contentType !== undefined) throw new MooParseError('Content-Type without Content-Length');
    return message;
  }
  const length = parseNonNegativeInt(rawLength, 'Content-Length', MAX_LENGTH);
  if (length !== bodyBytes) throw new MooParseError(`Content-Length is ${length} but the body has ${bodyBytes} bytes`);
  // As the official client reads it: a zero length is no body, with or without a Content-Type.
  if (length === 0) return message;
  if (contentType === undefined) throw new MooParseError('Content-Length without Content-Type');
  if (contentType === 'application/json') {
    const text = jsonText(data, bodyStart);
    if (text === null) throw new MooParseError('JSON body is not valid UTF-8');
    try {
      message.body = JSON.parse(text);
    } catch (error) {
      throw new MooParseError(`JSON body does not parse (${(error as Error).message})`);
    }
  } else {
    message.body = Buffer.from(data.subarray(bodyStart));
  }
  return message;
}

/**
 * The body as text, strictly: decoding puts U+FFFD where a sequence is
 * invalid, so only a text that holds one is checked byte by byte (a real
 * U+FFFD in a title is valid and stays).
 */
function jsonText(data: Buffer, from: number): string | null {
  const text = data.toString('utf8', from);
  return text.includes('\uFFFD') ? utf8(data.subarray(from)) : text;
}

/**
 * Builds one frame. A JSON body gets Content-Type and Content-Length (in bytes,
 * not characters: titles are often not ASCII); `undefined` means no body.
 */
export function serializeMoo(message: { verb: MooVerb; name: string; requestId: number; body?: unknown; headers?: Record<string, string> }): Buffer {
  if (!VERBS.has(message.verb)) throw new Error(`unknown MOO verb ${message.verb}`);
  if (!Number.isSafeInteger(message.requestId) || message.requestId < 0) throw new Error(`bad request id ${message.requestId}`);
  if (/[\n\r]/.test(message.name)) throw new Error('a MOO name cannot contain a line break');
  let head = `MOO/1 ${message.verb} ${message.name}\nRequest-Id: ${message.requestId}\n`;
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    if (key === 'Request-Id' || key === 'Content-Length' || key === 'Content-Type') continue;
    if (/[\n\r:]/.test(key) || /[\n\r]/.test(value)) throw new Error(`bad MOO header ${key}`);
    head += `${key}: ${value}\n`;
  }
  if (message.body === undefined) return Buffer.from(head + '\n', 'utf8');
  const body = Buffer.from(JSON.stringify(message.body), 'utf8');
  head += `Content-Type: application/json\nContent-Length: ${body.length}\n\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), body]);
}

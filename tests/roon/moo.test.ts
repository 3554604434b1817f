import { describe, expect, it } from 'vitest';
import { MooParseError, parseMoo, serializeMoo, splitRequestName } from '../../src/main/services/roon/moo';

const frame = (text: string) => Buffer.from(text, 'utf8');

describe('MOO codec', () => {
  it('parses a request without a body (the spec example)', () => {
    const m = parseMoo(frame('MOO/1 REQUEST com.roonlabs.registry:1/info\nRequest-Id: 0\n\n'));
    expect(m).toEqual({ verb: 'REQUEST', name: 'com.roonlabs.registry:1/info', requestId: 0, headers: { 'Request-Id': '0' } });
    expect(splitRequestName(m.name)).toEqual({ service: 'com.roonlabs.registry:1', method: 'info' });
  });

  it('parses a JSON response, keeping unknown headers, with Content-Length in bytes', () => {
    const body = JSON.stringify({ core_id: 'c', display_name: 'Kök – Core ♫', display_version: '2.0' });
    const bytes = Buffer.byteLength(body);
    expect(bytes).toBeGreaterThan(body.length);
    const m = parseMoo(
      frame(`MOO/1 COMPLETE Success\nRequest-Id: 12\nLogging: quiet\nContent-Type: application/json\nContent-Length: ${bytes}\n\n${body}`),
    );
    expect(m.verb).toBe('COMPLETE');
    expect(m.name).toBe('Success');
    expect(m.requestId).toBe(12);
    expect(m.headers.Logging).toBe('quiet');
    expect(m.body).toEqual(JSON.parse(body));
  });

  it('round-trips through serializeMoo', () => {
    const out = serializeMoo({ verb: 'CONTINUE', name: 'Changed', requestId: 3, body: { zones_removed: ['ä'] }, headers: { 'X-Thing': 'y' } });
    const m = parseMoo(out);
    expect(m).toMatchObject({ verb: 'CONTINUE', name: 'Changed', requestId: 3, body: { zones_removed: ['ä'] } });
    expect(m.headers['X-Thing']).toBe('y');
    expect(m.headers['Content-Length']).toBe(String(Buffer.byteLength(JSON.stringify({ zones_removed: ['ä'] }))));
    expect(parseMoo(serializeMoo({ verb: 'COMPLETE', name: 'Success', requestId: 0 })).body).toBeUndefined();
  });

  it('reads Content-Length: 0 as no body, with or without a Content-Type (as the official client does)', () => {
    const bare = parseMoo(frame('MOO/1 COMPLETE Success\nRequest-Id: 4\nContent-Length: 0\n\n'));
    expect(bare.body).toBeUndefined();
    expect(bare.requestId).toBe(4);
    const typed = parseMoo(frame('MOO/1 CONTINUE Changed\nRequest-Id: 5\nContent-Type: application/json\nContent-Length: 0\n\n'));
    expect(typed).toMatchObject({ verb: 'CONTINUE', name: 'Changed', requestId: 5 });
    expect(typed.body).toBeUndefined();
  });

  it('takes Request-Ids past 2^31 up to Number.MAX_SAFE_INTEGER, and answers with the same id', () => {
    for (const id of [2 ** 31, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER]) {
      const m = parseMoo(frame(`MOO/1 REQUEST com.roonlabs.ping:1/ping\nRequest-Id: ${id}\n\n`));
      expect(m.requestId).toBe(id);
      expect(parseMoo(serializeMoo({ verb: 'COMPLETE', name: 'Success', requestId: m.requestId })).requestId).toBe(id);
    }
    expect(() => serializeMoo({ verb: 'COMPLETE', name: 'Success', requestId: Number.MAX_SAFE_INTEGER + 1 })).toThrow();
  });

  it('reads headers that are not ASCII, a real U+FFFD in a title, and a header named __proto__', () => {
    const body = JSON.stringify({ title: 'Caf\u00e9 \uFFFD' });
    const m = parseMoo(frame(`MOO/1 CONTINUE Changed\nRequest-Id: 4\nX-Zone: K\u00fcche\n__proto__: x\nContent-Type: application/json\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`));
    expect(m.headers['X-Zone']).toBe('K\u00fcche');
    expect(m.headers['__proto__']).toBe('x');
    expect(m.body).toEqual({ title: 'Caf\u00e9 \uFFFD' });
  });

  it('keeps a non-JSON body as bytes', () => {
    const m = parseMoo(frame('MOO/1 COMPLETE Success\nRequest-Id: 1\nContent-Type: image/jpeg\nContent-Length: 3\n\nabc'));
    expect(Buffer.isBuffer(m.body)).toBe(true);
  });

  const bad: Array<[string, string | Buffer, RegExp]> = [
    ['empty frame', '', /no blank line/],
    ['no header terminator', 'MOO/1 REQUEST a:1/b\nRequest-Id: 0\n', /no blank line/],
    ['wrong version', 'MOO/2 REQUEST a:1/b\nRequest-Id: 0\n\n', /version/],
    ['not MOO', 'HTTP/1.1 200 OK\nRequest-Id: 0\n\n', /first line/],
    ['unknown verb', 'MOO/1 PUSH a:1/b\nRequest-Id: 0\n\n', /verb/],
    ['request without method', 'MOO/1 REQUEST com.roonlabs.ping:1\nRequest-Id: 0\n\n', /no method/],
    ['missing Request-Id', 'MOO/1 COMPLETE Success\n\n', /Request-Id is missing/],
    ['non-numeric Request-Id', 'MOO/1 COMPLETE Success\nRequest-Id: x1\n\n', /Request-Id/],
    ['negative Request-Id', 'MOO/1 COMPLETE Success\nRequest-Id: -1\n\n', /Request-Id/],
    ['Request-Id past Number.MAX_SAFE_INTEGER', 'MOO/1 COMPLETE Success\nRequest-Id: 9007199254740992\n\n', /Request-Id 9007199254740992 is too large/],
    ['a 17-digit Request-Id', 'MOO/1 COMPLETE Success\nRequest-Id: 10000000000000000\n\n', /Request-Id/],
    ['zero length with body bytes', 'MOO/1 COMPLETE Success\nRequest-Id: 1\nContent-Length: 0\n\n{}', /Content-Length is 0 but the body has 2 bytes/],
    ['header without colon', 'MOO/1 COMPLETE Success\nRequest-Id: 1\nnonsense\n\n', /bad header line/],
    ['duplicate header', 'MOO/1 COMPLETE Success\nRequest-Id: 1\nRequest-Id: 2\n\n', /twice/],
    ['body without length', 'MOO/1 COMPLETE Success\nRequest-Id: 1\n\n{}', /without Content-Length/],
    ['length too short', 'MOO/1 COMPLETE Success\nRequest-Id: 1\nContent-Type: application/json\nContent-Length: 1\n\n{}', /Content-Length is 1/],
    ['length too long', 'MOO/1 COMPLETE Success\nRequest-Id: 1\nContent-Type: application/json\nContent-Length: 9\n\n{}', /Content-Length is 9/],
    ['length without type', 'MOO/1 COMPLETE Success\nRequest-Id: 1\nContent-Length: 2\n\n{}', /without Content-Type/],
    ['type without length', 'MOO/1 COMPLETE Success\nRequest-Id: 1\nContent-Type: application/json\n\n', /without Content-Length/],
    ['bad JSON', 'MOO/1 COMPLETE Success\nRequest-Id: 1\nContent-Type: application/json\nContent-Length: 2\n\n{x', /does not parse/],
    ['bad length', 'MOO/1 COMPLETE Success\nRequest-Id: 1\nContent-Type: application/json\nContent-Length: 2x\n\n{}', /Content-Length/],
    ['invalid UTF-8 header', Buffer.concat([frame('MOO/1 COMPLETE Succ'), Buffer.from([0xff, 0xfe]), frame('\nRequest-Id: 1\n\n')]), /UTF-8/],
    ['invalid UTF-8 in a JSON body', Buffer.concat([frame('MOO/1 COMPLETE Success\nRequest-Id: 1\nContent-Type: application/json\nContent-Length: 4\n\n"'), Buffer.from([0xc3, 0x28]), frame('"')]), /JSON body is not valid UTF-8/],
  ];
  for (const [what, input, message] of bad) {
    it(`rejects ${what} with a clear error`, () => {
      const run = () => parseMoo(typeof input === 'string' ? frame(input) : input);
      expect(run).toThrow(MooParseError);
      expect(run).toThrow(message);
    });
  }

  it('refuses to serialize what it could not parse back', () => {
    expect(() => serializeMoo({ verb: 'REQUEST', name: 'a\nb', requestId: 0 })).toThrow();
    expect(() => serializeMoo({ verb: 'REQUEST', name: 'a:1/b', requestId: -1 })).toThrow();
  });
});

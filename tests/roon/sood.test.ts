import { describe, expect, it } from 'vitest';
import { ROON_CORE_SERVICE_ID, SoodParseError, coreFromReply, decodeSood, encodeSood, soodQuery } from '../../src/main/services/roon/sood';

const TID = 'c64e3888-f2f2-4c4a-9f89-2093ae4217a6';

/** The 104-byte query from the reference, built byte by byte. */
function specVector(): Buffer {
  const ascii = (s: string) => Buffer.from(s, 'ascii');
  return Buffer.concat([
    ascii('SOOD'),
    Buffer.from([0x02]),
    ascii('Q'),
    Buffer.from([0x10]),
    ascii('query_service_id'),
    Buffer.from([0x00, 0x24]),
    ascii(ROON_CORE_SERVICE_ID),
    Buffer.from([0x04]),
    ascii('_tid'),
    Buffer.from([0x00, 0x24]),
    ascii(TID),
  ]);
}

describe('SOOD codec', () => {
  it('encodes the reference query byte for byte', () => {
    const vector = specVector();
    expect(vector.length).toBe(104);
    expect(soodQuery(TID).equals(vector)).toBe(true);
  });

  it('decodes the reference query', () => {
    expect(decodeSood(specVector())).toEqual({ type: 'Q', properties: { query_service_id: ROON_CORE_SERVICE_ID, _tid: TID } });
  });

  it('tells null (0xFFFF) from an empty string', () => {
    const packet = { type: 'R' as const, properties: { a: null, b: '', c: 'ünï' } };
    const bytes = encodeSood(packet);
    expect(bytes.subarray(6 + 2, 6 + 4)).toEqual(Buffer.from([0xff, 0xff]));
    expect(decodeSood(bytes)).toEqual(packet);
  });

  const base = specVector();
  const cases: Array<[string, Buffer, RegExp]> = [
    ['short packet', Buffer.from('SOOD'), /only 4 bytes/],
    ['wrong magic', Buffer.concat([Buffer.from('SOOX'), base.subarray(4)]), /magic/],
    ['wrong version', Buffer.concat([base.subarray(0, 4), Buffer.from([1]), base.subarray(5)]), /version 1/],
    ['unknown type', Buffer.concat([base.subarray(0, 5), Buffer.from('X'), base.subarray(6)]), /unknown type/],
    ['zero key length', Buffer.concat([base.subarray(0, 6), Buffer.from([0])]), /zero key length/],
    ['key overrun', Buffer.concat([base.subarray(0, 6), Buffer.from([0x20]), Buffer.from('short')]), /overruns/],
    ['value overrun', base.subarray(0, 100), /overruns/],
    ['missing value length', Buffer.concat([base.subarray(0, 6), Buffer.from([0x01, 0x61, 0x00])]), /overruns/],
  ];
  for (const [what, bytes, message] of cases) {
    it(`rejects ${what}`, () => {
      expect(() => decodeSood(bytes)).toThrow(SoodParseError);
      expect(() => decodeSood(bytes)).toThrow(message);
    });
  }

  it('accepts only replies from a Roon Core with a unique_id and a port', () => {
    const local = new Set(['127.0.0.1', '10.0.0.5']);
    const reply = { service_id: ROON_CORE_SERVICE_ID, unique_id: 'core-1', name: 'Den', http_port: '9330', tcp_port: '9332', _tid: TID };
    expect(coreFromReply({ type: 'R', properties: reply }, '10.0.0.9', local)).toEqual({ coreId: 'core-1', name: 'Den', host: '10.0.0.9', port: 9330 });
    // A Core on this machine is reached over loopback.
    expect(coreFromReply({ type: 'R', properties: reply }, '10.0.0.5', local)?.host).toBe('127.0.0.1');
    expect(coreFromReply({ type: 'R', properties: { ...reply, _replyaddr: '10.0.0.7' } }, '10.0.0.9', local)?.host).toBe('10.0.0.7');
    expect(coreFromReply({ type: 'R', properties: { ...reply, service_id: 'other' } }, '10.0.0.9', local)).toBeNull();
    expect(coreFromReply({ type: 'R', properties: { ...reply, unique_id: null } }, '10.0.0.9', local)).toBeNull();
    expect(coreFromReply({ type: 'R', properties: { ...reply, http_port: '0' } }, '10.0.0.9', local)).toBeNull();
    expect(coreFromReply({ type: 'R', properties: { ...reply, http_port: 'x' } }, '10.0.0.9', local)).toBeNull();
    expect(coreFromReply({ type: 'Q', properties: reply }, '10.0.0.9', local)).toBeNull();
  });
});

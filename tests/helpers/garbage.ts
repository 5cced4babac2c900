/**
 * Bad payloads for one message kind: bytes that are not UTF-8, text that is not JSON, another
 * kind, another protocol version, a right-looking message with a forged field, one past the
 * kind's size limit, deep nesting and nothing at all. Every one must be rejected by the decoder
 * of that kind.
 */
import { MESSAGE_SIZE_LIMITS, type Message } from '../../shared/protocol/index.js';
import { VALID_MESSAGES } from './protocolFixtures.js';

/** The codec's size limit per kind. */
export const SIZE_LIMITS = MESSAGE_SIZE_LIMITS;

export interface Garbage {
  name:
    | 'not-utf8'
    | 'not-json'
    | 'wrong-kind'
    | 'wrong-version'
    | 'forged-field'
    | 'oversized'
    | 'deep'
    | 'empty';
  data: Uint8Array;
}

const utf8 = new TextEncoder();
const json = (value: unknown) => utf8.encode(JSON.stringify(value));

export function garbageFor<K extends Message['kind']>(
  kind: K,
  valid: Message = VALID_MESSAGES[kind],
): Garbage[] {
  const other = kind === 'run.lease' ? VALID_MESSAGES['shard.ready'] : VALID_MESSAGES['run.lease'];
  return [
    { name: 'not-utf8', data: new Uint8Array([0xff, 0xfe, 0x00, 0x7b]) },
    { name: 'not-json', data: utf8.encode('hello {') },
    { name: 'wrong-kind', data: json(other) },
    { name: 'wrong-version', data: json({ ...valid, protocol: 99 }) },
    { name: 'forged-field', data: json({ ...valid, runId: 'a.b>', extra: 'field' }) },
    { name: 'oversized', data: json({ ...valid, pad: 'x'.repeat(SIZE_LIMITS[kind] + 1024) }) },
    { name: 'deep', data: utf8.encode(`${'['.repeat(5000)}${']'.repeat(5000)}`) },
    { name: 'empty', data: new Uint8Array(0) },
  ];
}

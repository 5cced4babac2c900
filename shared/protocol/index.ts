/**
 * The protocol both sides speak: where messages travel (subjects), what they are (messages) and
 * the only way in or out of bytes (codec).
 */
export * from './codec.js';
export * from './messages.js';
export * from './subjects.js';
export * from './attempts.js';
export { PROTOCOL_VERSION } from './version.js';

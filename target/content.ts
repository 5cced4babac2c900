/** Decoding of text-or-binary payloads (attached files, tool file content). */
import { z } from 'zod';
import { HttpError } from './httpErrors.js';

export const contentEncodingSchema = z.enum(['utf8', 'base64']);
export type ContentEncoding = z.infer<typeof contentEncodingSchema>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Buffer.from silently skips bad base64; refusing it keeps a corrupt upload from passing as data. */
export function decodeContent(content: string, encoding: ContentEncoding, where: string): Buffer {
  if (encoding === 'utf8') return Buffer.from(content, 'utf8');
  if (content.length % 4 !== 0 || !BASE64.test(content)) {
    throw new HttpError(422, 'invalid_base64', `${where}: content is not valid base64`);
  }
  return Buffer.from(content, 'base64');
}

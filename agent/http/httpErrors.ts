/**
 * Errors of the raw HTTP/1.1 path, shaped like the ones undici 7 raises for the same fault so
 * that `shared/outcomes.ts` classifies and groups both paths alike:
 * - a response llhttp rejects is undici's `HTTPParserError`, whose `code` undici leaves unset
 *   (it looks the llhttp error number up in a name->number table), so both group as UNKNOWN;
 * - body length against Content-Length: UND_ERR_RES_CONTENT_LENGTH_MISMATCH;
 * - oversize headers: UND_ERR_HEADERS_OVERFLOW; the socket closing early, or a 100/101 answer
 *   nobody asked for: UND_ERR_SOCKET; timers: UND_ERR_{CONNECT,HEADERS,BODY}_TIMEOUT.
 */
export class HttpResponseError extends Error {
  constructor(
    name: string,
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = name;
  }
}

/** A response llhttp (inside undici) rejects; `reason` in llhttp's words. */
export const parserError = (reason: string) =>
  new HttpResponseError(
    'HTTPParserError',
    `Response does not match the HTTP/1.1 protocol (${reason})`,
    undefined,
  );

export const lengthMismatch = () =>
  new HttpResponseError(
    'ResponseContentLengthMismatchError',
    'Response body length does not match content-length header',
    'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  );

export const headersOverflow = () =>
  new HttpResponseError('HeadersOverflowError', 'Headers Overflow Error', 'UND_ERR_HEADERS_OVERFLOW');

export const socketError = (message: string) =>
  new HttpResponseError('SocketError', message, 'UND_ERR_SOCKET');

/** undici asserts a status of at least 100; the assertion's code is what its callers see. */
export const statusAssertion = () =>
  new HttpResponseError('AssertionError', 'status code below 100', 'ERR_ASSERTION');

export const TIMEOUT_ERRORS = {
  connect: () =>
    new HttpResponseError('ConnectTimeoutError', 'Connect Timeout Error', 'UND_ERR_CONNECT_TIMEOUT'),
  headers: () =>
    new HttpResponseError('HeadersTimeoutError', 'Headers Timeout Error', 'UND_ERR_HEADERS_TIMEOUT'),
  body: () => new HttpResponseError('BodyTimeoutError', 'Body Timeout Error', 'UND_ERR_BODY_TIMEOUT'),
} as const;

/** True for errors after which the raw path hands the lane to undici: the target said something odd. */
export function isProtocolError(error: Error): boolean {
  const code = (error as HttpResponseError).code;
  return (
    error instanceof HttpResponseError &&
    (code === undefined ||
      code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
      code === 'UND_ERR_HEADERS_OVERFLOW' ||
      code === 'ERR_ASSERTION' ||
      error.message.startsWith('bad '))
  );
}

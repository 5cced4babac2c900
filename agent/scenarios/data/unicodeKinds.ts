/**
 * The inputs of edges.unicode_and_binary. Prompts stay within the 80 UTF-16 units the reference
 * target echoes back, so the echo can be compared whole.
 */
export const UNICODE_PROMPTS = {
  emoji: 'Deploy 🚀 by 👩🏽‍💻 with ❤️ and 🏳️‍🌈 flags 🇺🇦🇯🇵',
  arabic_rtl: 'مرحبا بالعالم، هذا اختبار للنص من اليمين إلى اليسار',
  hebrew_with_bidi_controls: 'שלום \u202Eevil.exe\u202C עולם \u2067isolate\u2069',
  cjk: '你好，世界。日本語のテキスト。한국어 텍스트',
  combining_marks: 'e\u0301 a\u0308 Z\u0351\u0358\u0344a\u036A\u0342l\u0367g\u0366o\u0350',
  zero_width: 'zero\u200Bwidth\u200Cjoin\u200Ders\uFEFFand\u2060word joiner',
  control_characters: 'bell\u0007 escape\u001b[31mred\u001b[0m tab\t newline\n del\u007f',
  nul_character: 'before\u0000after',
  astral_plane: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕄𝕒𝕥𝕙 𓀀𓂀 🀄',
  lone_surrogate: 'broken \uD800 pair \uDC00 halves',
} as const;

/**
 * Every prompt in one UTF-8 text file, plus a byte-order mark. Lone surrogates are left out: UTF-8
 * cannot carry them, so no file could hold them and come back unchanged.
 */
export const UNICODE_FILE_TEXT = `\uFEFF${Object.entries(UNICODE_PROMPTS)
  .filter(([name]) => name !== 'lone_surrogate')
  .map(([, text]) => text)
  .join('\n')}\n`;

/** 1 KiB covering every byte value, NUL and 0xFF included. */
export const BINARY_BYTES = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7) % 256));

/** A JSON content type over bytes that are not UTF-8: must be refused, not mangled or crashed on. */
export const INVALID_UTF8_BODY = Buffer.concat([
  Buffer.from('{"prompt":"'),
  BINARY_BYTES.subarray(128, 256),
  Buffer.from('"}'),
]);

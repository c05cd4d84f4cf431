/**
 * Bytes ↔ text for the runner: a file is decoded as it is encoded and written back in the same
 * encoding, so every byte a codemod does not rewrite stays as it was.
 *
 * - UTF-8 (with or without BOM): the usual case.
 * - UTF-16 LE / BE with a BOM: decoded and re-encoded in the same byte order.
 * - Anything else that is not valid UTF-8 (Latin-1, Windows-1252, a stray byte in a comment):
 *   decoded byte for byte (each byte one character, U+0000–U+00FF) so the parser sees every
 *   ASCII token as it is and the bytes of strings and comments pass through unchanged.
 *
 * Decoding is only accepted when encoding the text again gives the very same bytes; writing
 * refuses (and the file is left) when the new text holds a character the encoding cannot carry.
 */

export type FileEncoding = 'utf8' | 'utf8-bom' | 'utf16le' | 'utf16be' | 'bytes';

export type DecodedFile =
  | { readonly ok: true; readonly text: string; readonly encoding: FileEncoding }
  | { readonly ok: false; readonly reason: string };

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes `bytes` as the file is encoded. The text keeps a BOM as U+FEFF at its start (transform-text strips and restores it). */
export function decodeFile(bytes: Uint8Array): DecodedFile {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeUtf16(bytes, 'utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeUtf16(bytes, 'utf16be');
  const hasUtf8Bom = UTF8_BOM.every((byte, index) => bytes[index] === byte);
  try {
    return { ok: true, text: strictUtf8.decode(bytes), encoding: hasUtf8Bom ? 'utf8-bom' : 'utf8' };
  } catch {
    // Not valid UTF-8: one character per byte is the only decoding that loses nothing.
    return {
      ok: true,
      text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'),
      encoding: 'bytes',
    };
  }
}

/** The bytes of `text` in `encoding`, or the reason it cannot be written that way without loss. */
export function encodeFile(
  text: string,
  encoding: FileEncoding,
): { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly reason: string } {
  switch (encoding) {
    case 'utf8':
    case 'utf8-bom':
      if (LONE_SURROGATE.test(text))
        return { ok: false, reason: 'the new text has a lone surrogate, which UTF-8 cannot hold' };
      return { ok: true, bytes: Buffer.from(text, 'utf8') };
    case 'utf16le':
    case 'utf16be': {
      const bytes = Buffer.from(text, 'utf16le');
      return { ok: true, bytes: encoding === 'utf16be' ? bytes.swap16() : bytes };
    }
    case 'bytes': {
      const wide = /[\u{100}-\u{10FFFF}]/u.exec(text);
      if (wide) {
        return {
          ok: false,
          reason: `the file is not UTF-8 (kept byte for byte) and the new text adds ${JSON.stringify(wide[0])}, which one byte cannot hold`,
        };
      }
      return { ok: true, bytes: Buffer.from(text, 'latin1') };
    }
  }
}

/** How a report names the encoding of a file the runner read in something other than plain UTF-8. */
export function describeEncoding(encoding: FileEncoding): string {
  switch (encoding) {
    case 'utf8':
      return 'UTF-8';
    case 'utf8-bom':
      return 'UTF-8 with BOM';
    case 'utf16le':
      return 'UTF-16 LE with BOM';
    case 'utf16be':
      return 'UTF-16 BE with BOM';
    case 'bytes':
      return 'not UTF-8 (kept byte for byte)';
  }
}

function decodeUtf16(bytes: Uint8Array, encoding: 'utf16le' | 'utf16be'): DecodedFile {
  if (bytes.byteLength % 2 !== 0)
    return { ok: false, reason: `${describeEncoding(encoding)} but an odd number of bytes` };
  const copy = Buffer.from(bytes);
  const littleEndian = encoding === 'utf16be' ? copy.swap16() : copy;
  const text = littleEndian.toString('utf16le');
  // A lone surrogate survives this decoding (Buffer keeps code units), so re-encoding is byte-exact; check anyway.
  const again = encodeFile(text, encoding);
  if (!again.ok || !again.bytes.equals(bytes))
    return { ok: false, reason: `${describeEncoding(encoding)} that does not survive decoding byte for byte` };
  return { ok: true, text, encoding };
}

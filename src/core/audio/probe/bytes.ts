/** Little helpers for reading binary headers from a Uint8Array. */

export function ascii(b: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Size of an ID3v2 tag at `offset` (header + body + optional footer), or 0 when there is none. */
export function id3v2Size(b: Uint8Array, offset = 0): number {
  if (b.length < offset + 10 || ascii(b, offset, 3) !== 'ID3') return 0;
  const syncsafe = (b[offset + 6] << 21) | (b[offset + 7] << 14) | (b[offset + 8] << 7) | b[offset + 9];
  const footer = b[offset + 5] & 0x10 ? 10 : 0;
  return 10 + syncsafe + footer;
}

/**
 * Docker multiplexes stdout and stderr of a non-TTY container into frames: [stream, 0, 0, 0, size(4, big-endian)] + payload.
 * Returns the payloads in order; a buffer that is not framed (a TTY container) is returned as it is.
 */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (offset + 8 > buf.length || !isFrameHeader(buf, offset)) return offset === 0 ? buf.toString('utf8') : concat(parts, buf.subarray(offset));
    const size = buf.readUInt32BE(offset + 4);
    parts.push(buf.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

function isFrameHeader(buf: Buffer, at: number): boolean {
  return buf[at]! <= 2 && buf[at + 1] === 0 && buf[at + 2] === 0 && buf[at + 3] === 0;
}

function concat(parts: Buffer[], rest: Buffer): string {
  return Buffer.concat([...parts, rest]).toString('utf8');
}

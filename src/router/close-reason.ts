/** A WebSocket close reason: at most 123 bytes, a longer one cut and ended with "...". */
export function closeReason(reason: string): string {
  const b = Buffer.from(reason, 'utf8');
  return b.length <= 123 ? reason : b.subarray(0, 120).toString('utf8') + '...';
}

/** An image ID as the engine's build output shows it: 12 hex digits, no `sha256:`. */
export function shortImageId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

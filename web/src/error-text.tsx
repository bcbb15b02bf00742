import type { FabricError } from './fabric.js';

/** A procedure's error next to what caused it: the message, and the error URI in small print. */
export function ErrorText({ error }: { error: FabricError | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error.message} <small class="uri">{error.uri}</small>
    </p>
  );
}

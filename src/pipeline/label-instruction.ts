/** A label key as berth writes them (`berth.url`, `berth.owner-role`, …): no quote, `=`, `$`, space or control character. */
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
/** What a Dockerfile line cannot hold in any quoting: a line break ends the instruction, and the rest are no text. */
const UNWRITABLE = /[\u0000-\u001f\u007f]/;
/** A lone UTF-16 surrogate: no UTF-8 text, so the engine would store another value than the one berth digested. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The image's labels as one `LABEL "key"="value" …` instruction, sorted by key. One instruction is one step of the
 * classic builder (the build API's `labels` would append one step, with its container and commit, per label).
 *
 * Every key and value is double-quoted, and inside double quotes the builder gives meaning to exactly three characters,
 * each escaped here with a backslash: `\`, `"` and `$` (variable expansion). Nothing a value holds can end the quote,
 * expand a variable or continue the line (the line ends in `"`), and line breaks and other control characters, which
 * no quoting can carry, are refused — the JSON-valued labels (command, env, volumes) never hold them raw.
 */
export function labelInstruction(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => {
      if (!LABEL_KEY.test(key)) throw new Error(`refusing label key ${JSON.stringify(key)}`);
      return `${quote(key)}=${quote(checked(key, value))}`;
    });
  return `LABEL ${pairs.join(' ')}`;
}

/** The generated Dockerfile with the labels as its last instruction (after CMD/HEALTHCHECK: every step before stays cached). */
export function labelledDockerfile(dockerfile: string, labels: Readonly<Record<string, string>>): string {
  return `${dockerfile}${labelInstruction(labels)}\n`;
}

function checked(key: string, value: string): string {
  if (UNWRITABLE.test(value) || LONE_SURROGATE.test(value)) throw new Error(`refusing label ${key}: its value ${JSON.stringify(value)} holds a control character or invalid text`);
  return value;
}

function quote(text: string): string {
  return `"${text.replace(/[\\"$]/g, '\\$&')}"`;
}

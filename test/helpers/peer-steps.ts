/** The steps a Python peer printed (one JSON line each, `{step, ...}`), by step name; a line that is not JSON fails with the whole output. */
export function peerSteps<T = Record<string, any>>(stdout: string): Record<string, T> {
  const steps: Record<string, T> = {};
  for (const line of stdout.trim().split('\n')) {
    let step: { step: string };
    try {
      step = JSON.parse(line) as { step: string };
    } catch {
      throw new Error(`a peer printed a line that is not JSON: ${JSON.stringify(line)}\nwhole output:\n${stdout}`);
    }
    steps[step.step] = step as T;
  }
  return steps;
}

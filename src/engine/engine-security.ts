/** What the engine adds to a container's isolation, from its `SecurityOptions` (stated in berth's join log line). */
export interface EngineSecurity {
  /** Container root is an unprivileged user on the host (`userns-remap`). */
  readonly userns: boolean;
  /** The engine itself runs without root. */
  readonly rootless: boolean;
  /** The name of the default seccomp profile, or false without seccomp. */
  readonly seccomp: string | false;
}

export function engineSecurity(options: readonly string[]): EngineSecurity {
  const byName = new Map(
    options.map((o) => {
      const fields = new Map(o.split(',').map((kv) => kv.split('=', 2) as [string, string | undefined]));
      return [fields.get('name') ?? o, fields] as const;
    }),
  );
  const seccomp = byName.get('seccomp');
  return { userns: byName.has('userns'), rootless: byName.has('rootless'), seccomp: seccomp ? (seccomp.get('profile') ?? 'default') : false };
}

/** A container of the classic builder's metadata steps (LABEL, CMD, …): its command is `/bin/sh -c '#(nop) ' …`. */
export function isBuildStepCommand(command: string | readonly string[] | null | undefined): boolean {
  if (!command) return false;
  return typeof command === 'string' ? command.includes('#(nop)') : command.slice(0, 3).some((part) => part.startsWith('#(nop)'));
}

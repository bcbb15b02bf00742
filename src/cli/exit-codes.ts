/** The exit statuses of the berth command (docs/cli.md). 130 = 128 + SIGINT, as shells report an interrupted program. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, interrupted: 130 } as const;
